"""The firmware's PMBus encoders, decoded by the simulator's own formulas (and back)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.parts.pmbus import (
    FormatError,
    decode_linear11,
    decode_ulinear16,
    encode_linear11,
    encode_ulinear16,
    vout_mode_exponent,
)
from hw.sim.parts.pmbus_numbers import linear11_value, linear11_word, ulinear16_value


@given(st.floats(-1000.0, 1000.0, allow_nan=False))
def test_linear11_encoding_is_read_by_the_spec_formula_within_resolution(value):
    word = encode_linear11(value)
    exponent = ((word >> 11) & 0x1F) - (32 if word & 0x8000 else 0)
    assert abs(linear11_value(word) - value) <= 2.0**exponent / 2 + 1e-12


@given(st.integers(0, 0xFFFF))
def test_linear11_decoding_agrees_with_the_simulator_on_every_word(word):
    assert decode_linear11(word) == linear11_value(word)


@given(st.floats(0.0, 60.0), st.integers(-10, 0))
def test_readings_the_simulated_part_makes_decode_to_their_value(value, exponent):
    word = linear11_word(value, exponent)
    used = ((word >> 11) & 0x1F) - (32 if word & 0x8000 else 0)  # coarser where needed
    assert used >= exponent
    assert abs(decode_linear11(word) - value) <= 2.0**used / 2 + 1e-12


@given(st.floats(0.0, 127.9))
def test_ulinear16_round_trip_through_the_simulator_with_vout_mode_0x17(volts):
    word = encode_ulinear16(volts, vout_mode_exponent(0x17))
    assert abs(ulinear16_value(word, 0x17) - volts) <= 2.0**-10 + 1e-12
    assert decode_ulinear16(word, -9) == ulinear16_value(word, 0x17)


def test_formats_refuse_what_they_cannot_carry():
    with pytest.raises(FormatError):
        encode_linear11(math.nan)
    with pytest.raises(FormatError):
        encode_linear11(1e9)
    with pytest.raises(FormatError):
        encode_ulinear16(-1.0, -9)
    with pytest.raises(FormatError):
        encode_ulinear16(200.0, -9)
    with pytest.raises(FormatError):
        vout_mode_exponent(0x37)  # VID mode
    with pytest.raises(FormatError):
        vout_mode_exponent(0x57)  # direct mode


def test_vout_mode_relative_flag_keeps_the_linear_exponent():
    assert vout_mode_exponent(0x17) == -9
    assert vout_mode_exponent(0x97) == -9  # PMBus 1.3: bit 7 = limits relative
