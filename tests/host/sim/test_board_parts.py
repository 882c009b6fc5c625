"""`hearth sim --board bitaxe-gamma` with its simulated parts: hearthd (a subprocess)
reaches the simulated TPS546D24A over the `socket://` I2C bus, sets Vcore through it
before hashing, reports what it measures, stops the chain on a regulator fault, comes
back when it clears, and shows no reading from a regulator that stopped answering.
Verdicts are read from the simulators' own state and hearthd's HTTP API."""

from __future__ import annotations

import asyncio
import pathlib
import sys

import pytest

from tests.conftest import require
from tests.support.parts_heater import parts_heater

START_TIMEOUT_S = 90.0
REACT_TIMEOUT_S = 20.0  # generous on a loaded machine; bench_power times the reaction


def micropython_available() -> bool:
    return pathlib.Path(sys.executable).with_name("micropython").exists()


def hashing(info: dict) -> bool:
    return info["hashRate"] > 0 and info["coreVoltageActual"] is not None


@pytest.mark.slow
def test_measured_rail_in_system_info_and_a_regulator_fault_stops_the_chain(
    tmp_path, monkeypatch
):
    require(micropython_available(), "the micropython unix port is not installed")
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    monkeypatch.chdir(state_dir)

    async def scenario():
        async with parts_heater(state_dir) as sim:
            heater = sim.heater
            assert heater.parts is not None and heater.chain is not None
            regulator = heater.parts.part("vcore")
            info = await sim.wait_for(sim.info, hashing, START_TIMEOUT_S, "hashing")
            # The chips hash on the voltage the simulated regulator really outputs,
            # which hearthd set through PMBus (VOUT_COMMAND, OPERATION on).
            assert regulator.converting()
            assert heater.chain.hashing_chips == 1
            set_mv = info["coreVoltage"]
            assert info["coreVoltageActual"] == pytest.approx(set_mv, rel=0.03)
            assert heater.parts.vcore_mv() == pytest.approx(set_mv, rel=0.03)
            assert info["current"] > 0 and info["vrTemp"] is not None
            assert info["voltage"] == pytest.approx(5000, rel=0.05)  # the 5 V supply
            assert info["powerMeasured"] == 1
            state = await sim.state()
            assert state["power_measured"] is True and state["vout_mv"] is not None

            # An over-temperature warning keeps the part converting: cutting Vcore and
            # stopping work is hearthd's job.
            regulator.inject("temperature", 0x40)
            await sim.wait_for(
                lambda: heater.chain.hashing_chips,
                lambda n: n == 0,
                REACT_TIMEOUT_S,
                "the chain stopped hashing",
            )
            assert not regulator.converting()  # hearthd turned the output off
            state = await sim.wait_for(
                sim.state,
                lambda s: any("vr_overtemp" in a for a in s["alarms"]),
                REACT_TIMEOUT_S,
                "the vr_overtemp alarm",
            )
            assert state["hashrate_ghs"] == 0 or state["action"] != "heating"

            # The cause goes (CLEAR_FAULTS, as after a cool-down): hearthd brings it back.
            heater.parts.bus.write_byte(regulator.address, 0x03)
            await sim.wait_for(
                lambda: heater.chain.hashing_chips, lambda n: n == 1, START_TIMEOUT_S, "back"
            )
            # A regulator that stops answering: its alarm, and no reading passed off as
            # current (the last one is not the board's power now).
            regulator.stop_answering()
            state = await sim.wait_for(
                sim.state,
                lambda s: any("vr_not_answering" in a for a in s["alarms"]),
                REACT_TIMEOUT_S,
                "the vr_not_answering alarm",
            )
            state = await sim.wait_for(
                sim.state, lambda s: not s["power_measured"], REACT_TIMEOUT_S, "no reading"
            )
            assert state["vout_mv"] is None and state["iout_a"] is None
            info = await sim.info()
            assert info["coreVoltageActual"] is None and info["powerMeasured"] == 0

    asyncio.run(scenario())
