"""The cap store: the most restrictive cap in force wins, caps end by themselves, the
grid's caps yield at the frost floor and the owner's do not (docs/heat.md)."""

from __future__ import annotations

import asyncio
import datetime
import math

import pytest

from firmware.daemon.commands import CapCommand
from firmware.heat import Cap, CapStore, HeatController, HeatSettings, apply_update
from firmware.heat.caps import FROST_C
from tests.firmware.daemon.test_control_loop import NOON, make_loop
from tests.firmware.heat.loop import MAX_W, MIN_W
from tests.firmware.heat.test_controller import LIMITS


def test_the_most_restrictive_cap_in_force_wins_and_expired_caps_go() -> None:
    caps = CapStore()
    caps.set(Cap("owner", 300.0, None))
    caps.set(Cap("demand", 200.0, 100.0))
    caps.set(Cap("openadr", 250.0, 50.0))
    assert caps.effective(10.0, 20.0) == Cap("demand", 200.0, 100.0)
    assert [c.source for c in caps.in_force(10.0, 20.0)] == ["demand", "openadr", "owner"]
    assert caps.effective(100.0, 20.0) == Cap("owner", 300.0, None)  # both ended
    assert caps.get("demand") is None
    caps.set(Cap("owner", 400.0, None))  # same source: replaced
    caps.clear("owner")
    caps.clear("owner")  # clearing what is not there is fine
    assert caps.effective(0.0, 20.0) is None


def test_of_equal_caps_the_one_that_lasts_longest_is_named() -> None:
    caps = CapStore()
    caps.set(Cap("demand", 0.0, 60.0))
    caps.set(Cap("openadr", 0.0, 600.0))
    assert caps.effective(0.0, 20.0).source == "openadr"


def test_below_the_frost_floor_only_the_owners_caps_hold() -> None:
    caps = CapStore()
    for source in ("demand", "openadr", "restore"):
        caps.set(Cap(source, 0.0, None))
    caps.set(Cap("quiet_hours", 120.0, 1000.0))
    assert caps.effective(0.0, FROST_C + 0.1).max_power_w == 0.0
    assert caps.effective(0.0, FROST_C - 0.1) == Cap("quiet_hours", 120.0, 1000.0)
    assert caps.effective(0.0, None).max_power_w == 0.0  # no reading: no floor to honour


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "neighbour", "max_power_w": 1.0, "until_s": None}, "source = 'neighbour'"),
        ({"source": "demand", "max_power_w": -1.0, "until_s": None}, "max_power_w = -1.0"),
        ({"source": "demand", "max_power_w": math.nan, "until_s": None}, "max_power_w = nan"),
        ({"source": "demand", "max_power_w": 1.0, "until_s": math.inf}, "until_s = inf"),
    ],
)
def test_a_bad_cap_is_refused_with_its_reason(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Cap(**kwargs)


def test_the_controller_names_the_cap_that_limits_it() -> None:
    owner = {
        "mode": "heat", "target_c": 21.0, "power_limit_w": 300.0,
        "quiet_hours": {"from": "22:00", "to": "07:00", "limit_w": 200.0},
    }  # fmt: skip
    heat = HeatController(apply_update(HeatSettings(), owner, LIMITS), MIN_W, MAX_W)
    night = heat.tick(0.0, datetime.datetime(2026, 11, 23, 23, 30), 18.0)
    assert night.limited_by == Cap("quiet_hours", 200.0, 7.5 * 3600.0)  # ends 07:00
    heat.post_cap("openadr", Cap("openadr", 150.0, 900.0))
    assert heat.tick(10.0, NOON, 18.0).limited_by == Cap("openadr", 150.0, 900.0)
    heat.post_cap("openadr", None)
    day = heat.tick(20.0, NOON, 18.0)
    assert day.limited_by == Cap("owner", 300.0, None) and day.limit_w == 300.0


def test_a_cap_command_shows_in_the_state_with_its_end_in_unix_seconds() -> None:
    async def scenario() -> None:
        loop, _ = make_loop(HeatSettings(mode="heat", target_c=23.0))
        await loop.first_decision(timeout_s=0.01)
        assert loop.snapshot.state["limited_by"] is None
        runner = asyncio.create_task(loop.run())
        try:
            end = NOON.timestamp() + 900.0
            cap = Cap("openadr", 0.0, loop.control_at(end))
            await loop.send(CapCommand("openadr", cap), timeout_s=5.0)
            assert loop.snapshot.state["limited_by"] == "openadr"
            assert loop.snapshot.state["limited_until"] == pytest.approx(end, abs=1.0)
            assert loop.demand_w == 0.0
            await loop.send(CapCommand("openadr", None), timeout_s=5.0)
            assert loop.snapshot.state["limited_by"] is None
            assert loop.snapshot.state["limited_until"] is None
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await loop.close()

    asyncio.run(scenario())


def test_a_cap_command_for_another_source_is_refused() -> None:
    with pytest.raises(ValueError, match="source 'demand' posts a 'openadr' cap"):
        CapCommand("demand", Cap("openadr", 0.0, None))
