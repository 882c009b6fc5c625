"""Decoding `set` messages and encoding their `result` answers (pure functions).

A `set` payload is a JSON object of settings; the daemon's `apply_set` validates and
applies it all-or-nothing. This module only does what is true of every command: the
payload must be UTF-8 JSON holding an object, and an optional `"id"` (string or
integer) is a correlation id echoed back as `request` instead of the whole command.
Untrusted bytes go through `firmware.inputs` first: at most `MAX_SET_BYTES`, bounded
nesting and numbers, and every echo (`request`, `error`) cut to a fixed size, so every
message gets an answer and no answer is large.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from firmware.inputs import MAX_ECHO_CHARS, InputError, bounded_echo, bounded_text, loads_strict

# A settings object is a few hundred bytes; schedules and pool lists stay far below this.
MAX_SET_BYTES = 16 * 1024
MAX_ERROR_CHARS = 512
CORRELATION_KEY = "id"


@dataclass(frozen=True)
class SetCommand:
    settings: dict[str, object]
    request: object  # what `result.request` echoes: the correlation id, or the command


class CommandError(ValueError):
    """A `set` payload that cannot be a command; `request` is what to echo back."""

    def __init__(self, message: str, request: object) -> None:
        super().__init__(message)
        self.request = request


def echo_of_raw(payload: bytes) -> str:
    return payload[: MAX_ECHO_CHARS * 4].decode("utf-8", errors="replace")[:MAX_ECHO_CHARS]


def decode_set(payload: bytes) -> SetCommand:
    try:
        value = loads_strict(payload, max_bytes=MAX_SET_BYTES)
    except InputError as exc:
        raise CommandError(f"payload refused: {exc}", echo_of_raw(payload)) from None
    if not isinstance(value, dict):
        raise CommandError(
            f"payload must be a JSON object of settings, got {json_type_name(value)}", value
        )
    settings = dict(value)
    if CORRELATION_KEY not in settings:
        return SetCommand(settings=settings, request=value)
    correlation = settings.pop(CORRELATION_KEY)
    if isinstance(correlation, bool) or not isinstance(correlation, str | int):
        raise CommandError('"id" must be a string or an integer', value)
    return SetCommand(settings=settings, request=correlation)


def json_type_name(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def encode_result(*, ok: bool, error: str | None, request: object) -> bytes:
    """The answer, never much over MAX_ECHO_CHARS + MAX_ERROR_CHARS whatever was sent."""
    return json.dumps(
        {
            "ok": ok,
            "error": None if error is None else bounded_text(error, MAX_ERROR_CHARS),
            "request": bounded_echo(request),
        },
        separators=(",", ":"),
        allow_nan=False,
    ).encode()


def decode_result(payload: bytes) -> Mapping[str, object]:
    """For clients and tests: the `result` object, checked for the contract's shape."""
    value = json.loads(payload)
    if not isinstance(value, dict) or set(value) != {"ok", "error", "request"}:
        raise ValueError(f"not a result object: {value!r}")
    if not isinstance(value["ok"], bool) or not (
        value["error"] is None or isinstance(value["error"], str)
    ):
        raise ValueError(f"not a result object: {value!r}")
    return value
