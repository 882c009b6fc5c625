"""`POST /api/pair` on a heater found on the LAN: the 6-digit code for an MQTT login.

A blocking HTTP exchange (urllib, with a timeout), so the app runs it off the UI thread
(`pair_in_background`) and hands the result back like every MQTT event.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable

from app.model.found import FoundError, FoundHeater, Pairing, check_code, pairing_from_answer

PAIR_TIMEOUT_S = 10.0
MAX_ANSWER_BYTES = 64 * 1024
MAX_REASON_CHARS = 200
# What the heater's refusals mean to the owner (docs/discovery.md, "Pairing").
REFUSALS = {
    400: "the heater did not take the request",
    403: "the code is wrong, used or expired: look at the heater's page for the current one",
    409: "the heater cannot pair now",
    429: "too many wrong codes: that code is burnt, ask the heater for a new one",
}


def heater_reason(error: urllib.error.HTTPError) -> str:
    """The `{"error": ...}` a refusing heater sends, cut short; "" if there is none."""
    try:
        answer = json.loads(error.read(MAX_ANSWER_BYTES))
    except (OSError, ValueError):
        return ""
    reason = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(reason, str):
        return ""
    return "".join(c for c in reason if c.isprintable())[:MAX_REASON_CHARS]


def pair(
    heater: FoundHeater, code: str, client: str, *, timeout: float = PAIR_TIMEOUT_S
) -> Pairing:
    """Raises FoundError with a reason in words on any refusal or failure."""
    body = json.dumps({"code": check_code(code), "client": client}).encode()
    request = urllib.request.Request(
        heater.pair_url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        detail = REFUSALS.get(error.code, f"the heater answered HTTP {error.code}")
        said = heater_reason(error)
        said = f" ({said})" if said else ""
        raise FoundError(f"Pairing with {heater.name} refused: {detail}{said}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FoundError(f"Cannot reach {heater.name} at {heater.pair_url}: {reason}") from None
    if len(raw) > MAX_ANSWER_BYTES:
        raise FoundError(f"{heater.name}: pairing answer too large")
    try:
        answer = json.loads(raw)
    except ValueError:
        raise FoundError(f"{heater.name}: pairing answer is not JSON") from None
    return pairing_from_answer(answer)


def pair_in_background(
    heater: FoundHeater,
    code: str,
    client: str,
    handoff: Callable[[Callable[[], None]], None],
    done: Callable[[Pairing | None, str], None],
) -> threading.Thread:
    """`pair` on its own thread; `done(pairing, "")` or `done(None, reason)` on the UI thread."""

    def run() -> None:
        try:
            result = pair(heater, code, client)
        except FoundError as error:
            message = str(error)
            handoff(lambda: done(None, message))
            return
        handoff(lambda: done(result, ""))

    thread = threading.Thread(target=run, name="hearth-pair", daemon=True)
    thread.start()
    return thread
