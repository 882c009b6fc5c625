"""The body of `POST /api/pair`, checked with the project's validation vocabulary."""

from __future__ import annotations

import re
from typing import Any

from firmware.pairing.codes import DIGITS
from firmware.validation import string, table

# An app's name as the owner will see it in the list of paired apps: printable text.
CLIENT_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,64}")

PAIR_REQUEST = table(
    required={
        "code": string(
            pattern=re.compile(rf"[0-9]{{{DIGITS}}}"), allowed=f"the {DIGITS}-digit pairing code"
        ),
        "client": string(
            pattern=CLIENT_NAME,
            blank=False,
            allowed="the app's name: 1 to 64 printable characters",
        ),
    },
    allowed='a JSON object {"code": "123456", "client": "<app name>"}',
)


def parse_pair_request(body: Any) -> tuple[str, str]:
    """(code, client) or `Invalid` naming the key, the value and what is allowed."""
    checked = PAIR_REQUEST(body)
    return checked["code"], checked["client"].strip()
