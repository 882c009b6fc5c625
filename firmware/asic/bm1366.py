"""BM1366 (Antminer S19 XP, Bitaxe Ultra). Values from ESP-Miner components/asic/bm1366.c
and docs/bm13xx.md ("The protocol")."""

from __future__ import annotations

from firmware.asic.family import ChipFamily, pll_value_bm1366
from firmware.asic.job_payloads import full_header_payload


def decode_job_byte(b7: int) -> tuple[int, int]:
    """job id = b7 & 0xF8, small core = b7 & 0x07."""
    return b7 & 0xF8, b7 & 0x07


BM1366 = ChipFamily(
    name="BM1366",
    chip_id=0x1366,
    response_length=11,
    core_count=112,
    small_core_count=894,
    job_id_step=8,
    job_id_modulo=128,
    decode_job_byte=decode_job_byte,
    encode_job=full_header_payload,
    rolls_version_in_chip=True,
    fb_div_range=(144, 235),
    pll_register_value=pll_value_bm1366,
    pll_prelude=(),
    default_baud=115200,
    fast_baud=1_000_000,
    fast_baud_write=(0x28, 0x11300200),  # fast UART configuration
    default_baud_write=(0x18, 0x00007A31),  # misc control, BT8D 26
    init_before_addressing=(
        (0xA8, 0x00070000),  # soft reset control
        (0x18, 0xFF0FC100),  # misc control
    ),
    init_after_addressing=(
        (0x3C, 0x80008540),  # core register control
        (0x3C, 0x80008020),
        (0x54, 0x00000003),  # analog mux
        (0x58, 0x02111111),  # IO driver strength
    ),
    init_per_chip=(
        (0xA8, 0x000701F0),  # per-chip soft reset
        (0x18, 0xF000C100),
        (0x3C, 0x80008540),
        (0x3C, 0x80008020),
        (0x3C, 0x800082AA),
    ),
    hash_counter_register=0x8C,
    polled_registers=(0x8C, 0x88, 0x89, 0x8A, 0x8B, 0x4C),
)
