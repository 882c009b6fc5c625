"""The HomeKit setup code the owner types (or scans) in the Home app, its setup id, and
the setup payload `X-HM://…` a HomeKit QR code carries (pure).

The code is eight digits shown as `XXX-XX-XXX`. The HAP specification refuses codes made
of one digit repeated and the two runs `12345678` / `87654321`; the Home app will not
take them, so they are never drawn.

The payload (HAP-python's `Accessory.xhm_uri`, the layout of Apple's HomeKit ADK
`HAPAccessorySetup`): a 45-bit number of, from the top, version (3 bits, 0), reserved
(4 bits, 0), accessory category (8 bits), flags (4 bits; 2 = reachable over IP) and the
setup code as an integer (27 bits), written in base 36 (digits, then upper-case letters)
padded to 9 characters, followed by the 4-character setup id.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable

SETUP_CODE = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{3}")
SETUP_ID = re.compile(r"[0-9A-Z]{4}")
REFUSED_CODES = frozenset({str(d) * 8 for d in range(10)} | {"12345678", "87654321"})
# HAP accessory categories (HAP specification, "Accessory Categories"; pyhap.const).
CATEGORY_THERMOSTAT = 9
FLAG_IP = 2
_BASE36 = string.digits + string.ascii_uppercase
_PAYLOAD_CHARS = 9


def new_setup_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    while True:
        digits = f"{randbelow(10**8):08d}"
        if digits not in REFUSED_CODES:
            return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def new_setup_id(choice: Callable[[str], str] = secrets.choice) -> str:
    return "".join(choice(_BASE36) for _ in range(4))


def valid_setup_code(code: str) -> bool:
    return SETUP_CODE.fullmatch(code) is not None and code.replace("-", "") not in REFUSED_CODES


def setup_uri(code: str, setup_id: str, category: int = CATEGORY_THERMOSTAT) -> str:
    if not valid_setup_code(code):
        raise ValueError("a setup code is XXX-XX-XXX, eight digits not all one and no run")
    if SETUP_ID.fullmatch(setup_id) is None:
        raise ValueError("a setup id is four characters 0-9 or A-Z")
    payload = ((category & 0xFF) << 31) | (FLAG_IP << 27) | int(code.replace("-", ""))
    text = ""
    while payload:
        payload, digit = divmod(payload, 36)
        text = _BASE36[digit] + text
    return "X-HM://" + text.rjust(_PAYLOAD_CHARS, "0") + setup_id
