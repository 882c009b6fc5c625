"""Hearth state → the Thermostat's characteristics, and HomeKit writes → one settings
patch, refused outside what the heater takes (never clamped)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.heat import HeatSettings, SettingsLimits, apply_update
from firmware.homekit.mapping import (
    CURRENT_TEMPERATURE,
    DISPLAY_UNITS,
    PROPERTIES,
    TARGET_STATE,
    TARGET_TEMPERATURE,
    ThermostatView,
    settings_patch,
    view_of,
)
from firmware.validation import TARGET_MAX_C, TARGET_MIN_C, Invalid


def test_the_state_shows_as_a_thermostat():
    state = {"mode": "auto", "action": "heating", "target_c": 21.5, "room_c": 19.25}
    assert view_of(state) == ThermostatView(19.25, 21.5, 1, 3)
    assert view_of({**state, "mode": "off", "action": "off"}).target_state == 0
    assert view_of({**state, "mode": "heat", "action": "idle"}).current_state == 0
    assert view_of({**state, "action": "fault"}).current_state == 0


def test_no_room_reading_leaves_the_current_temperature_alone():
    view = view_of({"mode": "heat", "action": "idle", "target_c": 20.0, "room_c": None})
    assert view.current_c is None and CURRENT_TEMPERATURE not in view.values()


def test_the_home_app_is_offered_the_heaters_range_and_modes_only():
    target = PROPERTIES[TARGET_TEMPERATURE]
    assert (target["minValue"], target["maxValue"]) == (TARGET_MIN_C, TARGET_MAX_C)
    assert PROPERTIES[TARGET_STATE]["ValidValues"] == {"Off": 0, "Heat": 1, "Auto": 3}


@given(st.floats(TARGET_MIN_C, TARGET_MAX_C), st.sampled_from([0, 1, 3]))
def test_a_write_is_a_patch_the_settings_take(target, state):
    patch = settings_patch({TARGET_TEMPERATURE: target, TARGET_STATE: state})
    assert patch["mode"] == {0: "off", 1: "heat", 3: "auto"}[state]
    settings = apply_update(HeatSettings(), patch, SettingsLimits(max_power_w=400.0))
    assert settings.target_c == pytest.approx(target, abs=0.05)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ({TARGET_TEMPERATURE: 35.0}, TARGET_TEMPERATURE),
        ({TARGET_TEMPERATURE: 4.9}, TARGET_TEMPERATURE),
        ({TARGET_TEMPERATURE: float("nan")}, TARGET_TEMPERATURE),
        ({TARGET_TEMPERATURE: "22"}, TARGET_TEMPERATURE),
        ({TARGET_STATE: 2}, TARGET_STATE),  # Cool: a heater does not cool
        ({TARGET_TEMPERATURE: 22.0, TARGET_STATE: True}, TARGET_STATE),
    ],
)
def test_values_the_heater_does_not_take_are_refused_whole(written, key):
    with pytest.raises(Invalid) as refused:
        settings_patch(written)
    assert refused.value.key == key


def test_a_home_app_in_fahrenheit_lands_on_the_heaters_grid():
    assert settings_patch({TARGET_TEMPERATURE: 22.2222}) == {"target_c": 22.2}


def test_the_display_unit_is_the_home_apps_own():
    assert settings_patch({DISPLAY_UNITS: 1}) == {}
