"""The setup code and the X-HM:// setup payload: decoded with Python's own base-36
parser (not the encoder's), every field is where the payload layout puts it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.homekit.setup_code import (
    CATEGORY_THERMOSTAT,
    REFUSED_CODES,
    SETUP_ID,
    new_setup_code,
    new_setup_id,
    setup_uri,
    valid_setup_code,
)

codes = st.integers(0, 10**8 - 1).map(lambda n: f"{n:08d}").filter(
    lambda d: d not in REFUSED_CODES
).map(lambda d: f"{d[:3]}-{d[3:5]}-{d[5:]}")  # fmt: skip
setup_ids = st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4)


@given(codes, setup_ids, st.integers(1, 255))
def test_the_payload_carries_category_ip_flag_and_code(code, setup_id, category):
    uri = setup_uri(code, setup_id, category)
    assert uri.startswith("X-HM://") and len(uri) == len("X-HM://") + 9 + 4
    payload, tail = int(uri[7:16], 36), uri[16:]
    assert tail == setup_id
    assert payload & (2**27 - 1) == int(code.replace("-", ""))
    assert (payload >> 27) & 0xF == 2  # reachable over IP
    assert (payload >> 31) & 0xFF == category
    assert payload >> 39 == 0  # version 0, reserved bits 0


def test_the_category_is_hap_pythons_thermostat():
    from pyhap.const import CATEGORY_THERMOSTAT as HAP_THERMOSTAT

    assert CATEGORY_THERMOSTAT == HAP_THERMOSTAT


def test_new_codes_never_draw_what_homekit_refuses():
    draws = iter([11111111, 12345678, 87654321, 31415926])
    assert new_setup_code(lambda _: next(draws)) == "314-15-926"
    for _ in range(200):
        assert valid_setup_code(new_setup_code())
    assert SETUP_ID.fullmatch(new_setup_id())


@pytest.mark.parametrize("code", ["111-11-111", "123-45-678", "12345679", "1234-5-678", ""])
def test_refused_codes_make_no_payload(code):
    assert not valid_setup_code(code)
    with pytest.raises(ValueError, match="setup code"):
        setup_uri(code, "AB12")


def test_a_bad_setup_id_makes_no_payload():
    with pytest.raises(ValueError, match="setup id"):
        setup_uri("314-15-926", "ab12")
