"""The pairing codes `hearth sim` prints: asked of the running hearthd over its HTTP API
with the owner's token, as the owner's web page asks for them: the app's one-time code
(`GET /api/pair/code`) and the Apple Home setup code (`GET /api/homekit`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

TIMEOUT_S = 5.0


def _owner_get(http_port: int, token: str, path: str) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{http_port}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        return json.loads(response.read())


def fetch_homekit_setup(http_port: int, token: str) -> str:
    """'314-15-926  X-HM://… (not paired yet)', or why there is none."""
    try:
        body = _owner_get(http_port, token, "/api/homekit")
        if not body["running"]:
            return "not running (see the hearthd log)"
        paired = "paired with a Home" if body["paired"] else "not paired yet"
        return f"{body['setup_code']}  {body['setup_uri']} ({paired})"
    except (OSError, ValueError, KeyError) as exc:
        return f"none: {exc}"


def fetch_pairing_code(http_port: int, token: str) -> str:
    """'123456 (valid 300 s)', or why there is none (an external broker, say)."""
    try:
        body = _owner_get(http_port, token, "/api/pair/code")
        return f"{body['code']} (valid {body['expires_in_s']} s; POST /api/pair)"
    except urllib.error.HTTPError as exc:
        try:
            reason = json.loads(exc.read()).get("error", exc.reason)
        except ValueError:
            reason = exc.reason
        return f"none: {reason}"
    except (OSError, ValueError, KeyError) as exc:
        return f"none: {exc}"
