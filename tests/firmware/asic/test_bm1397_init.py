"""The BM1397 bring-up, byte for byte, as ESP-Miner sends it.

Reference: bitaxeorg/ESP-Miner components/asic/bm1397.c (BM1397_init,
BM1397_set_default_baud, BM1397_set_max_baud, BM1397_send_hash_frequency) with the ticket
mask from components/asic/common.c (get_difficulty_mask, difficulty 256). The register
frames carrying 0x80, 0x84, 0x20, 0x3C, 0x68, 0x28, 0x18 = 7A31 and 0x70 appear, CRC5
included, in the sniffed cgminer bring-up in skot/ESP-Miner bm1397_protocol.md; the other
CRCs were checked against the simulator's own CRC5 (hw/sim/chain/wire.py).

The driver runs for real; only the UART is replaced by a recorder that answers the
chip-id read like a chain of BM1397s.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from firmware.asic import frames
from firmware.asic.bm1397 import BM1397
from firmware.asic.chain import ChainDriver
from firmware.asic.family import pll_value_bm1397
from firmware.asic.link import SerialLink
from firmware.asic.pll import PllSetting
from firmware.asic.responses import RegisterResponse, ResponseParser
from hw.sim.chain.wire import crc5_bytes
from tests.firmware.asic.chain_harness import quick_profile

READ_CHIP_ID = "55 AA 52 05 00 00 0A"
CHAIN_INACTIVE = "55 AA 53 05 00 00 03"
SET_ADDRESS = {
    0x00: "55 AA 40 05 00 00 1C",
    0x40: "55 AA 40 05 40 00 1A",
    0x80: "55 AA 40 05 80 00 10",
    0xC0: "55 AA 40 05 C0 00 16",
}
# BM1397_init after addressing, in its order (all broadcast writes, header 0x51)
INIT = [
    "55 AA 51 09 00 80 00 00 00 00 1C",  # clock order control 0
    "55 AA 51 09 00 84 00 00 00 00 11",  # clock order control 1
    "55 AA 51 09 00 20 00 00 00 01 02",  # ordered clock enable
    "55 AA 51 09 00 3C 80 00 80 74 10",  # core register control
    "55 AA 51 09 00 14 00 00 00 FF 08",  # ticket mask, difficulty 256
    "55 AA 51 09 00 68 C0 70 01 11 00",  # PLL3 parameter
    "55 AA 51 09 00 28 06 00 00 0F 18",  # fast UART configuration
    "55 AA 51 09 00 18 00 00 7A 31 15",  # misc control: default baud (BT8D 26)
]
MAX_BAUD = "55 AA 51 09 00 18 00 00 60 31 00"  # misc control: BT8D 0, 3.125 Mbaud
PLL0_DIVIDER = "55 AA 51 09 00 70 0F 0F 0F 00 19"


class RecordingLink(SerialLink):
    """A UART that keeps every frame written and answers chip-id reads."""

    def __init__(self, driver: ChainDriver, chips: int, baud: int) -> None:
        self.url = "recording://"
        self.parser = ResponseParser(BM1397.response_length)
        self.written: list[bytes] = []
        self.baud_changes: list[int] = []
        self._driver = driver
        self._chips = chips
        self._baud = baud

    @property
    def baud(self) -> int:
        return self._baud

    def set_baud(self, baud: int) -> None:
        self.baud_changes.append(baud)
        self._baud = baud

    def write(self, frame: bytes) -> None:
        self.written.append(frame)
        if frame == bytes.fromhex(READ_CHIP_ID):
            # chip id 1397, core num 0x18, address 0 (a fresh chip has none)
            answers = [RegisterResponse(0, 0x00, 0x13971800) for _ in range(self._chips)]
            self._driver._dispatch(answers, self._driver.clock())

    def discard_input(self) -> None:
        pass

    def close(self) -> None:
        pass


class NoLine:
    """A reset line that is pulsed but drives nothing (the recording link plays chips
    already in their power-on state)."""

    def hold_reset(self) -> None:
        pass

    def release_reset(self) -> None:
        pass


def bring_up(chips: int) -> tuple[ChainDriver, RecordingLink]:
    profile = quick_profile("bitaxe-max", chips=chips)
    assert profile.chip_model == "BM1397"

    async def no_wait(seconds: float) -> None:
        await asyncio.sleep(0)

    async def main() -> tuple[ChainDriver, RecordingLink]:
        driver = ChainDriver(
            "recording://",
            profile,
            reset_line=NoLine(),
            clock=time.monotonic,
            sleep=no_wait,
            enumerate_silence_s=0.02,
        )
        driver._loop = asyncio.get_running_loop()
        link = RecordingLink(driver, chips, profile.baud_initial)
        driver.link = link
        assert await driver.initialise() == chips
        return driver, link

    return asyncio.run(main())


def hex_frames(written: list[bytes]) -> list[str]:
    return [f.hex(" ").upper() for f in written]


def test_expected_frames_carry_good_crc5() -> None:
    """The vectors themselves: CRC5 by an implementation other than the firmware's."""
    for frame in [READ_CHIP_ID, CHAIN_INACTIVE, *SET_ADDRESS.values(), *INIT, MAX_BAUD]:
        raw = bytes.fromhex(frame)
        assert raw[3] == len(raw) - 2
        assert crc5_bytes(raw[2:-1]) == raw[-1], frame


