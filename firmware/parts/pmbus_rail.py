"""`PmbusRail`: the core rail on a PMBus regulator (TPS546D24A), a `CoreRail`.

`set_voltage_mv` writes VOUT_COMMAND (the chips' mV × the board's series voltage
domains, within VOUT_MIN..VOUT_MAX), turns OPERATION on and polls READ_VOUT and the
status until the output is within the board's tolerance, or fails with the alarm the
status names, or with vr_undervoltage/vr_overvoltage after `settle_timeout_s`. Readings
are per chip: `vout_mv` is READ_VOUT ÷ domains. `power_w` is the input power where the
board has a meter (INA260), None otherwise; `core_w` is the core rail's measured
Vout × Iout, which leaves out the board's own draw (controller, fan).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from firmware.parts.calls import DEFAULT_CALL_TIMEOUT_S, bounded
from firmware.parts.ina260 import Ina260, Ina260Reading
from firmware.parts.tps546 import Tps546, Tps546Limits, Tps546Status, Tps546Telemetry
from firmware.work.rail import PowerReadings, RailFault

T = TypeVar("T")
NOT_ANSWERING = "vr_not_answering"


@dataclass(frozen=True)
class _Poll:
    status: Tps546Status
    telemetry: Tps546Telemetry
    meter: Ina260Reading | None


class PmbusRail:
    def __init__(
        self,
        regulator: Tps546,
        limits: Tps546Limits,
        *,
        meter: Ina260 | None = None,
        meter_vin_min_v: float | None = None,
        settle_timeout_s: float = 1.0,
        poll_interval_s: float = 0.02,
        call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.regulator = regulator
        self.limits = limits
        self.meter = meter
        self.meter_vin_min_v = meter_vin_min_v
        self.settle_timeout_s = settle_timeout_s
        self.poll_interval_s = poll_interval_s
        self.call_timeout_s = call_timeout_s
        self._clock = clock
        self._configured = False
        self._output_on = False
        self._settled = False
        self._faults: dict[str, str] = {}

    # -- helpers -------------------------------------------------------------------

    async def _io(self, call: Callable[[], T], what: str) -> T:
        try:
            result = await bounded(
                call, what=what, timeout_s=self.call_timeout_s, code=NOT_ANSWERING
            )
        except RailFault as exc:
            if exc.code == NOT_ANSWERING:
                self._configured = False  # a part that comes back is set up again
            self._faults[exc.code] = str(exc)
            raise
        self._faults.pop(NOT_ANSWERING, None)
        return result

    def _poll_once(self) -> _Poll:
        status = self.regulator.status()
        telemetry = self.regulator.telemetry()
        reading = self.meter.read() if self.meter is not None else None
        return _Poll(status, telemetry, reading)

    def _messages(self, poll: _Poll, *, with_pgood: bool) -> dict[str, str]:
        found: dict[str, str] = {}
        t = poll.telemetry
        for register, name, code in poll.status.bits():
            if code is None or (code == "vr_pgood_low" and not with_pgood):
                continue
            if code == "vr_input_undervoltage":
                text = (
                    f"the supply reads {t.vin_v:.2f} V at the regulator's input ({name}; "
                    f"warning below {self.limits.vin_uv_warn_v:g} V, off below "
                    f"{self.limits.vin_off_v:g} V): the supply sags under this load, use "
                    "a stronger one or ask for less power"
                )
            elif code == "vr_overcurrent":
                text = (
                    f"{name}: {t.iout_a:.1f} A out (warning {self.limits.iout_oc_warn_a:g} A, "
                    f"fault {self.limits.iout_oc_fault_a:g} A)"
                )
            elif code == "vr_overtemp":
                text = (
                    f"{name}: regulator at {t.temperature_c:.0f} °C (warning "
                    f"{self.limits.ot_warn_c:g} °C, fault {self.limits.ot_fault_c:g} °C)"
                )
            elif code == "vr_pgood_low":
                text = f"{name} with the output on; READ_VOUT {t.vout_v * 1000:.0f} mV"
            else:
                text = f"{name} (STATUS_{register.upper()}); READ_VOUT {t.vout_v * 1000:.0f} mV"
            found.setdefault(code, text)
        if (
            poll.meter is not None
            and self.meter_vin_min_v is not None
            and poll.meter.bus_v < self.meter_vin_min_v
        ):
            found.setdefault(
                "vr_input_undervoltage",
                f"the supply reads {poll.meter.bus_v:.2f} V at the board's input (below "
                f"{self.meter_vin_min_v:g} V): the supply sags under this load",
            )
        return found

    def _record(self, found: dict[str, str]) -> None:
        kept = {code: text for code, text in self._faults.items() if code == NOT_ANSWERING}
        self._faults = {**kept, **found}

    def _configure(self) -> None:
        self.regulator.configure(self.limits)

    # -- CoreRail ------------------------------------------------------------------

    async def set_voltage_mv(self, mv: int) -> float:
        domains = self.limits.domains
        out_mv = mv * domains
        if not self.limits.vout_min_mv <= out_mv <= self.limits.vout_max_mv:
            raise RailFault(
                "vr_setpoint_refused",
                f"{mv} mV per chip × {domains} domain(s) = {out_mv} mV is outside VOUT_MIN.."
                f"VOUT_MAX {self.limits.vout_min_mv:g}..{self.limits.vout_max_mv:g} mV",
            )
        if not self._configured:
            await self._io(self._configure, "configuring the regulator")
            self._configured = True
            self._output_on = False

        def command() -> None:
            self.regulator.set_vout_mv(out_mv)
            if not self._output_on:
                self.regulator.clear_faults()
                self.regulator.set_output(True)

        await self._io(command, f"setting VOUT_COMMAND {out_mv} mV")
        self._output_on = True
        self._settled = False
        tolerance = out_mv * self.limits.tolerance_pct / 100.0
        deadline = self._clock() + self.settle_timeout_s
        while True:
            poll = await self._io(self._poll_once, "reading the regulator")
            found = self._messages(poll, with_pgood=False)
            self._record(found)
            if found:
                code = sorted(found)[0]
                raise RailFault(code, found[code])
            vout_mv = poll.telemetry.vout_v * 1000.0
            if abs(vout_mv - out_mv) <= tolerance:
                self._settled = True
                return vout_mv / domains
            if self._clock() >= deadline:
                code = "vr_undervoltage" if vout_mv < out_mv else "vr_overvoltage"
                text = (
                    f"READ_VOUT {vout_mv:.0f} mV is not within ±{self.limits.tolerance_pct:g} % "
                    f"of {out_mv} mV after {self.settle_timeout_s:g} s"
                )
                self._faults[code] = text
                raise RailFault(code, text)
            await asyncio.sleep(self.poll_interval_s)

    async def disable(self) -> None:
        """OPERATION off, then CLEAR_FAULTS and one status read, so that `faults()` shows
        what is still wrong with the output off (a latched over-current clears; a hot
        regulator or a low input latches again at once). Never raises: a regulator that
        does not answer is recorded as vr_not_answering (the caller cuts power another
        way)."""
        self._settled = False

        def off() -> _Poll:
            self.regulator.set_output(False)
            self.regulator.clear_faults()
            return self._poll_once()

        try:
            poll = await self._io(off, "turning the output off")
        except RailFault:
            return
        self._output_on = False
        self._record(self._messages(poll, with_pgood=False))

    async def read(self) -> PowerReadings:
        poll = await self._io(self._poll_once, "reading the regulator")
        self._record(self._messages(poll, with_pgood=self._output_on and self._settled))
        t = poll.telemetry
        domains = self.limits.domains
        if poll.meter is not None:
            return PowerReadings(
                input_v=poll.meter.bus_v,
                input_a=poll.meter.current_a,
                power_w=poll.meter.power_w,
                core_w=t.vout_v * t.iout_a,
                vout_mv=t.vout_v * 1000.0 / domains,
                iout_a=t.iout_a,
                vr_temp_c=t.temperature_c,
            )
        return PowerReadings(
            input_v=t.vin_v,
            core_w=t.vout_v * t.iout_a,
            vout_mv=t.vout_v * 1000.0 / domains,
            iout_a=t.iout_a,
            vr_temp_c=t.temperature_c,
        )

    def faults(self) -> tuple[str, ...]:
        return tuple(sorted(self._faults))

    def fault_messages(self) -> dict[str, str]:
        """code -> a sentence naming what was read (for logs and the alarm text)."""
        return dict(self._faults)

    async def clear_faults(self) -> None:
        """CLEAR_FAULTS on the part and forget the recorded faults (after the cause is gone)."""
        await self._io(self.regulator.clear_faults, "clearing faults")
        self._faults.clear()
