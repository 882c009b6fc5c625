"""The simulator's own PMBus formats against the specification's definitions."""

from hypothesis import given
from hypothesis import strategies as st

from hw.sim.parts.pmbus_numbers import (
    linear11_value,
    linear11_word,
    twos,
    ulinear16_value,
    ulinear16_word,
)


def test_linear11_examples_from_the_definition():
    # N = -2 (0b11110), Y = 100: 100 / 4 = 25
    assert linear11_value(0b11110 << 11 | 100) == 25.0
    # N = 0, Y = -1 (0x7FF): -1
    assert linear11_value(0x07FF) == -1.0
    # N = 3, Y = 5: 40
    assert linear11_value(3 << 11 | 5) == 40.0


def test_ulinear16_with_the_tps546_mode():
    # VOUT_MODE 0x17: exponent -9, so 1 V is 512
    assert ulinear16_value(512, 0x17) == 1.0
    assert ulinear16_word(1.15, 0x17) == 589


@given(st.integers(0, 0xFFFF))
def test_every_linear11_word_reads_back_to_itself_when_reencoded_at_its_exponent(word):
    n = twos(word >> 11, 5)
    assert linear11_value(linear11_word(linear11_value(word), n)) == linear11_value(word)


@given(st.floats(-60.0, 200.0))
def test_readings_keep_their_value_to_half_a_step(value):
    word = linear11_word(value, -4)
    step = 2.0 ** twos(word >> 11, 5)
    assert abs(linear11_value(word) - value) <= step / 2 + 1e-12