@pytest.mark.parametrize("chips", [1, 4])
def test_bm1397_bring_up_frames_match_esp_miner(chips: int) -> None:
    driver, link = bring_up(chips)
    interval = 256 // chips
    assert [c.address for c in driver.chips] == [i * interval for i in range(chips)]
    addresses = [SET_ADDRESS[i * interval] for i in range(chips)]
    assert hex_frames(link.written) == [
        READ_CHIP_ID,
        CHAIN_INACTIVE,
        *addresses,
        *INIT,
        MAX_BAUD,
    ]
    # no version-rolling register on BM1397 (ESP-Miner's set_version_mask is empty)
    assert all(frames.decode_host_frame(f).data[1] != 0xA4 for f in link.written)
    # the chips switch first, then the host follows to 3.125 Mbaud
    assert link.baud_changes == [115200, 3_125_000]


def test_bm1397_frequency_step_frames_match_esp_miner() -> None:
    """BM1397_send_hash_frequency: PLL0 divider twice, then PLL0 parameter twice."""
    driver, link = bring_up(1)
    link.written.clear()
    cases = [
        # target MHz → PLL0 (vdo 0x40, fb_div, refdiv, postdiv1 << 4 | postdiv2)
        (56.25, "55 AA 51 09 00 08 40 3F 02 72 03"),  # 25 × 63 / (2 × 7 × 2)
        (62.5, "55 AA 51 09 00 08 40 3C 02 62 14"),  # 25 × 60 / (2 × 6 × 2)
        (200.0, "55 AA 51 09 00 08 40 40 02 41 1E"),  # 25 × 64 / (2 × 4 × 1)
        (425.0, "55 AA 51 09 00 08 40 44 02 21 07"),  # 25 × 68 / (2 × 2 × 1)
    ]
    for mhz, pll0 in cases:
        assert crc5_bytes(bytes.fromhex(pll0)[2:-1]) == bytes.fromhex(pll0)[-1]
        link.written.clear()
        assert driver.write_frequency(mhz) == mhz
        assert hex_frames(link.written) == [PLL0_DIVIDER, PLL0_DIVIDER, pll0, pll0]


def test_sniffed_cgminer_pll0_frame_decodes_to_200_mhz() -> None:
    """The sniffed 0x08 = 40 A0 02 25 (fb 160, refdiv 2, postdivs 2 and 5) is 200 MHz:
    the BM1397 postdiv nibbles are the dividers themselves, not minus one."""
    setting = PllSetting(fb_div=160, refdiv=2, postdiv1=2, postdiv2=5)
    assert setting.frequency_mhz == 200.0
    assert pll_value_bm1397(setting) == 0x40A00225
    assert frames.write_register(0x08, 0x40A00225) == bytes.fromhex(
        "55 AA 51 09 00 08 40 A0 02 25 16"
    )
