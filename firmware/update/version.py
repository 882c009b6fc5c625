"""Firmware version strings: `MAJOR.MINOR.PATCH`, compared numerically."""

from __future__ import annotations

import re

_VERSION = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")


def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"version must look like MAJOR.MINOR.PATCH (e.g. 1.4.0), got {text!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch
