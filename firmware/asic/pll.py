"""PLL0 settings for a target hash clock (register 0x08), per docs/bm13xx.md ("Frequency").

f = 25 MHz × fb_div / (refdiv × postdiv1 × postdiv2). Search refdiv ∈ {2, 1}, postdiv1
7..1, postdiv2 7..1 with postdiv1 > postdiv2, fb_div within the chip's range; prefer the
closest frequency, then the lowest VCO (25 × fb_div / refdiv), then the smallest
postdiv product.
"""

from __future__ import annotations

from dataclasses import dataclass

REFERENCE_MHZ = 25.0
VCO_HIGH_BAND_MHZ = 2400.0  # BM1366+: vdo_scale 0x50 at or above this VCO, else 0x40


@dataclass(frozen=True)
class PllSetting:
    fb_div: int
    refdiv: int
    postdiv1: int
    postdiv2: int

    @property
    def frequency_mhz(self) -> float:
        return REFERENCE_MHZ * self.fb_div / (self.refdiv * self.postdiv1 * self.postdiv2)

    @property
    def vco_mhz(self) -> float:
        return REFERENCE_MHZ * self.fb_div / self.refdiv


def pll_setting(target_mhz: float, fb_range: tuple[int, int]) -> PllSetting:
    if target_mhz <= 0:
        raise ValueError(f"frequency must be positive, got {target_mhz!r}")
    low, high = fb_range
    best: tuple[float, float, int] | None = None
    chosen: PllSetting | None = None
    for refdiv in (2, 1):
        for postdiv1 in range(7, 0, -1):
            for postdiv2 in range(7, 0, -1):
                if not postdiv1 > postdiv2:
                    continue
                divide = refdiv * postdiv1 * postdiv2
                fb = min(high, max(low, round(target_mhz * divide / REFERENCE_MHZ)))
                setting = PllSetting(fb, refdiv, postdiv1, postdiv2)
                key = (
                    round(abs(setting.frequency_mhz - target_mhz), 9),
                    setting.vco_mhz,
                    postdiv1 * postdiv2,
                )
                if best is None or key < best:
                    best, chosen = key, setting
    assert chosen is not None  # the loops always run
    return chosen
