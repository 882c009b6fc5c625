"""BoardLines over libgpiod's API: safe start-up levels, polarity, and clear errors."""

import pytest

from firmware.parts.gpio import BoardLines, GpioError, GpioLinesConfig
from tests.firmware.board_io.gpio_double import FakeChip, fake_gpiod

NAMES = {"GPIO17": 17, "GPIO22": 22, "GPIO27": 27}


def lines(chip: FakeChip, **roles) -> BoardLines:
    config = GpioLinesConfig(chip="/dev/gpiochip0", **roles)
    return BoardLines(config, gpiod_module=fake_gpiod(chip))


def test_outputs_start_safe_reset_held_low_and_power_off():
    chip = FakeChip("/dev/gpiochip0", NAMES)
    board = lines(chip, reset="GPIO17", power_enable="22")
    assert chip.level[17] == 0 and board.reset_held  # RST is active low
    assert chip.level[22] == 0 and not board.powered
    board.release_reset()
    board.set_power(True)
    assert chip.level[17] == 1 and chip.level[22] == 1
    board.hold_reset()
    assert chip.level[17] == 0


def test_pgood_reads_the_input_level():
    chip = FakeChip("/dev/gpiochip0", NAMES)
    board = lines(chip, pgood="GPIO27")
    assert board.pgood() is False
    chip.level[27] = 1
    assert board.pgood() is True
    assert not board.has("reset") and not board.has("power_enable")


def test_no_lines_configured_requests_nothing():
    chip = FakeChip("/dev/gpiochip0", NAMES)
    board = lines(chip)
    assert chip.level == {} and not board.has("reset")
    board.close()


@pytest.mark.parametrize(
    ("chip", "roles", "message"),
    [
        (FakeChip("/dev/gpiochip9", NAMES), {"reset": "17"}, "no GPIO chip /dev/gpiochip0"),
        (FakeChip("/dev/gpiochip0", NAMES), {"reset": "GPIO99"}, "gpioinfo lists the line names"),
        (
            FakeChip("/dev/gpiochip0", NAMES, busy={17}),
            {"reset": "17"},
            "taken by another program",
        ),
    ],
)
def test_unusable_lines_are_plain_errors(chip, roles, message):
    with pytest.raises(GpioError, match=message):
        lines(chip, **roles)


def test_release_on_close():
    chip = FakeChip("/dev/gpiochip0", NAMES)
    board = lines(chip, reset="17")
    board.close()
    assert chip.released
