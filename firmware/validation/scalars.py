"""Validators of single values. Each is a callable `value -> checked value` that raises
`Invalid` (with an empty path; the table or list around it adds the key)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from firmware.validation.error import Invalid
from firmware.validation.secret import Secret

T = TypeVar("T")
Validator = Callable[[object], T]


def _span(kind: str, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{kind} {low}..{high}"
    if low is not None:
        return f"{kind} of at least {low}"
    if high is not None:
        return f"{kind} of at most {high}"
    return kind


def boolean() -> Validator[bool]:
    """`true` or `false` (not 0/1, not "yes")."""

    def check(value: object) -> bool:
        if not isinstance(value, bool):
            raise Invalid((), value, "true | false")
        return value

    return check


def integer(
    low: int | None = None, high: int | None = None, *, allowed: str | None = None
) -> Validator[int]:
    """A whole number in `low..high` (inclusive); booleans and floats are refused."""
    what = allowed or _span("an integer", low, high)

    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid((), value, what)
        if (low is not None and value < low) or (high is not None and value > high):
            raise Invalid((), value, what)
        return value

    return check


def number(
    low: float | None = None,
    high: float | None = None,
    *,
    finite: bool = True,
    step: float | None = None,
    allowed: str | None = None,
) -> Validator[float]:
    """A number (int or float, not bool) in `low..high`, returned as a float.

    NaN and ±inf are refused unless `finite=False` (NaN always is); with `step`, the
    value must lie on that grid (within 1e-6) and is rounded onto it. Integers too large
    for a float are refused, never an OverflowError.
    """
    what = allowed or _span("a number", low, high)

    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid((), value, what)
        if (low is not None and value < low) or (high is not None and value > high):
            raise Invalid((), value, what)
        try:
            result = float(value)
        except OverflowError:
            raise Invalid((), value, what) from None
        if math.isnan(result) or (finite and math.isinf(result)):
            raise Invalid((), value, what)
        if step is not None:
            steps = round(result / step)
            on_grid = steps * step
            if abs(on_grid - result) > 1e-6:
                raise Invalid((), value, f"{what} in steps of {step}")
            result = round(on_grid, 9)
        return result

    return check


def string(
    *,
    min_len: int = 0,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
    blank: bool = True,
    allowed: str | None = None,
) -> Validator[str]:
    """Text of `min_len..max_len` characters, valid Unicode (encodable as UTF-8, so no
    lone surrogates from JSON), matching `pattern` in full if given. `blank=False`
    refuses text that is empty or only whitespace."""
    if allowed is None:
        allowed = "a non-empty string" if not blank else "a string"
        if max_len is not None:
            allowed += f" of {min_len} to {max_len} characters"
        elif min_len:
            allowed += f" of at least {min_len} characters"

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise Invalid((), value, allowed)
        if not min_len <= len(value) <= (max_len if max_len is not None else len(value)):
            raise Invalid((), value, allowed)
        if not blank and not value.strip():
            raise Invalid((), value, allowed)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid((), value, f"{allowed} (valid UTF-8 text)") from None
        if pattern is not None and pattern.fullmatch(value) is None:
            raise Invalid((), value, allowed)
        return value

    return check


def one_of(*options: T, allowed: str | None = None) -> Validator[T]:
    """Exactly one of `options` (same type too: `1` is not `True`, `"1"` is not `1`)."""
    what = allowed or " | ".join(str(option) for option in options)

    def check(value: object) -> T:
        for option in options:
            if type(value) is type(option) and value == option:
                return option
        raise Invalid((), value, what)

    return check


def secret(inner: Validator[str] | None = None) -> Validator[Secret]:
    """A string checked by `inner` (default: any string) held as a `Secret`; an error
    about it never prints the value."""
    check_text = inner or string()

    def check(value: object) -> Secret:
        try:
            return Secret(check_text(value))
        except Invalid as exc:
            raise Invalid(exc.path, exc.value, exc.allowed, secret=True) from None

    return check


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\]")


def _url_problem(text: str, schemes: Sequence[str]) -> str | None:
    """What is wrong with `text` as `scheme://host:port`, or None if nothing is."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "it has no scheme"
    if scheme not in schemes:
        return f"the scheme {scheme!r} is not one of these"
    if any(mark in rest for mark in "@?#") or "/" in rest.removesuffix("/"):
        return "only scheme, host and port: no user, password, path or query"
    host, colon, port = rest.removesuffix("/").rpartition(":")
    if not colon or host.endswith(":") or (host.startswith("[") and not host.endswith("]")):
        return "it has no port"
    if not (port.isascii() and port.isdigit() and len(port) <= 5) or not 1 <= int(port) <= 65535:
        return "the port must be 1..65535"
    if not host:
        return "it has no host"
    if _HOST.fullmatch(host) is None:
        return "the host must be a host name, an IPv4 or a [bracketed] IPv6 address"
    return None


def url(schemes: Sequence[str]) -> Validator[str]:
    """`scheme://host:port` (one optional trailing `/`) with a scheme from `schemes`, a
    host name, IPv4 or bracketed IPv6 address, and a port 1..65535. Nothing else: no
    user or password, path, query or fragment. Returns the text unchanged; the error
    says which part is wrong."""
    forms = " or ".join(f"{scheme}://host:port" for scheme in schemes)

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise Invalid((), value, f"{forms} (a string)")
        problem = _url_problem(value, schemes)
        if problem is not None:
            raise Invalid((), value, f"{forms} ({problem})")
        return value

    return check


def nullable(inner: Validator[T]) -> Validator[T | None]:
    """`null` (None) or whatever `inner` allows."""

    def check(value: object) -> T | None:
        if value is None:
            return None
        try:
            return inner(value)
        except Invalid as exc:
            if exc.path:
                raise
            raise Invalid((), value, f"null or {exc.allowed}", secret=exc.secret) from None

    return check


def all_of(first: Validator[Any], *then: Callable[[Any], T]) -> Validator[T]:
    """`first`, then each of `then` on what the one before returned (cross-checks of a
    table's keys, extra rules on a checked value)."""

    def check(value: object) -> T:
        result = first(value)
        for step in then:
            result = step(result)
        return result

    return check
