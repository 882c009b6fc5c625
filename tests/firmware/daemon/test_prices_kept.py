"""An accepted MQTT `prices` table through the daemon's service: in force in the control
loop's snapshot (`prices` in the state), kept in the real store, resumed after a restart;
a damaged kept table is skipped like any damaged section."""

from __future__ import annotations

import asyncio
import datetime
import json

from firmware.board import load_board
from firmware.daemon.control import ControlLoop
from firmware.daemon.energy import EnergyMeter
from firmware.daemon.owner import OwnerData
from firmware.daemon.persistence import STORE_RECOVERED, Persistence
from firmware.daemon.service import HeaterService
from firmware.daemon.snapshot import Identity
from firmware.daemon.supervisor_side import SupervisorSide
from firmware.grid.formats import parse_prices
from firmware.heat import HeatController, HeatSettings, PowerPlanner, SettingsLimits
from firmware.store import Store

BOARD = load_board("hearth-400")
NOON = datetime.datetime(2026, 11, 23, 12, 0)


def message(prices: list[float]) -> bytes:
    midnight = NOON.replace(hour=0).astimezone()
    return json.dumps(
        {
            "currency": "DKK",
            "unit": "MWh",
            "interval_s": 900,
            "prices": [
                {"start": (midnight + datetime.timedelta(minutes=15 * i)).isoformat(), "price": p}
                for i, p in enumerate(prices)
            ],
        }
    ).encode()


def parts(tmp_path) -> tuple[ControlLoop, HeatController, Persistence]:
    planner = PowerPlanner(BOARD, whole_chain=True)
    heat = HeatController(HeatSettings(comfort_band_c=1.0), planner.min_w, planner.max_w)
    alarms: set[str] = set()
    loop = ControlLoop(
        identity=Identity(BOARD, "test", "00:00:00:00:00:00"),
        heat=heat,
        planner=planner,
        supervisor=SupervisorSide("", BOARD),
        energy=EnergyMeter(),
        owner=OwnerData("heater", []),
        alarms=alarms,
        local_time=lambda: NOON,
    )
    persistence = Persistence(
        Store(tmp_path),
        heat=heat,
        limits=SettingsLimits(planner.max_w),
        energy=EnergyMeter(),
        owner=loop.owner,
        alarms=alarms,
    )
    return loop, heat, persistence


def test_a_table_is_in_force_kept_and_resumed(tmp_path) -> None:
    table = parse_prices(message([400.0 + i for i in range(96)]))  # 0.4 DKK/kWh and up
    assert table is not None

    async def scenario() -> None:
        loop, _, persistence = parts(tmp_path)
        service = HeaterService(loop, persistence, loop.owner, persistence.limits)
        runner = asyncio.create_task(loop.run())
        try:
            await service.on_prices(table)
            summary = loop.snapshot.state["prices"]
            assert summary == {
                "currency": "DKK",
                "price": 0.448,  # 12:00 is the 48th quarter hour
                "rank": summary["rank"],
                "shift": None,  # no room sensor here: no decision shifted
                "until": NOON.replace(hour=0).timestamp() + 86400.0,
            }
            await persistence.save()
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await loop.close()

    asyncio.run(scenario())
    _, heat, persistence = parts(tmp_path)
    persistence.restore()
    assert heat.prices == table.schedule()
    assert persistence.prices == table
    assert STORE_RECOVERED not in persistence.alarms


def test_a_damaged_kept_table_is_skipped(tmp_path) -> None:
    _, _, persistence = parts(tmp_path)
    table = parse_prices(message([50.0] * 8))
    assert table is not None
    sections = persistence.sections()
    sections["prices"] = table.to_dict()
    del sections["prices"]["prices"][3]  # a gap
    persistence.store.save(sections)
    _, heat, restored = parts(tmp_path)
    restored.restore()
    assert heat.prices is None and restored.prices is None
    assert STORE_RECOVERED in restored.alarms
