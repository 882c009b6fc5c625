"""Every chip family the driver knows, by model name."""

from __future__ import annotations

from firmware.asic.bm1366 import BM1366
from firmware.asic.bm1368 import BM1368
from firmware.asic.bm1370 import BM1370
from firmware.asic.bm1397 import BM1397
from firmware.asic.family import ChipFamily

FAMILIES: dict[str, ChipFamily] = {f.name: f for f in (BM1366, BM1368, BM1370, BM1397)}
FAMILIES_BY_CHIP_ID: dict[int, ChipFamily] = {f.chip_id: f for f in FAMILIES.values()}


def family_for(model: str) -> ChipFamily:
    try:
        return FAMILIES[model]
    except KeyError:
        raise ValueError(f"unknown chip model {model!r}; known: {', '.join(FAMILIES)}") from None
