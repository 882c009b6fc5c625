"""`loads_strict`: JSON from a peer that may be hostile, refused with a clear message when
it is too big, too deep or holds numbers no setting can use.

Python's `json` happily returns `inf` for `1e400`, builds 4000-digit integers (which
later overflow `float()`), recurses until `RecursionError` on `[[[[...`, and accepts
`NaN`/`Infinity`. Each of those reached a handler as a crash. Here:
- the text is at most `max_bytes` long (checked before parsing);
- nesting is at most `MAX_DEPTH` (counted on the text before parsing, so no recursion);
- floats must be finite, integers at most `MAX_INT_DIGITS` digits;
- `NaN`, `Infinity` and non-UTF-8 bytes are refused.
"""

from __future__ import annotations

import json
import math

MAX_DEPTH = 32
MAX_INT_DIGITS = 18
DEFAULT_MAX_BYTES = 64 * 1024


class InputError(ValueError):
    """Bytes that are not acceptable JSON input; the message says why."""


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting of JSON text, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"number {text[:40]} is out of range")
    return value


def _short_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise InputError(f"integer of {len(text)} digits is out of range")
    return int(text)


def _refuse_constant(name: str) -> object:
    raise InputError(f"{name} is not a JSON number")


def loads_strict(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> object:
    if len(data) > max_bytes:
        raise InputError(f"payload of {len(data)} bytes is too large (at most {max_bytes})")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("payload is not UTF-8 text") from None
    else:
        text = data
    if nesting_depth(text) > MAX_DEPTH:
        raise InputError(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(
            text,
            parse_float=_finite_float,
            parse_int=_short_int,
            parse_constant=_refuse_constant,
        )
    except InputError:
        raise
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise InputError(f"not JSON: {str(exc)[:120]}") from None
