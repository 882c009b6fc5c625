"""The one demand-response signal and its MQTT parser (docs/mqtt.md, docs/heat.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.heat.demand import (
    MAX_SHED_S,
    NORMAL,
    SHED,
    DemandSignal,
    encode_demand,
    parse_demand,
)

signals = st.builds(
    DemandSignal,
    max_power_w=st.floats(min_value=0, max_value=1e5),
    duration_s=st.none() | st.floats(min_value=0.001, max_value=MAX_SHED_S),
) | st.just(NORMAL)


@given(signals)
def test_round_trip(signal: DemandSignal) -> None:
    assert parse_demand(encode_demand(signal)) == signal


@given(st.binary(max_size=200))
def test_any_bytes_give_a_signal_or_a_value_error(payload: bytes) -> None:
    try:
        signal = parse_demand(payload)
    except ValueError as exc:
        assert str(exc).startswith("demand:")
    else:
        assert signal.max_power_w is None or signal.max_power_w >= 0


@pytest.mark.parametrize(
    ("payload", "signal"),
    [
        (b"shed", SHED),
        (b'"shed"', SHED),
        (b" normal\n", NORMAL),
        (b'{"max_power_w": null}', NORMAL),
        (b'{"max_power_w": 250, "duration_s": 60}', DemandSignal(250.0, 60.0)),
    ],
)
def test_documented_forms(payload: bytes, signal: DemandSignal) -> None:
    assert parse_demand(payload) == signal


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b'{"max_power_w": -1}', ">= 0"),
        (b'{"max_power_w": "low"}', "number of watts"),
        (b'{"max_power_w": true}', "number of watts"),
        (b'{"max_power_w": 100, "duration_s": 0}', "duration_s"),
        (b'{"max_power_w": 100, "duration_s": 1e9}', "duration_s"),
        (b'{"max_power_w": 100, "duration_s": 14401}', "seconds <= 14400"),
        (b'{"duration_s": 60}', "needs a max_power_w"),
        (b'{"max_power_w": 1, "level": 2}', "unknown key"),
        (b"[1]", "JSON object"),
        (b"panic", "usable JSON"),
    ],
)
def test_bad_signals_are_named(payload: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_demand(payload)


def test_a_cap_without_duration_holds_at_most_four_hours() -> None:
    assert SHED.hold_s == MAX_SHED_S == 4 * 3600.0
    assert DemandSignal(100.0, 60.0).hold_s == 60.0
    with pytest.raises(ValueError, match="duration_s"):
        DemandSignal(0.0, MAX_SHED_S + 1)  # refused, never shortened
