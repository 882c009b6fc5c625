"""The monitor's model and table: heater messages in, rows out; bad input never raises."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from host.monitor.fleet import STALE_AFTER_S, Fleet, HeaterState, parse_state
from host.monitor.table import render

GOOD = {
    "mode": "heat",
    "preset": "comfort",
    "action": "heating",
    "target_c": 21.5,
    "room_c": 19.25,
    "power_w": 1180.4,
    "hashrate_ghs": 4520.0,
    "shares_accepted": 57,
    "shares_rejected": 2,
    "pool": "connected",
    "alarms": ["fan_slow"],
    "firmware": "1.2.0",
}

states = st.fixed_dictionaries(
    {},
    optional={
        "mode": st.sampled_from(["off", "heat", "auto"]),
        "action": st.sampled_from(["heating", "idle", "off", "fault"]),
        "room_c": st.floats(-40, 60, allow_nan=False),
        "target_c": st.floats(5, 30, allow_nan=False),
        "power_w": st.floats(0, 5000, allow_nan=False),
        "hashrate_ghs": st.floats(0, 1e6, allow_nan=False),
        "shares_accepted": st.integers(0, 10**9),
        "shares_rejected": st.integers(0, 10**9),
        "pool": st.sampled_from(["connected", "failover", "offline"]),
        "alarms": st.lists(st.text(min_size=1, max_size=12), max_size=4),
    },
)


@given(states)
def test_every_field_of_a_state_object_is_read_back(state: dict[str, object]) -> None:
    parsed = parse_state(json.dumps(state).encode())
    assert isinstance(parsed, HeaterState)
    for key, value in state.items():
        got = getattr(parsed, key)
        assert (tuple(value) if isinstance(value, list) else value) == got


@given(st.binary(max_size=200))
def test_any_payload_is_a_state_or_a_reason(payload: bytes) -> None:
    parsed = parse_state(payload)
    assert isinstance(parsed, HeaterState | str)


@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_odd_json_never_breaks_the_table(value: object) -> None:
    fleet = Fleet()
    fleet.apply("hearth/odd/state", json.dumps(value).encode(), now=0.0)
    fleet.apply("hearth/odd/availability", b"online", now=0.0)
    lines = render(fleet.sorted(), now=1.0)
    assert lines[1].startswith("odd")


def test_a_good_state_makes_a_full_row() -> None:
    fleet = Fleet()
    fleet.apply("hearth/den/availability", b"online", now=0.0)
    fleet.apply("hearth/den/state", json.dumps(GOOD).encode(), now=0.0)
    header, row, summary = render(fleet.sorted(), now=1.0)
    assert header.split()[0] == "HEATER"
    assert row.split() == [
        "den", "online", "19.2/21.5", "heat/heating", "1180", "4.52", "TH/s", "57/2",
        "connected", "fan_slow",
    ]  # fmt: skip
    assert summary == "1 heater(s), 1 online"


def test_a_bad_state_replaces_the_row_until_a_good_one_comes() -> None:
    fleet = Fleet()
    fleet.apply("hearth/den/state", json.dumps(GOOD).encode(), now=0.0)
    fleet.apply("hearth/den/state", b"{not json", now=1.0)
    assert "bad state: not JSON" in render(fleet.sorted(), now=1.0)[1]
    fleet.apply("hearth/den/state", b"[1, 2]", now=2.0)
    assert "bad state: JSON list, not an object" in render(fleet.sorted(), now=2.0)[1]
    fleet.apply("hearth/den/state", json.dumps(GOOD).encode(), now=3.0)
    assert "heat/heating" in render(fleet.sorted(), now=3.0)[1]


def test_wrong_field_types_show_as_unknown() -> None:
    state = dict(GOOD, room_c="warm", shares_accepted=-3, power_w=True, alarms="fan")
    fleet = Fleet()
    fleet.apply("hearth/den/state", json.dumps(state).encode(), now=0.0)
    row = render(fleet.sorted(), now=0.0)[1].split()
    assert row[2] == "-/21.5" and row[4] == "-" and row[7] == "-/2" and row[-1] == "none"


def test_a_heater_gone_quiet_is_stale_and_a_cleared_one_is_forgotten() -> None:
    fleet = Fleet()
    fleet.apply("hearth/den/availability", b"online", now=0.0)
    fleet.apply("hearth/den/state", json.dumps(GOOD).encode(), now=0.0)
    assert render(fleet.sorted(), now=STALE_AFTER_S + 1)[1].split()[1] == "stale"
    fleet.apply("hearth/den/state", b"", now=40.0)
    fleet.apply("hearth/den/availability", b"", now=40.0)
    assert fleet.sorted() == []


def test_other_topics_are_ignored() -> None:
    fleet = Fleet(prefix="site/a")
    for topic in ("hearth/den/state", "site/a/den/set", "site/a/state", "site/a//state"):
        fleet.apply(topic, json.dumps(GOOD).encode(), now=0.0)
    assert fleet.sorted() == []
    fleet.apply("site/a/den/state", json.dumps(GOOD).encode(), now=0.0)
    assert [heater.device_id for heater in fleet.sorted()] == ["den"]
