"""The owner's restore ramp (firmware/heat/restore.py) and its setting."""

from __future__ import annotations

import datetime

import pytest

from firmware.heat import HeatController, HeatSettings, SettingsLimits, apply_update
from firmware.heat.caps import Cap, CapStore
from firmware.heat.restore import RestoreRamp
from firmware.validation import Invalid

MAX_W = 400.0
LIMITS = SettingsLimits(MAX_W)


def test_no_ramp_while_the_event_holds_then_a_rising_ceiling_until_full() -> None:
    ramp = RestoreRamp()
    shed = Cap("demand", 0.0, None)
    assert ramp.update(10.0, [shed], MAX_W, 100.0) is None
    lifted = ramp.update(35.0, [], MAX_W, 100.0)
    assert lifted == Cap("restore", 100.0, 110.0)  # 4 W/s from where the shed held it
    assert ramp.update(60.0, [], MAX_W, 100.0) == Cap("restore", 200.0, 110.0)
    assert ramp.update(110.0, [], MAX_W, 100.0) is None  # full power: the ramp ends
    assert ramp.update(111.0, [], MAX_W, 100.0) is None


def test_a_partial_cap_ramps_from_its_level_and_the_owner_cap_does_not_start_a_ramp() -> None:
    ramp = RestoreRamp()
    ramp.update(0.0, [Cap("openadr", 200.0, 50.0), Cap("owner", 100.0, None)], MAX_W, 40.0)
    assert ramp.update(5.0, [Cap("owner", 100.0, None)], MAX_W, 40.0) == Cap(
        "restore", 250.0, 20.0
    )
    other = RestoreRamp()
    assert other.update(0.0, [Cap("owner", 100.0, None)], MAX_W, 40.0) is None
    assert other.update(5.0, [], MAX_W, 40.0) is None


def test_zero_means_no_ramp() -> None:
    ramp = RestoreRamp()
    ramp.update(0.0, [Cap("demand", 0.0, None)], MAX_W, 0.0)
    assert ramp.update(1.0, [], MAX_W, 0.0) is None


def test_the_restore_cap_limits_the_controller_and_yields_below_the_frost_floor() -> None:
    heat = HeatController(HeatSettings(target_c=21.0), 46.5, MAX_W)
    heat.post_cap("restore", Cap("restore", 120.0, 100.0))
    local = datetime.datetime(2026, 11, 23, 12, 0)
    decision = heat.tick(0.0, local, 15.0)
    assert decision.watts <= 120.0 and decision.limited_by is not None
    assert decision.limited_by.source == "restore"
    store = CapStore()
    store.set(Cap("restore", 0.0, None))
    assert store.effective(0.0, 5.0) is None  # frozen: the grid's caps yield


def test_the_setting_is_validated_and_kept() -> None:
    new = apply_update(HeatSettings(), {"restore_ramp_s": 600}, LIMITS)
    assert new.restore_ramp_s == 600.0 and new.to_dict()["restore_ramp_s"] == 600.0
    assert HeatSettings.from_dict(new.to_dict(), LIMITS) == new
    for bad in (-1, 3601, 1.5, "600", True, None):
        with pytest.raises(Invalid, match="restore_ramp_s"):
            apply_update(HeatSettings(), {"restore_ramp_s": bad}, LIMITS)
