"""The core rails (CoreRail) against a simulated board: set, read back, faults."""

import asyncio
import threading
import time

import pytest

from firmware.board import load_board
from firmware.parts.assembly import assemble
from firmware.work.rail import RailFault
from hw.sim.parts import SimBoard


class SteppingClock:
    """Simulated time that moves 1 ms every time anyone looks (deterministic slews)."""

    def __init__(self):
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.now += 0.001
            return self.now


def gamma(clock=time.monotonic, **board_options):
    profile = load_board("bitaxe-gamma")
    board = SimBoard(profile, clock=clock, **board_options)
    board.core_power_w = lambda: 15.0 * (board.vcore_mv() / 1150) ** 2
    return board, assemble(profile.parts, {"main": board.bus}, clock=clock)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_set_voltage_reads_back_within_tolerance_and_telemetry_is_measured():
    board, parts = gamma()

    async def go():
        readback = await parts.rail.set_voltage_mv(1150)
        return readback, await parts.rail.read()

    readback, readings = run(go())
    assert readback == pytest.approx(1150, rel=0.03)
    assert readings.vout_mv == pytest.approx(board.vcore_mv(), abs=2)
    assert readings.iout_a == pytest.approx(15.0 / 1.15, rel=0.05)
    # No input meter on a Gamma: the core rail's output power, and no input power.
    assert readings.core_w == pytest.approx(readings.vout_mv / 1000 * readings.iout_a)
    assert readings.power_w is None
    assert readings.input_v == pytest.approx(5.0, abs=0.05)
    assert readings.vr_temp_c is not None
    assert parts.rail.faults() == ()


def test_a_voltage_outside_vout_min_max_is_refused_before_any_write():
    board, parts = gamma()
    with pytest.raises(RailFault) as caught:
        run(parts.rail.set_voltage_mv(2500))
    assert caught.value.code == "vr_setpoint_refused"
    assert board.bus.transactions == 0


@pytest.mark.parametrize(
    ("register", "mask", "code"),
    [
        ("iout", 0x80, "vr_overcurrent"),
        ("vout", 0x80, "vr_overvoltage"),
        ("vout", 0x10, "vr_undervoltage"),
        ("temperature", 0x80, "vr_overtemp"),
    ],
)
def test_an_injected_fault_becomes_its_alarm(register, mask, code):
    board, parts = gamma()

    async def go():
        await parts.rail.set_voltage_mv(1150)
        board.part("vcore").inject(register, mask)
        await parts.rail.read()

    run(go())
    assert code in parts.rail.faults()
    assert not board.regulator.converting()  # the part shut itself down


def test_overcurrent_from_the_load_itself():
    board, parts = gamma()

    async def go():
        await parts.rail.set_voltage_mv(1150)
        board.core_power_w = lambda: 40.0  # 35 A at 1.15 V, beyond the 30 A fault limit
        await parts.rail.read()
        await parts.rail.read()

    run(go())
    assert "vr_overcurrent" in parts.rail.faults()


def test_a_sagging_supply_is_named_with_its_measured_voltage():
    board, parts = gamma(supply_v=5.0, supply_ohm=0.11)  # sags to ~4.57 V at 15 W

    async def go():
        board.core_power_w = lambda: 0.0
        await parts.rail.set_voltage_mv(1150)
        board.core_power_w = lambda: 15.0 * (board.vcore_mv() / 1150) ** 2
        await parts.rail.read()
        return await parts.rail.read()

    readings = run(go())
    assert readings.input_v < 4.6
    assert "vr_input_undervoltage" in parts.rail.faults()
    message = parts.rail.fault_messages()["vr_input_undervoltage"]
    assert f"{readings.input_v:.2f} V" in message


def test_output_that_never_reaches_the_command_is_undervoltage_after_the_settle_time():
    clock = SteppingClock()
    _, parts = gamma(clock=clock, slew_v_per_s=0.05)  # 50 mV/s: far too slow
    with pytest.raises(RailFault) as caught:
        run(parts.rail.set_voltage_mv(1150))
    assert caught.value.code == "vr_undervoltage"
    assert "not within ±3 %" in str(caught.value)


def test_power_good_lost_with_the_output_on():
    clock = SteppingClock()
    board, parts = gamma(clock=clock, slew_v_per_s=10.0)

    async def go():
        await parts.rail.set_voltage_mv(1150)
        board.regulator.values["command"] = 1.9  # the output has to climb 750 mV
        await parts.rail.read()

    run(go())
    assert "vr_pgood_low" in parts.rail.faults()


