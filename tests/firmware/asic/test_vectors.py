"""Every vector of docs/bm13xx.md ("The protocol") reproduced byte for byte."""

from __future__ import annotations

import pytest

from firmware.asic import frames
from firmware.asic.crc import crc5, crc16
from firmware.asic.family import pll_value_bm1366, pll_value_bm1397
from firmware.asic.job_payloads import midstate_payload
from firmware.asic.pll import pll_setting
from firmware.asic.ticket_mask import ticket_mask
from firmware.asic.version_rolling import version_mask_register


def test_crc_check_values() -> None:
    assert crc5(b"123456789") == 0x0F
    assert crc16(b"123456789") == 0x29B1


@pytest.mark.parametrize(
    ("frame", "built"),
    [
        ("55 AA 52 05 00 00 0A", lambda: frames.read_register(0x00)),
        ("55 AA 53 05 00 00 03", frames.chain_inactive),
        ("55 AA 40 05 00 00 1C", lambda: frames.set_address(0x00)),
        (
            "55 AA 51 09 00 A4 90 00 FF FF 1C",
            lambda: frames.write_register(0xA4, version_mask_register(0x1FFFE000)),
        ),
        ("55 AA 51 09 00 A8 00 07 00 00 03", lambda: frames.write_register(0xA8, 0x00070000)),
        ("55 AA 51 09 00 18 FF 0F C1 00 00", lambda: frames.write_register(0x18, 0xFF0FC100)),
        ("55 AA 51 09 00 3C 80 00 85 40 0C", lambda: frames.write_register(0x3C, 0x80008540)),
        ("55 AA 51 09 00 54 00 00 00 03 1D", lambda: frames.write_register(0x54, 0x00000003)),
        ("55 AA 51 09 00 58 02 11 11 11 06", lambda: frames.write_register(0x58, 0x02111111)),
        ("55 AA 41 09 00 2C 00 7C 00 03 03", lambda: frames.write_register(0x2C, 0x007C0003, 0)),
        ("55 AA 41 09 00 A8 00 07 01 F0 15", lambda: frames.write_register(0xA8, 0x000701F0, 0)),
        ("55 AA 51 09 00 28 11 30 02 00 03", lambda: frames.write_register(0x28, 0x11300200)),
        ("55 AA 51 09 00 14 00 00 00 FF 08", lambda: frames.write_register(0x14, ticket_mask(256))),
    ],
)
def test_command_vectors(frame: str, built) -> None:
    assert built() == bytes.fromhex(frame)
    decoded = frames.decode_host_frame(bytes.fromhex(frame))
    assert not decoded.is_job


def test_ticket_mask_rounds_down_to_a_power_of_two() -> None:
    assert ticket_mask(256) == 0x000000FF
    assert ticket_mask(300) == 0x000000FF
    assert ticket_mask(512) == 0x000080FF  # mask 0x1FF, bytes bit-reversed
    assert ticket_mask(1) == 0


def test_pll_example_and_register_layouts() -> None:
    setting = pll_setting(450.0, (60, 200))
    assert (setting.fb_div, setting.refdiv, setting.postdiv1, setting.postdiv2) == (72, 2, 2, 1)
    assert pll_value_bm1397(setting) == 0x40480221
    bm1370 = pll_setting(525.0, (160, 239))
    assert bm1370.frequency_mhz == 525.0
    assert bm1370.vco_mhz == 2100.0  # lowest VCO wins among exact matches
    assert pll_value_bm1366(bm1370).to_bytes(4, "big") == bytes(
        (0x40, bm1370.fb_div, bm1370.refdiv, ((bm1370.postdiv1 - 1) << 4) | (bm1370.postdiv2 - 1))
    )
    high = pll_setting(600.0, (144, 235))
    assert pll_value_bm1366(high) >> 24 == (0x50 if high.vco_mhz >= 2400 else 0x40)


MIDSTATE = bytes.fromhex(
    "4D 31 85 F2 5F 7D 5D E0 E3 59 17 41 CB 21 CA E115 74 DD D6 5D 49 0D 3D 68 73 9F 8A 52 EA DF 91"
)
BM1397_FRAME = (
    bytes.fromhex("55 AA 21 96 04 04 00 00 00 00 01 DD 05 17 D8 8B 65 64 C6 04 A8 46")
    + MIDSTATE
    + bytes(96)
    + bytes.fromhex("6B 1D")
)


def test_real_bm1397_job_frame_rebuilt_from_its_inputs() -> None:
    payload = midstate_payload(
        job_id=0x04,
        nbits=0x1705DD01,
        ntime=0x64658BD8,
        merkle_tail=bytes.fromhex("C6 04 A8 46"),
        midstates=[MIDSTATE],
        num_midstates=4,
    )
    assert frames.job_frame(payload) == BM1397_FRAME
    decoded = frames.decode_host_frame(BM1397_FRAME)
    assert decoded.is_job and decoded.data == payload


def test_known_chip_responses_pass_the_residue_check() -> None:
    # chip-id answers as captured from real chips: BM1397 (9 bytes), BM1368 (11 bytes)
    assert crc5(bytes.fromhex("13 97 18 00 00 00 06")) == 0
    assert crc5(bytes.fromhex("13 68 00 00 00 00 00 00 0F")) == 0
