"""BM1368 (Antminer S21, Bitaxe Supra). Values from ESP-Miner components/asic/bm1368.c
and docs/bm13xx.md ("The protocol")."""

from __future__ import annotations

from firmware.asic.family import ChipFamily, pll_value_bm1366
from firmware.asic.job_payloads import full_header_payload


def decode_job_byte(b7: int) -> tuple[int, int]:
    """job id = (b7 & 0xF0) >> 1, small core = b7 & 0x0F."""
    return (b7 & 0xF0) >> 1, b7 & 0x0F


BM1368 = ChipFamily(
    name="BM1368",
    chip_id=0x1368,
    response_length=11,
    core_count=80,
    small_core_count=1276,
    job_id_step=24,
    job_id_modulo=128,
    decode_job_byte=decode_job_byte,
    encode_job=full_header_payload,
    rolls_version_in_chip=True,
    fb_div_range=(144, 235),
    pll_register_value=pll_value_bm1366,
    pll_prelude=(),
    default_baud=115200,
    fast_baud=1_000_000,
    fast_baud_write=(0x28, 0x11300200),
    default_baud_write=(0x18, 0x00007A31),
    init_before_addressing=(
        (0xA8, 0x00070000),
        (0x18, 0xFF0FC100),
        (0x3C, 0x80008B00),
        (0x3C, 0x80008018),
        (0x54, 0x00000003),  # analog mux
        (0x58, 0x02111111),  # IO driver strength
    ),
    init_after_addressing=(),
    init_per_chip=(
        (0xA8, 0x000701F0),
        (0x18, 0xF000C100),
        (0x3C, 0x80008B00),
        (0x3C, 0x80008018),
        (0x3C, 0x800082AA),
    ),
    hash_counter_register=0x8C,
    polled_registers=(0x8C, 0x88, 0x89, 0x8A, 0x8B, 0x4C),
)
