"""`[asic]` keys for the board's parts bus and GPIO lines: good values kept, bad ones
refused with the key, the value and what is allowed."""

import pytest

from firmware.config import ConfigError, parse_config

POOL = [{"url": "stratum+tcp://pool.example:3333", "user": "u"}]


def asic(**keys):
    return parse_config({"pool": POOL, "asic": keys}).asic


def test_defaults_wire_nothing():
    config = asic()
    assert (config.i2c_bus, config.gpio_chip, config.reset_gpio) == ("", "", "")


@pytest.mark.parametrize("bus", ["/dev/i2c-1", "i2c-1", "1", "socket://127.0.0.1:40123"])
def test_i2c_buses_accepted(bus):
    assert asic(i2c_bus=bus).i2c_bus == bus


def test_lines_by_offset_or_name():
    config = asic(gpio_chip="/dev/gpiochip0", reset_gpio="17", pgood_gpio="GPIO27")
    assert (config.reset_gpio, config.pgood_gpio, config.power_enable_gpio) == ("17", "GPIO27", "")


@pytest.mark.parametrize(
    ("keys", "key", "allowed"),
    [
        ({"i2c_bus": "/dev/spidev0.0"}, "asic.i2c_bus", "i2c-dev bus"),
        ({"i2c_bus": "socket://127.0.0.1:0"}, "asic.i2c_bus", "port 1..65535"),
        ({"i2c_bus": 1}, "asic.i2c_bus", "a string"),
        ({"reset_gpio": "17"}, "asic.gpio_chip", "whenever asic.reset_gpio is set"),
        ({"gpio_chip": "/dev/gpiochip0", "pgood_gpio": "GPIO 27"}, "asic.pgood_gpio", "offset"),
    ],
)
def test_bad_values_are_refused_naming_key_value_and_allowed(keys, key, allowed):
    with pytest.raises(ConfigError) as caught:
        asic(**keys)
    message = str(caught.value)
    assert key in message and allowed in message
