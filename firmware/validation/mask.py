"""How a secret is shown: the one mask, and values made safe to print in an error.

Every place that shows a secret (HTTP reads, `hearth provision` answers, error
messages, `repr` of a `Secret`) shows `MASK` instead. URLs with a password in them
(`stratum+tcp://user:pw@host:3333`) are printed with the password masked, and values
too large to print (a 4000-digit integer, a megabyte of text, nesting a thousand deep)
are summarised instead of printed.
"""

from __future__ import annotations

import re
import reprlib

MASK = "***"

# `scheme://user:password@host`: the password part, up to the `@`.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:)[^@/\s]*@")
_LONG_INT = 10**40


def mask_url(text: str) -> str:
    """`text` with the password of any `scheme://user:password@` in it masked."""
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)


class _Shown(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = 80
        self.maxother = 80
        self.maxdict = self.maxlist = self.maxtuple = 6

    def repr_str(self, x: str, level: int) -> str:
        if len(x) <= self.maxstring:
            return repr(mask_url(x))
        # Mask a window a little past what is shown (a password may straddle the cut):
        # over megabytes the pattern would take quadratic time.
        head = mask_url(x[: self.maxstring + 512])[: self.maxstring]
        return f"{head!r}... ({len(x)} characters)"

    def repr_int(self, x: int, level: int) -> str:
        if -_LONG_INT < x < _LONG_INT:
            return repr(x)
        return f"<an integer of {x.bit_length()} bits>"


_SHOWN = _Shown()


def shown(value: object, secret: bool = False) -> str:
    """`value` as an error message prints it: masked if it is a secret, and short."""
    if secret and value not in (None, ""):
        return repr(MASK)
    try:
        return _SHOWN.repr(value)
    except (ValueError, RecursionError):  # a value that cannot even print itself
        return f"<a {type(value).__name__}>"
