"""`DacRail`: the core rail of a fixed buck converter trimmed by a DS4432U current DAC
(Bitaxe Ultra, Max), with an INA260 on the board's input for telemetry; a `CoreRail`.

The DAC has no read-back of the output: `set_voltage_mv` writes the code and returns
the voltage the board's feedback network gives for it (`DacTrim.mv_for_code`), after
reading the code back to check the part took it. `read()` reports the INA260's input
voltage, current and power and `None` for Vout, Iout and the regulator temperature,
which this board cannot measure. `disable()` puts the DAC at its lowest output (the
converter itself has no off command here; the board's enable line cuts it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from firmware.parts.calls import DEFAULT_CALL_TIMEOUT_S, bounded
from firmware.parts.ds4432u import Ds4432u
from firmware.parts.ina260 import Ina260
from firmware.work.rail import PowerReadings, RailFault

T = TypeVar("T")
NOT_ANSWERING = "vr_not_answering"


class DacRail:
    def __init__(
        self,
        dac: Ds4432u,
        *,
        vout_min_mv: float,
        vout_max_mv: float,
        meter: Ina260 | None = None,
        meter_vin_min_v: float | None = None,
        call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S,
    ) -> None:
        self.dac = dac
        self.meter = meter
        self.vout_min_mv = vout_min_mv
        self.vout_max_mv = vout_max_mv
        self.meter_vin_min_v = meter_vin_min_v
        self.call_timeout_s = call_timeout_s
        self._faults: dict[str, str] = {}

    async def _io(self, call: Callable[[], T], what: str, code: str = NOT_ANSWERING) -> T:
        try:
            result = await bounded(call, what=what, timeout_s=self.call_timeout_s, code=code)
        except RailFault as exc:
            self._faults[exc.code] = str(exc)
            raise
        self._faults.pop(code, None)
        return result

    async def set_voltage_mv(self, mv: int) -> float:
        if not self.vout_min_mv <= mv <= self.vout_max_mv:
            raise RailFault(
                "vr_setpoint_refused",
                f"{mv} mV is outside the board's {self.vout_min_mv:g}..{self.vout_max_mv:g} mV",
            )
        code = self.dac.trim.code_for_mv(mv)
        await self._io(lambda: self.dac.write_code(code), f"setting the DAC for {mv} mV")
        readback = await self._io(self.dac.read_code, "reading the DAC code back")
        if readback != code:
            text = f"DAC code read back 0x{readback:02x}, written 0x{code:02x}"
            self._faults["vr_impossible_reading"] = text
            raise RailFault("vr_impossible_reading", text)
        return self.dac.trim.mv_for_code(code)

    async def disable(self) -> None:
        """DAC to its lowest output. Never raises; a DAC that does not answer is recorded."""
        try:
            await self._io(self.dac.minimum, "setting the DAC to its minimum")
        except RailFault:
            return

    async def read(self) -> PowerReadings:
        if self.meter is None:
            return PowerReadings()
        meter = self.meter
        reading = await self._io(meter.read, "reading the power meter", "meter_not_answering")
        self._faults.pop("vr_input_undervoltage", None)
        if self.meter_vin_min_v is not None and reading.bus_v < self.meter_vin_min_v:
            self._faults["vr_input_undervoltage"] = (
                f"the supply reads {reading.bus_v:.2f} V at the board's input (below "
                f"{self.meter_vin_min_v:g} V): the supply sags under this load, use a "
                "stronger one or ask for less power"
            )
        return PowerReadings(
            input_v=reading.bus_v, input_a=reading.current_a, power_w=reading.power_w
        )

    def faults(self) -> tuple[str, ...]:
        return tuple(sorted(self._faults))

    def fault_messages(self) -> dict[str, str]:
        return dict(self._faults)
