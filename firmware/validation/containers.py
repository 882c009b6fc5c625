"""Validators of tables (TOML tables, JSON objects) and lists, built from other validators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from firmware.validation.error import Invalid
from firmware.validation.scalars import T, Validator


def table(
    required: Mapping[str, Validator[Any]] | None = None,
    optional: Mapping[str, Validator[Any]] | None = None,
    *,
    defaults: Mapping[str, object] | None = None,
    allowed: str = "a table",
) -> Validator[dict[str, Any]]:
    """A table whose keys are `required` and `optional` (name → validator).

    Returns a new dict of the checked values, in the order the keys are declared; an
    optional key left out takes its entry in `defaults` (checked like a given value) or
    is absent. An unknown key is refused naming the known ones; a missing required key
    is refused as missing. Errors from a key's validator get the key put in front.
    """
    needed = dict(required or {})
    maybe = dict(optional or {})
    fields = {**needed, **maybe}
    fallback = dict(defaults or {})
    known = ", ".join(fields) or "none"

    def check(value: object) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise Invalid((), value, allowed)
        for key in value:
            if not isinstance(key, str) or key not in fields:
                shown_key = key if isinstance(key, str) else repr(key)
                raise Invalid(shown_key, value[key], f"no such key (unknown); known keys: {known}")
        out: dict[str, Any] = {}
        for key, validate in fields.items():
            if key in value:
                given = value[key]
            elif key in fallback:
                given = fallback[key]
            elif key in needed:
                raise Invalid(key, None, "a value (missing)")
            else:
                continue
            try:
                out[key] = validate(given)
            except Invalid as exc:
                raise exc.at(key) from None
        return out

    return check


def list_of(
    item: Validator[T],
    *,
    min_len: int = 0,
    max_len: int | None = None,
    allowed: str | None = None,
) -> Validator[list[T]]:
    """A list (or tuple) of `min_len..max_len` items, each checked by `item`; an item's
    error gets its index put in front (`cheap_hours[2]`)."""
    if allowed is None:
        allowed = "a list"
        if max_len is not None:
            allowed += f" of {min_len} to {max_len} items"
        elif min_len:
            allowed += f" of at least {min_len} items"

    def check(value: object) -> list[T]:
        if not isinstance(value, list | tuple):
            raise Invalid((), value, allowed)
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            raise Invalid((), value, allowed)
        out: list[T] = []
        for index, entry in enumerate(value):
            try:
                out.append(item(entry))
            except Invalid as exc:
                raise exc.at(index) from None
        return out

    return check
