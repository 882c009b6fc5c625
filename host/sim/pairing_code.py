"""The pairing code `hearth sim` prints: asked of the running hearthd over its HTTP API
(`GET /api/pair/code` with the owner's token), as the owner's web page asks for it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

TIMEOUT_S = 5.0


def fetch_pairing_code(http_port: int, token: str) -> str:
    """'123456 (valid 300 s)', or why there is none (an external broker, say)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{http_port}/api/pair/code",
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            body = json.loads(response.read())
        return f"{body['code']} (valid {body['expires_in_s']} s; POST /api/pair)"
    except urllib.error.HTTPError as exc:
        try:
            reason = json.loads(exc.read()).get("error", exc.reason)
        except ValueError:
            reason = exc.reason
        return f"none: {reason}"
    except (OSError, ValueError, KeyError) as exc:
        return f"none: {exc}"
