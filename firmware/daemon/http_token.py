"""The write token of the HTTP API when the owner configured none: generated once and
kept in `<state_dir>/http-token` (0600), so writes are never open by accident."""

from __future__ import annotations

import pathlib
import secrets

from firmware.store import write_atomic
from firmware.validation import Secret

TOKEN_FILE = "http-token"
TOKEN_BYTES = 24


def load_or_create_token(state_dir: pathlib.Path) -> Secret:
    path = state_dir / TOKEN_FILE
    try:
        token = path.read_text(encoding="utf-8").strip()
        if len(token) >= 16:
            return Secret(token)
    except OSError:
        pass
    token = secrets.token_urlsafe(TOKEN_BYTES)
    state_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (token + "\n").encode(), keep_previous=False)
    return Secret(token)
