"""What every network-facing parser does first with untrusted bytes: a size cap, strict
bounded JSON (`strict_json`), and echoes of bad input cut to a fixed size (`echo`)."""

from firmware.inputs.echo import MAX_ECHO_CHARS, bounded_echo, bounded_text
from firmware.inputs.strict_json import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    InputError,
    loads_strict,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_ECHO_CHARS",
    "MAX_INT_DIGITS",
    "InputError",
    "bounded_echo",
    "bounded_text",
    "loads_strict",
]
