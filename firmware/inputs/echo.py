"""Echoes of untrusted input, bounded: an answer is never much bigger than `MAX_ECHO_CHARS`
whatever was sent (a 1 MB `set` once produced a 2 MB `result`)."""

from __future__ import annotations

import json

MAX_ECHO_CHARS = 256


def bounded_text(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def bounded_echo(value: object, limit: int = MAX_ECHO_CHARS) -> object:
    """`value` itself when its JSON is short and valid, else a cut string of it."""
    try:
        text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (ValueError, TypeError, RecursionError, OverflowError):
        try:
            text = repr(value)
        except (ValueError, RecursionError):
            text = f"<{type(value).__name__}>"
        return bounded_text(text, limit)
    return value if len(text) <= limit else bounded_text(text, limit)
