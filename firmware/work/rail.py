"""The board's power path as the ASIC backend and the daemon see it: the core-voltage
rail (a PMBus regulator such as the TPS546D24A, or a DAC trimming a fixed regulator such
as DS4432U + TPS40305), the power meter (the regulator's own telemetry or an INA260) and
their faults. Concrete parts live in `firmware/parts/`; a board with none of them has no
`CoreRail` and reports `None` readings, never made-up numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class RailFault(RuntimeError):
    """The rail could not be set or read (a status bit, a part that stopped answering,
    a read-back outside tolerance). `code` is the alarm the daemon raises for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PowerReadings:
    """One set of measurements; each field is None where the board has no part for it."""

    input_v: float | None = None  # supply voltage at the board's input
    input_a: float | None = None
    power_w: float | None = None  # input power as measured at the board's input (a meter)
    # The core rail's output power (READ_VOUT × READ_IOUT): the chips' draw alone, without
    # the board's own (fans, controller, regulator losses). A board whose only meter is
    # its regulator has this and no `power_w`; `wall_w` adds the board's modelled rest.
    core_w: float | None = None
    vout_mv: float | None = None  # core voltage read back from the regulator
    iout_a: float | None = None  # core current
    vr_temp_c: float | None = None  # regulator temperature


    def wall_w(self, rest_w: float) -> float | None:
        """The board's input power: the meter's where it has one, else the core rail's
        output plus `rest_w` (the board's draw beside the chips, from its power model);
        None with no measurement at all."""
        if self.power_w is not None:
            return self.power_w
        if self.core_w is not None:
            return self.core_w + rest_w
        return None


class CoreRail(Protocol):
    """Vcore and the board's power telemetry. Every call is bounded in time (I2C reads
    have timeouts); a failure raises `RailFault`, it never returns an invented value."""

    async def set_voltage_mv(self, mv: int) -> float:
        """Set Vcore, wait until READ_VOUT is within tolerance, return the read-back mV."""
        ...

    async def disable(self) -> None:
        """Cut Vcore (regulator output off). Safe to call at any time, repeatedly."""
        ...

    async def read(self) -> PowerReadings:
        """The latest measurements."""
        ...

    def faults(self) -> tuple[str, ...]:
        """Alarm codes of faults present now (e.g. `vr_overcurrent`), empty when fine."""
        ...
