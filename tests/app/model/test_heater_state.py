import contextlib
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.heater_state import HeaterState, StatePayloadError, decode_state
from tests.app.contract_heater import contract_state


def encode(**overrides: object) -> bytes:
    return json.dumps(contract_state(**overrides)).encode()


def test_contract_state_decodes_every_field() -> None:
    state = decode_state(encode(alarms=["fan_stall"]))
    assert state.mode == "heat" and state.preset == "comfort" and state.action == "heating"
    assert state.target_c == 21.5 and state.room_c == 19.8 and state.power_w == 812.0
    assert state.hashrate_ghs == 2150.0 and state.energy_kwh == 42.37
    assert state.pool == "connected" and state.shares_accepted == 1234
    assert state.alarms == ("fan_stall",) and state.firmware == "0.1.0"
    assert state.problems == () and state.unknown_keys == ()


def test_unknown_keys_are_kept_aside_not_fatal() -> None:
    state = decode_state(encode(new_sensor=3, humidity_pct=40))
    assert state.unknown_keys == ("humidity_pct", "new_sensor")
    assert state.room_c == 19.8


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("room_c", "19.8"),
        ("room_c", True),
        ("power_w", [1]),
        ("target_c", {"v": 1}),
        ("mode", "turbo"),
        ("action", 3),
        ("pool", "maybe"),
        ("firmware", 12),
    ],
)
def test_wrong_types_blank_that_field_and_are_reported(key: str, value: object) -> None:
    state = decode_state(encode(**{key: value}))
    assert getattr(state, key) is None
    assert any(problem.startswith(key) for problem in state.problems)
    assert state.energy_kwh == 42.37  # the rest still shows


def test_nan_and_null_readings_are_absent() -> None:
    state = decode_state(b'{"room_c": NaN, "power_w": null, "target_c": Infinity}')
    assert state.room_c is None and state.power_w is None and state.target_c is None
    assert len(state.problems) == 2  # NaN and Infinity are reported, null is just absent


def test_missing_keys_are_none() -> None:
    state = decode_state(b"{}")
    assert state == HeaterState()


@pytest.mark.parametrize("payload", [b"not json", b"[1,2]", b'"text"', b"42", b"\xff\xfe", b""])
def test_payloads_that_are_not_objects_are_refused(payload: bytes) -> None:
    with pytest.raises(StatePayloadError):
        decode_state(payload)


def test_alarms_that_are_not_a_list_are_reported() -> None:
    state = decode_state(encode(alarms="overtemp"))
    assert state.alarms == () and any("alarms" in p for p in state.problems)
    mixed = decode_state(encode(alarms=["overtemp", 3, None]))
    assert mixed.alarms == ("overtemp",) and any("alarms" in p for p in mixed.problems)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.sampled_from([*contract_state(), "x", "backend"]), json_values))
def test_any_json_object_decodes_without_raising(data: dict[str, object]) -> None:
    state = decode_state(json.dumps(data).encode())
    for name in ("room_c", "target_c", "power_w", "energy_kwh"):
        value = getattr(state, name)
        assert value is None or (isinstance(value, float) and math.isfinite(value))
    assert state.mode in (None, "off", "heat", "auto")


@given(st.binary(max_size=64))
def test_arbitrary_bytes_decode_or_raise_the_payload_error(payload: bytes) -> None:
    with contextlib.suppress(StatePayloadError):
        decode_state(payload)
