"""The BM13xx ASIC chain: frame codec, chip-family tables, chain driver and the
`AsicBackend` that puts it behind `firmware.work.HashBackend`."""

from firmware.asic.backend import AsicBackend
from firmware.asic.chain import ChainDriver
from firmware.asic.detect import CpuFallback, detect_backend, probe_chain
from firmware.asic.errors import ChainCountError, ChainError, ChainModelError
from firmware.asic.families import FAMILIES, family_for
from firmware.asic.family import ChipFamily

__all__ = [
    "FAMILIES",
    "AsicBackend",
    "ChainCountError",
    "ChainDriver",
    "ChainError",
    "ChainModelError",
    "ChipFamily",
    "CpuFallback",
    "detect_backend",
    "family_for",
    "probe_chain",
]
