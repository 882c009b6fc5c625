"""What the control loop accepts: every input that changes the heater's state is one of
these, queued to `ControlLoop.send` and applied in order by the loop alone."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.heat import Cap, DemandSignal, HeatSettings, PriceSchedule


@dataclass(frozen=True)
class ChangeSettings:
    """New owner settings, already validated (`apply_update`) and saved."""

    settings: HeatSettings


@dataclass(frozen=True)
class Demand:
    """A demand-response signal (MQTT `demand`)."""

    signal: DemandSignal


@dataclass(frozen=True)
class SetPaused:
    """HTTP pause / resume: no heat and no hashing while paused."""

    paused: bool


@dataclass(frozen=True)
class SetPrices:
    """A known price schedule for tariff shifting; None drops it."""

    prices: PriceSchedule | None


@dataclass(frozen=True)
class CapCommand:
    """Post `source`'s power cap (firmware.heat.caps; the OpenADR VEN), or lift it
    with `cap=None`. `cap.until_s` is on the control clock: `ControlLoop.control_at`
    turns unix seconds into it."""

    source: str
    cap: Cap | None

    def __post_init__(self) -> None:
        if self.cap is not None and self.cap.source != self.source:
            raise ValueError(f"cap command: source {self.source!r} posts a {self.cap.source!r} cap")


@dataclass(frozen=True)
class GridReading:
    """A grid meter reading (`[grid_meter]`), watts, import positive."""

    grid_w: float


@dataclass(frozen=True)
class Refresh:
    """Publish a new snapshot without a new decision (the hostname or pool list changed,
    an alarm was raised elsewhere, the chain finished moving)."""


Command = ChangeSettings | Demand | SetPaused | SetPrices | CapCommand | GridReading | Refresh
