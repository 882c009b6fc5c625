"""A 4-wire PWM fan as the tachometer sees it: speed proportional to duty above the start
duty, two pulses per revolution (Intel 4-wire fan specification rev 1.3), no pulses when
stalled."""

from __future__ import annotations

from dataclasses import dataclass

TACH_PULSES_PER_REV = 2


@dataclass
class FanModel:
    max_rpm: float = 3000.0
    start_duty: float = 0.1  # below this fraction of full duty the rotor does not turn
    stalled: bool = False

    def rpm(self, duty: float) -> float:
        if self.stalled or duty < self.start_duty:
            return 0.0
        return self.max_rpm * min(duty, 1.0)

    def tach_hz(self, duty: float) -> float:
        return self.rpm(duty) * TACH_PULSES_PER_REV / 60.0
