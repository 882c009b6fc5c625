"""Settings: a patch applies fully or not at all, errors name key, value and what is
allowed, and the JSON forms (settings, schedule) round-trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.heat import HeatSettings, SettingsLimits, WeeklySchedule, apply_update
from firmware.heat.settings import SETTABLE
from firmware.validation import Invalid

LIMITS = SettingsLimits(max_power_w=502.0)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
target = st.integers(50, 300).map(lambda t: t / 10)
day_entries = st.lists(
    st.fixed_dictionaries({"at": clock, "target_c": target}),
    max_size=6,
    unique_by=lambda e: e["at"],
)
schedule_json = st.dictionaries(st.sampled_from(DAYS), day_entries, max_size=7)

good_values = {
    "mode": st.sampled_from(["off", "heat", "auto"]),
    "preset": st.sampled_from(["comfort", "eco", "boost", "away", "none"]),
    "target_c": target,
    "power_limit_w": st.integers(0, 502).map(float),
    "schedule": schedule_json,
    "quiet_hours": st.none()
    | st.fixed_dictionaries(
        {"from": st.just("22:00"), "to": st.just("07:00"), "limit_w": st.integers(0, 502)}
    ),
    "window_detection": st.booleans(),
    "cheap_hours": st.lists(
        st.sampled_from(["00:00-07:00", "13:00-16:00", "22:30-06:30"]), max_size=3
    ),
    "comfort_band_c": st.integers(0, 20).map(lambda t: t / 10),
}
anything = (
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)
patch_strategy = st.dictionaries(
    st.sampled_from([*SETTABLE, "fan", "TARGET_C"]),
    anything,
    min_size=1,
    max_size=4,
) | st.fixed_dictionaries({}, optional=good_values).filter(bool)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=good_values), patch_strategy)
def test_a_patch_applies_fully_or_changes_nothing(base_patch: dict, patch: dict) -> None:
    current = apply_update(HeatSettings(), base_patch, LIMITS) if base_patch else HeatSettings()
    before = current.to_dict()
    try:
        updated = apply_update(current, patch, LIMITS)
    except ValueError as exc:
        assert current.to_dict() == before  # immutable, and nothing half-applied
        message = str(exc)
        assert "allowed" in message
        return
    # applied: every key in the patch has its new value
    out = updated.to_dict()
    for key, value in patch.items():
        if key == "schedule":
            assert out[key] == WeeklySchedule.from_dict(value).to_dict()
        elif key == "quiet_hours" and value is not None:
            quiet = updated.quiet_hours
            assert quiet is not None and quiet.limit_w == float(value["limit_w"])
        elif isinstance(value, float):  # a stepped number is snapped onto its grid
            assert out[key] == pytest.approx(value, abs=1e-6)
        else:
            assert out[key] == value
    if "target_c" in patch and "preset" not in patch:
        assert updated.preset == "none"
    for key in set(SETTABLE) - set(patch) - {"preset"}:
        assert out[key] == before[key]


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({}, optional=good_values))
def test_settings_round_trip_through_json(patch: dict) -> None:
    current = apply_update(HeatSettings(), patch, LIMITS) if patch else HeatSettings()
    text = json.dumps(current.to_dict())
    assert HeatSettings.from_dict(json.loads(text), LIMITS) == current


@given(schedule_json)
def test_schedule_round_trips(data: dict) -> None:
    schedule = WeeklySchedule.from_dict(data)
    assert WeeklySchedule.from_dict(schedule.to_dict()) == schedule
    assert sum(len(v) for v in data.values()) == len(schedule.entries)


@pytest.mark.parametrize(
    ("patch", "key", "allowed"),
    [
        ({"target_c": 31}, "target_c", "5.0..30.0"),
        ({"target_c": 20.05}, "target_c", "0.1"),
        ({"target_c": "20"}, "target_c", "a number"),
        ({"target_c": True}, "target_c", "a number"),
        ({"mode": "cool"}, "mode", "off | heat | auto"),
        ({"preset": "party"}, "preset", "comfort"),
        ({"fan": 1}, "fan", "known keys: mode, preset"),
        ({"power_limit_w": 900}, "power_limit_w", "up to 502 W"),
        ({"power_limit_w": -1}, "power_limit_w", "up to 502 W"),
        ({"schedule": {"mon": [{"at": "24:00", "target_c": 20.0}]}}, "schedule.mon[0].at", "HH:MM"),
        ({"schedule": {"funday": []}}, "schedule.funday", "days"),
        (
            {
                "schedule": {
                    "mon": [{"at": "06:00", "target_c": 20.0}, {"at": "06:00", "target_c": 21.0}]
                }
            },
            "schedule.mon",
            "at most once",
        ),
        ({"schedule": {"mon": [{"at": "06:00"}]}}, "schedule.mon[0]", "exactly"),
        ({"schedule": "daily"}, "schedule", "an object"),
        (
            {"quiet_hours": {"from": "22:00", "to": "22:00", "limit_w": 100}},
            "quiet_hours.to",
            "other",
        ),
        ({"window_detection": "yes"}, "window_detection", "true | false"),
        ({"cheap_hours": ["00:00"]}, "cheap_hours[0]", "HH:MM-HH:MM"),
        ({"comfort_band_c": 3.0}, "comfort_band_c", "0.0..2.0"),
        ({}, "update", "at least one"),
    ],
)
def test_errors_name_key_value_and_allowed(patch: dict, key: str, allowed: str) -> None:
    with pytest.raises(ValueError) as info:
        apply_update(HeatSettings(), patch, LIMITS)
    message = str(info.value)
    assert message.startswith(key)
    assert allowed in message


def test_one_bad_key_stops_the_good_ones() -> None:
    current = HeatSettings()
    with pytest.raises(ValueError, match="mode"):
        apply_update(current, {"target_c": 22.0, "mode": "turbo"}, LIMITS)
    assert current.target_c == 20.0


def test_dial_leaves_preset_but_preset_with_target_keeps_both() -> None:
    eco = apply_update(HeatSettings(), {"preset": "eco"}, LIMITS)
    assert apply_update(eco, {"target_c": 19.5}, LIMITS).preset == "none"
    both = apply_update(eco, {"target_c": 19.5, "preset": "comfort"}, LIMITS)
    assert (both.preset, both.target_c) == ("comfort", 19.5)


def test_flat_list_schedule_is_accepted() -> None:
    schedule = WeeklySchedule.from_dict(
        [
            {"day": "*", "at": "07:00", "target_c": 21.0},
            {"day": "sat", "at": "09:00", "target_c": 22.0},
        ]
    )
    assert len(schedule.entries) == 8
    assert schedule.to_dict()["sat"] == [
        {"at": "07:00", "target_c": 21.0},
        {"at": "09:00", "target_c": 22.0},
    ]


def test_schedule_lookup_wraps_the_week() -> None:
    schedule = WeeklySchedule.from_dict(
        {"mon": [{"at": "06:30", "target_c": 21.0}], "fri": [{"at": "22:00", "target_c": 17.0}]}
    )
    assert schedule.target_at(0, 6 * 60) == 17.0  # Monday before 06:30: last Friday's
    assert schedule.target_at(0, 7 * 60) == 21.0
    assert schedule.target_at(4, 23 * 60) == 17.0
    nxt = schedule.next_change(4, 23 * 60)
    assert nxt is not None and (nxt.day, nxt.minute) == (0, 390)
    assert WeeklySchedule().target_at(3, 100) is None


def test_stored_settings_from_an_older_store_take_defaults() -> None:
    restored = HeatSettings.from_dict({"mode": "auto"}, LIMITS)
    assert restored.mode == "auto" and restored.window_detection is True
    with pytest.raises(ValueError, match="colour"):
        HeatSettings.from_dict({"colour": "red"}, LIMITS)


HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**5000), max_value=10**5000),
    st.sampled_from([1e400, -1e400, float("nan"), "\ud800", "x" * 100_000]),
    st.builds(lambda n: [[[[[{"at": "06:00"}]]]]] * n, st.integers(0, 3)),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=6),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
        max_leaves=30,
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from([*SETTABLE, "fan"]), HOSTILE_VALUES, min_size=1))
def test_hostile_patches_apply_or_are_refused_naming_the_key(patch: dict) -> None:
    current = HeatSettings()
    try:
        apply_update(current, patch, LIMITS)
    except Invalid as exc:
        message = str(exc)
        assert exc.key.split(".")[0].split("[")[0] in patch and "allowed:" in message
        assert len(message) < 2000
    assert current == HeatSettings()
