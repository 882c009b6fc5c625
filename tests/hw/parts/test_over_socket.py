"""A simulated board served on loopback (hw/sim/i2c) and reached as hearthd reaches it:
`socket://` through firmware/parts/bus.py, the same drivers and rail."""

import asyncio

import pytest

from firmware.board import load_board
from firmware.parts.assembly import assemble
from firmware.parts.bus import open_bus
from firmware.work.rail import RailFault
from hw.sim.i2c import I2cServer
from hw.sim.parts import SimBoard


def test_gamma_rail_over_the_socket_and_a_part_that_stops_answering():
    profile = load_board("bitaxe-gamma")
    board = SimBoard(profile)
    board.core_power_w = lambda: 15.0 * (board.vcore_mv() / 1150) ** 2
    with I2cServer(board.bus) as server:
        bus = open_bus(server.url)
        try:
            parts = assemble(profile.parts, {"main": bus})

            async def go():
                readback = await parts.rail.set_voltage_mv(1150)
                readings = await parts.rail.read()
                board.part("vcore").stop_answering()
                with pytest.raises(RailFault) as caught:
                    await parts.rail.read()
                return readback, readings, caught.value

            readback, readings, fault = asyncio.run(asyncio.wait_for(go(), 20))
            assert readback == pytest.approx(1150, rel=0.03)
            assert readings.iout_a == pytest.approx(13.0, rel=0.05)
            assert fault.code == "vr_not_answering"
            assert parts.fan is not None
            parts.fan.identify()
            parts.fan.configure()
            parts.fan.set_duty_pct(50)
            assert parts.fan.read().rpm > 0
        finally:
            bus.close()
