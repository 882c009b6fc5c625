"""BM1397 (Antminer S17, Bitaxe Max). Values and order checked against ESP-Miner
(bitaxeorg/ESP-Miner components/asic/bm1397.c: BM1397_init, BM1397_set_default_baud,
BM1397_set_max_baud, BM1397_send_hash_frequency; the ticket mask from get_difficulty_mask
in components/asic/common.c), see docs/bm13xx.md, which also holds the protocol facts
("The protocol")."""

from __future__ import annotations

from firmware.asic.family import ChipFamily, pll_value_bm1397
from firmware.asic.job_payloads import midstate_job


def decode_job_byte(b7: int) -> tuple[int, int]:
    """job id = b7 & 0xFC, midstate index = b7 & 0x03 (ESP-Miner and cgminer agree)."""
    return b7 & 0xFC, b7 & 0x03


# Misc control (0x18): BT8D in bits 12..8, baud = 25 MHz / ((BT8D + 1) × 8).
MISC_CONTROL_DEFAULT_BAUD = 0x00007A31  # BT8D 26: 115,741 baud
MISC_CONTROL_FAST_BAUD = 0x00006031  # BT8D 0: 3,125,000 baud

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
    pll_write_repeats=2,  # ESP-Miner: 0x70 twice, then 0x08 twice, on every step
    default_baud=115200,
    fast_baud=3_125_000,
    fast_baud_write=(0x18, MISC_CONTROL_FAST_BAUD),
    default_baud_write=(0x18, MISC_CONTROL_DEFAULT_BAUD),
    init_before_addressing=(),
    # ESP-Miner BM1397_init order: 0x80, 0x84, 0x20, 0x3C, ticket mask 0x14, 0x68, 0x28,
    # then misc control 0x18 (default baud). All broadcast.
    init_after_addressing=(
        (0x80, 0x00000000),  # clock order control 0
        (0x84, 0x00000000),  # clock order control 1
        (0x20, 0x00000001),  # ordered clock enable
        (0x3C, 0x80008074),  # core register control
    ),
    init_per_chip=(),
    init_after_ticket_mask=(
        (0x68, 0xC0700111),  # PLL3 parameter
        (0x28, 0x0600000F),  # fast UART configuration
        (0x18, MISC_CONTROL_DEFAULT_BAUD),  # misc control: default baud (set_default_baud)
    ),
    hash_counter_register=0x04,
    polled_registers=(0x04, 0x4C),
)
