"""RateMeter with a hand-driven clock."""

from __future__ import annotations

import pytest

from firmware.cpuminer.rate_meter import RateMeter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_over_the_window() -> None:
    clock = Clock()
    meter = RateMeter(clock, window_s=10.0)
    assert meter.rate() == 0.0
    for _ in range(5):
        clock.now += 1.0
        meter.add(1000)
    assert meter.rate() == pytest.approx(1000.0)  # 5000 hashes in 5 s since the start
    clock.now += 20.0
    assert meter.rate() == 0.0  # everything fell out of the window
    meter.add(500)
    assert meter.rate() == pytest.approx(50.0)


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window_s"):
        RateMeter(Clock(), window_s=0)
