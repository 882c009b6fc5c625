"""The chain simulator on a simulated board's core rail: the real ASIC backend sets Vcore
through the TPS546 driver; the chips draw their power at the voltage the simulated
regulator really outputs, turn unstable below the profile's table voltage and do not
hash at all without Vcore."""

import pytest

from firmware.parts.assembly import assemble
from hw.sim.parts import SimBoard
from tests.firmware.asic.chain_harness import (
    make_job,
    quick_profile,
    run_against_sim,
    start_hashing,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


def test_vcore_from_the_simulated_regulator():
    profile = quick_profile("bitaxe-gamma")
    boards = []

    def rail(sim):
        board = SimBoard(profile)
        board.attach(sim)
        boards.append(board)
        return assemble(profile.parts, {"main": board.bus}).rail

    async def scenario(sim, backend, found):
        board = boards[0]
        assert sim.voltage_mv == 0  # nothing set yet: the regulator is off
        await start_hashing(backend)
        await backend.submit_job(make_job())
        assert sim.voltage_mv == pytest.approx(profile.default_voltage_mv, abs=3)
        await wait_for(lambda: len(found) >= 3)
        assert sum(chip.errors for chip in sim.chips) == 0
        modelled = profile.power.chip_w(sim.frequency_mhz, sim.voltage_mv)
        assert sim.power_w == pytest.approx(profile.power.overhead_w + modelled)

        # too little voltage for the clock (the table wants 1000 mV): wrong nonces
        regulator = board.regulator
        with regulator.lock:
            regulator.values["command"] = 0.95
            regulator.step()
        await wait_for(lambda: sim.voltage_mv <= 951)
        await wait_for(lambda: sum(chip.errors for chip in sim.chips) >= 3)

        # Vcore off: no chip hashes
        with regulator.lock:
            regulator.operation = 0x00
            regulator.step()
        await wait_for(lambda: sim.hashing_chips == 0)
        assert sim.power_w == profile.power.idle_w

    run_against_sim(profile, scenario, rail=rail)
