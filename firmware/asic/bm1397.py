"""BM1397 (Antminer S17, Bitaxe Max). Values from ESP-Miner components/asic/bm1397.c,
cgminer's GekkoScience driver and ../shared/design/BM13XX.md."""

from __future__ import annotations

from firmware.asic.family import ChipFamily, pll_value_bm1397
from firmware.asic.job_payloads import midstate_job


def decode_job_byte(b7: int) -> tuple[int, int]:
    """job id = b7 & 0xFC, midstate index = b7 & 0x03 (ESP-Miner and cgminer agree)."""
    return b7 & 0xFC, b7 & 0x03


BM1397 = ChipFamily(
    name="BM1397",
    chip_id=0x1397,
    response_length=9,
    core_count=168,
    small_core_count=672,
    job_id_step=4,
    job_id_modulo=128,
    decode_job_byte=decode_job_byte,
    encode_job=midstate_job,
    rolls_version_in_chip=False,
    fb_div_range=(60, 200),
    pll_register_value=pll_value_bm1397,
    pll_prelude=((0x70, 0x0F0F0F00),),  # PLL0 divider, before each PLL0 write
    default_baud=115200,
    fast_baud=3_125_000,
    fast_baud_write=(0x18, 0x00006031),  # misc control, BT8D 0
    default_baud_write=(0x18, 0x00007A31),
    init_before_addressing=(),
    init_after_addressing=(
        (0x80, 0x00000000),  # clock order control 0
        (0x84, 0x00000000),  # clock order control 1
        (0x18, 0x00007A31),  # misc control, default baud
        (0x20, 0x00000001),  # ordered clock enable
        (0x3C, 0x80008074),  # core register control
        (0x68, 0xC0700111),  # PLL3
        (0x28, 0x0600000F),  # fast UART configuration
    ),
    init_per_chip=(),
    hash_counter_register=0x04,
    polled_registers=(0x04, 0x4C),
)
