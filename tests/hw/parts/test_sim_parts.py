"""The simulated parts as register machines behind the smbus2-shaped bus."""

import errno

import pytest

from firmware.board import load_board
from hw.sim.parts import SimBoard, SimBus
from hw.sim.parts.ds4432u import SimDs4432u
from hw.sim.parts.emc2101 import SimEmc2101
from hw.sim.parts.ina260 import SimIna260
from hw.sim.parts.tmp1075 import SimTmp1075
from hw.sim.parts.tps546 import SimTps546


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_nothing_at_an_address_is_eremoteio():
    bus = SimBus([SimTmp1075(0x4A)])
    with pytest.raises(OSError) as caught:
        bus.read_byte_data(0x4B, 0)
    assert caught.value.errno == errno.EREMOTEIO


def test_a_part_that_stops_answering_raises_until_it_answers_again():
    sensor = SimTmp1075(0x4A)
    bus = SimBus([sensor])
    sensor.stop_answering()
    with pytest.raises(OSError):
        bus.read_i2c_block_data(0x4A, 0, 2)
    sensor.answer()
    assert bus.read_i2c_block_data(0x4A, 0x0F, 2) == [0x75, 0x00]


def test_tmp1075_temperature_is_big_endian_left_justified():
    sensor = SimTmp1075(0x48)
    sensor.temperature_c = -25.0
    # -25 °C = -400 sixteenths = 0xE70 in 12 bits -> 0xE700
    assert SimBus([sensor]).read_i2c_block_data(0x48, 0, 2) == [0xE7, 0x00]


def test_tps546_output_slews_to_the_command_and_back_to_zero():
    clock = Clock()
    tps = SimTps546(slew_v_per_s=1.0, clock=clock)  # 1 mV/ms: slow enough to see
    bus = SimBus([tps])
    bus.write_word_data(0x24, 0x21, 589)  # VOUT_COMMAND 1.15 V (exponent -9)
    bus.write_byte_data(0x24, 0x01, 0x80)
    clock.now += 0.5
    assert abs(tps.vout_v() - 0.5) < 1e-9
    assert bus.read_word_data(0x24, 0x79) & 0x0800  # POWER_GOOD# while rising
    clock.now += 1.0
    assert abs(tps.vout_v() - 589 / 512) < 1e-9
    assert not bus.read_word_data(0x24, 0x79) & 0x0800
    bus.write_byte_data(0x24, 0x01, 0x00)
    clock.now += 2.0
    assert tps.vout_v() == 0.0
    assert bus.read_word_data(0x24, 0x79) & 0x0040  # OFF


def test_tps546_clamps_a_command_beyond_vout_max_and_says_so():
    tps = SimTps546()
    bus = SimBus([tps])
    bus.write_word_data(0x24, 0x24, 1024)  # VOUT_MAX 2 V
    bus.write_word_data(0x24, 0x21, 1536)  # 3 V asked
    assert tps.values["command"] == 2.0
    assert bus.read_byte_data(0x24, 0x7A) & 0x08


def test_tps546_overcurrent_latches_off_until_clear_faults():
    tps = SimTps546()
    bus = SimBus([tps])
    bus.write_byte_data(0x24, 0x01, 0x80)
    tps.load_a = 70.0  # beyond the 62 A default fault limit
    tps.step()
    assert not tps.converting()
    assert bus.read_byte_data(0x24, 0x7B) & 0x80
    assert bus.read_word_data(0x24, 0x79) & 0x0010
    tps.load_a = 0.0
    bus.write_byte(0x24, 0x03)  # CLEAR_FAULTS
    assert tps.converting()


def test_tps546_status_bits_clear_by_writing_one():
    tps = SimTps546()
    bus = SimBus([tps])
    tps.inject("temperature", 0x40)
    assert bus.read_byte_data(0x24, 0x7D) == 0x40
    bus.write_byte_data(0x24, 0x7D, 0x40)
    assert bus.read_byte_data(0x24, 0x7D) == 0


def test_tps546_unknown_command_is_a_nack_and_a_cml_flag():
    tps = SimTps546()
    bus = SimBus([tps])
    with pytest.raises(OSError):
        bus.read_word_data(0x24, 0xE0)
    assert bus.read_byte_data(0x24, 0x7E) & 0x80


def test_ds4432u_full_scale_current_from_the_datasheet_equation():
    dac = SimDs4432u(rfs_ohm=(80e3, 80e3))
    SimBus([dac]).write_byte_data(0x48, 0xF8, 0x80 | 127)
    assert dac.current_a(0) == pytest.approx(-0.997 / 80e3 * 127 / 16)


def test_ina260_registers_carry_the_datasheet_lsbs():
    meter = SimIna260()
    meter.bus_v, meter.current_a = 5.0, 2.0
    bus = SimBus([meter])
    assert bus.read_i2c_block_data(0x40, 0x02, 2) == list((4000).to_bytes(2, "big"))
    assert bus.read_i2c_block_data(0x40, 0x01, 2) == list((1600).to_bytes(2, "big"))
    assert bus.read_i2c_block_data(0x40, 0x03, 2) == list((1000).to_bytes(2, "big"))


def test_emc2101_tach_and_stall():
    fan = SimEmc2101(max_rpm=6000)
    bus = SimBus([fan])
    bus.write_byte_data(0x4C, 0x03, 0x04)  # ALT_TCH: pin 6 counts the tach
    bus.write_byte_data(0x4C, 0x4C, 63)
    tach = bus.read_byte_data(0x4C, 0x46) | bus.read_byte_data(0x4C, 0x47) << 8
    assert tach == 900  # 5 400 000 / 6000
    fan.stall()
    assert bus.read_byte_data(0x4C, 0x47) == 0xFF


def test_a_marginal_supply_sags_under_load():
    clock = Clock()
    board = SimBoard(load_board("bitaxe-gamma"), supply_v=5.0, supply_ohm=0.2, clock=clock)
    board.core_power_w = lambda: 15.0
    board.bus.write_word_data(0x24, 0x21, 589)
    board.bus.write_byte_data(0x24, 0x01, 0x80)
    clock.now += 1.0
    board.step()
    # Vin = (V + sqrt(V^2 - 4RP)) / 2 with P = 15 / 0.9 + 1 W
    assert 4.0 < board.vin_v < 4.4
    board.supply_ohm = 0.0
    board.step()
    assert board.vin_v == 5.0
