"""open_board_io: the board file's parts on the config's bus, the config's lines, and a
plain error naming what cannot be opened."""

import logging

import pytest

from firmware.board import load_board
from firmware.config import parse_config
from firmware.parts.board_io import BoardIoError, open_board_io
from firmware.parts.pmbus_rail import PmbusRail
from firmware.parts.usb_serial import UsbPort, UsbPortError, resolve_usb_port
from hw.sim.i2c import I2cServer
from hw.sim.parts import SimBoard
from tests.firmware.board_io.gpio_double import FakeChip, fake_gpiod

GAMMA = load_board("bitaxe-gamma")
POOL = [{"url": "stratum+tcp://pool.example:3333", "user": "u"}]


def asic(**keys):
    return parse_config({"pool": POOL, "asic": keys}).asic


def test_parts_and_lines_opened_as_configured():
    board = SimBoard(GAMMA)
    chip = FakeChip("/dev/gpiochip0", {"GPIO17": 17})
    with I2cServer(board.bus) as server:
        config = asic(i2c_bus=server.url, gpio_chip="/dev/gpiochip0", reset_gpio="GPIO17")
        io = open_board_io(config, GAMMA, gpiod_module=fake_gpiod(chip))
        try:
            assert isinstance(io.rail, PmbusRail)
            assert io.lines is not None and io.lines.has("reset") and io.lines.reset_held
            assert chip.level[17] == 0  # RST held low from the start
        finally:
            io.close()
    assert chip.released and io.bus is None


def test_a_board_with_parts_but_no_bus_runs_without_them_and_says_so(caplog):
    with caplog.at_level(logging.WARNING):
        io = open_board_io(asic(), GAMMA)
    assert io.rail is None and io.lines is None
    assert "asic.i2c_bus is not set" in caplog.text


def test_an_unreachable_bus_is_a_plain_error():
    with I2cServer(SimBoard(GAMMA).bus) as server:
        url = server.url
    with pytest.raises(BoardIoError, match=r"asic\.i2c_bus.*cannot be opened"):
        open_board_io(asic(i2c_bus=url), GAMMA)


def test_a_missing_gpio_chip_is_a_plain_error():
    chip = FakeChip("/dev/gpiochip4", {})
    config = asic(gpio_chip="/dev/gpiochip0", reset_gpio="17")
    with pytest.raises(BoardIoError, match=r"no GPIO chip /dev/gpiochip0.*hearth doctor"):
        open_board_io(config, GAMMA, gpiod_module=fake_gpiod(chip))


def test_usb_ports_resolved_by_ids_and_serial():
    twins = [
        UsbPort("/dev/ttyUSB0", 0x0403, 0x6001, "A1", "FT232R"),
        UsbPort("/dev/ttyUSB1", 0x0403, 0x6001, "B2", "FT232R"),
    ]
    assert resolve_usb_port("usb:0403:6001:B2", twins) == "/dev/ttyUSB1"
    with pytest.raises(UsbPortError, match="2 USB-serial ports match"):
        resolve_usb_port("usb:0403:6001", twins)
    with pytest.raises(UsbPortError, match="4-digit hex"):
        resolve_usb_port("usb:403:6001", twins)
