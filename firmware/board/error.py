"""The error a bad board profile file raises: it names the key, the value and what is allowed."""

from __future__ import annotations

from firmware.validation import Invalid


class BoardProfileError(Invalid):
    """A board profile that cannot be used (the validation vocabulary's `Invalid`, typed).
    Nothing is half-loaded: the loader raises before building any `BoardProfile`."""

    source_format = "board profile {source}: "
