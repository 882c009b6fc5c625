"""`set` decoding and `result` encoding: every payload gets a clear verdict."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.bridge.commands import (
    MAX_ECHO_CHARS,
    MAX_ERROR_CHARS,
    CommandError,
    decode_result,
    decode_set,
    encode_result,
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**18) + 1, 10**18 - 1)  # longer integers are refused (below)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.binary(max_size=300))
def test_any_bytes_decode_to_a_command_or_a_command_error(payload: bytes) -> None:
    try:
        command = decode_set(payload)
    except CommandError as exc:
        assert str(exc)
        json.dumps(exc.request)  # the echo is always publishable
        if isinstance(exc.request, str):
            assert len(exc.request) <= MAX_ECHO_CHARS
    else:
        assert isinstance(command.settings, dict)


@given(st.dictionaries(st.text().filter(lambda k: k != "id"), json_values, max_size=6))
def test_objects_without_id_are_settings_echoed_whole(settings: dict[str, object]) -> None:
    command = decode_set(json.dumps(settings).encode())
    assert command.settings == settings
    assert command.request == settings


@given(
    st.text() | st.integers(-(10**18) + 1, 10**18 - 1),
    st.dictionaries(st.text(), json_values, max_size=4),
)
def test_id_is_a_correlation_id_not_a_setting(
    correlation: str | int, settings: dict[str, object]
) -> None:
    settings.pop("id", None)
    command = decode_set(json.dumps({**settings, "id": correlation}).encode())
    assert command.request == correlation
    assert command.settings == settings


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{", "not JSON"),
        (b"\xc3\x28", "not UTF-8"),
        (b"[]", "got an array"),
        (b"3", "got a number"),
        (b"null", "got null"),
        (b'"x"', "got a string"),
        (b"true", "got a boolean"),
        (b'{"id": 1.5}', '"id" must be'),
        (b'{"id": true}', '"id" must be'),
        (b"[" * 100000, "too large"),
        (b"[" * 1000, "nested deeper"),
        (b'{"target_c": 1e400}', "out of range"),
        (b'{"target_c": ' + b"9" * 4000 + b"}", "out of range"),
        (b'{"target_c": NaN}', "NaN is not a JSON number"),
        (b'{"target_c": -Infinity}', "Infinity is not a JSON number"),
    ],
)
def test_non_commands_are_named(payload: bytes, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        decode_set(payload)


@given(st.booleans(), st.none() | st.text(), json_values)
def test_result_round_trip(ok: bool, error: str | None, request: object) -> None:
    """Short echoes come back as sent; long ones as a cut string, never large."""
    encoded = encode_result(ok=ok, error=error, request=request)
    decoded = decode_result(encoded)
    assert decoded["ok"] == ok
    if error is None or len(error) <= MAX_ERROR_CHARS:
        assert decoded["error"] == error
    if len(json.dumps(request, separators=(",", ":"))) <= MAX_ECHO_CHARS:
        assert decoded["request"] == request
    else:
        assert isinstance(decoded["request"], str)
        assert len(decoded["request"]) <= MAX_ECHO_CHARS + 20


@pytest.mark.parametrize(
    "payload", [b"[]", b'{"ok": 1, "error": null, "request": 1}', b'{"ok": true}']
)
def test_decode_result_rejects_other_shapes(payload: bytes) -> None:
    with pytest.raises(ValueError):
        decode_result(payload)