def test_a_part_that_stops_answering_is_vr_not_answering():
    board, parts = gamma()

    async def go():
        await parts.rail.set_voltage_mv(1150)
        board.part("vcore").stop_answering()
        with pytest.raises(RailFault) as caught:
            await parts.rail.read()
        await parts.rail.disable()  # never raises
        return caught.value

    fault = run(go())
    assert fault.code == "vr_not_answering"
    assert "0x24" in str(fault)
    assert "vr_not_answering" in parts.rail.faults()


class HangingBus:
    """A bus whose transfers block (a stuck SCL line) until released."""

    def __init__(self):
        self.release = threading.Event()

    def __getattr__(self, name):
        def call(*args):
            self.release.wait(30)
            raise OSError(110, "timed out")

        return call


def test_a_hung_bus_is_vr_not_answering_within_the_call_bound():
    profile = load_board("bitaxe-gamma")
    bus = HangingBus()
    parts = assemble(profile.parts, {"main": bus}, call_timeout_s=0.2)

    async def go():
        began = time.monotonic()
        try:
            with pytest.raises(RailFault) as caught:
                await parts.rail.read()
            return caught.value, time.monotonic() - began
        finally:
            bus.release.set()  # let the stuck worker thread end with the test

    fault, elapsed = run(go())
    assert fault.code == "vr_not_answering"
    assert "no answer within 0.2 s" in str(fault)
    assert elapsed < 10  # bounded by the call timeout, not by the stuck transfer's 30 s


def test_disable_turns_operation_off():
    board, parts = gamma()

    async def go():
        await parts.rail.set_voltage_mv(1150)
        await parts.rail.disable()

    run(go())
    assert board.regulator.operation == 0x00 and not board.regulator.converting()


def test_hearth_400_sets_four_domains_and_reads_per_chip():
    profile = load_board("hearth-400")
    board = SimBoard(profile)
    board.core_power_w = lambda: 360.0 * (board.vcore_mv() / 1150) ** 2
    parts = assemble(profile.parts, {"main": board.bus})

    async def go():
        readback = await parts.rail.set_voltage_mv(1150)
        return readback, await parts.rail.read()

    readback, readings = run(go())
    assert board.regulator.values["command"] == pytest.approx(4.6, abs=0.002)
    assert readback == pytest.approx(1150, rel=0.03)
    assert readings.core_w == pytest.approx(360, rel=0.05)
    assert set(parts.temperatures) == {"board_temp_inlet", "board_temp_outlet"}


def test_dac_rail_on_the_ultra():
    profile = load_board("bitaxe-ultra")
    board = SimBoard(profile)
    board.core_power_w = lambda: 9.0 * (board.vcore_mv() / 1200) ** 2
    parts = assemble(profile.parts, {"main": board.bus})

    async def go():
        set_mv = await parts.rail.set_voltage_mv(1200)
        while abs(board.vcore_mv() - set_mv) > 0.01:  # the converter slews to the trim
            await asyncio.sleep(0.001)
        return set_mv, await parts.rail.read()

    set_mv, readings = run(go())
    assert 1190 <= set_mv <= 1200
    assert board.vcore_mv() == pytest.approx(set_mv, abs=0.01)
    assert readings.vout_mv is None and readings.vr_temp_c is None  # nothing measures them
    assert readings.input_v == pytest.approx(5.0, abs=0.01)
    assert readings.power_w == pytest.approx(9.0 / 0.9 + 1.0, rel=0.05)
    board.part("meter").stop_answering()
    with pytest.raises(RailFault) as caught:
        run(parts.rail.read())
    assert caught.value.code == "meter_not_answering"
    run(parts.rail.disable())
    assert board.dac.codes[0] == 0xFF  # full-scale source: the lowest output


def test_disable_clears_what_is_gone_and_keeps_what_is_still_there():
    board, parts = gamma(tau_s=1e9)  # temperatures hold where they are put

    async def go():
        await parts.rail.set_voltage_mv(1150)
        board.part("vcore").inject("iout", 0x80)
        await parts.rail.read()
        assert "vr_overcurrent" in parts.rail.faults()
        await parts.rail.disable()
        assert parts.rail.faults() == ()  # the load is gone with the output
        board.vr_c = 120.0  # above OT_WARN 105 °C, and staying there
        await parts.rail.read()
        await parts.rail.disable()
        return parts.rail.faults()

    assert run(go()) == ("vr_overtemp",)
