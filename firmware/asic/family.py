"""What differs between BM13xx chip families, as data. One driver (`chain.py`) reads it;
each family module (`bm1366.py`, `bm1368.py`, `bm1370.py`, `bm1397.py`) fills one in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware.asic.pll import VCO_HIGH_BAND_MHZ, PllSetting
from firmware.work import Job

# (register, value) pairs written in order.
RegisterWrites = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class EncodedJob:
    payload: bytes  # the job frame's payload (between length byte and CRC16)
    versions: tuple[int, ...]  # version hashed by each midstate index (BM1397) or (job.version,)


@dataclass(frozen=True)
class ChipFamily:
    name: str
    chip_id: int  # reg 0x00 bits 31..16
    response_length: int  # bytes per chip response, preamble included
    core_count: int
    small_core_count: int  # hashes per clock (ESP-Miner device_config.c)
    job_id_step: int
    job_id_modulo: int
    # b7 of a nonce response → (job id, small core or midstate index)
    decode_job_byte: Callable[[int], tuple[int, int]]
    encode_job: Callable[[int, Job], EncodedJob]
    rolls_version_in_chip: bool  # BM1366+: rolled bits come back in b8..b9
    fb_div_range: tuple[int, int]
    pll_register_value: Callable[[PllSetting], int]  # reg 0x08
    pll_prelude: RegisterWrites  # written before every PLL0 write
    default_baud: int
    fast_baud: int
    fast_baud_write: tuple[int, int]
    default_baud_write: tuple[int, int]
    init_before_addressing: RegisterWrites  # broadcast, after enumeration
    init_after_addressing: RegisterWrites  # broadcast
    init_per_chip: RegisterWrites  # to each chip by address
    hash_counter_register: int  # 0x8C (count of 2^32 hashes) or 0x04 (BM1397 rate)
    polled_registers: tuple[int, ...]  # read from every chip once a second
    ticket_difficulty: int = 256  # ESP-Miner's ASIC difficulty for every family
    # broadcast right after the ticket mask (BM1397: ESP-Miner writes PLL3, fast UART and
    # misc control after 0x14; the other families write nothing there)
    init_after_ticket_mask: RegisterWrites = ()
    pll_write_repeats: int = 1  # each prelude write, then the PLL0 write, sent this often
    reset_frequency_mhz: float = 50.0  # hash clock after reset
    ramp_step_mhz: float = 6.25
    ramp_interval_s: float = 0.1

    def next_job_id(self, previous: int) -> int:
        return (previous + self.job_id_step) % self.job_id_modulo


def pll_value_bm1366(setting: PllSetting) -> int:
    """BM1366/68/70 PLL0: vdo_scale, fb_div, refdiv, ((p1-1) << 4) | (p2-1)."""
    vdo_scale = 0x50 if setting.vco_mhz >= VCO_HIGH_BAND_MHZ else 0x40
    postdiv = ((setting.postdiv1 - 1) << 4) | (setting.postdiv2 - 1)
    return int.from_bytes(bytes((vdo_scale, setting.fb_div, setting.refdiv, postdiv)), "big")


def pll_value_bm1397(setting: PllSetting) -> int:
    """BM1397 PLL0: 0x40, fb_div, refdiv, (p1 << 4) + p2."""
    postdiv = (setting.postdiv1 << 4) + setting.postdiv2
    return int.from_bytes(bytes((0x40, setting.fb_div, setting.refdiv, postdiv)), "big")
