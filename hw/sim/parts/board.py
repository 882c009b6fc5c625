"""A simulated hashboard's parts on one I2C bus, built from a board profile's `[parts]`
tables (which parts, at which addresses, the feedback resistors), with the physics
that joins them:

- the core rail: a TPS546D24A whose output follows VOUT_COMMAND and OPERATION with a
  slew, or a TPS40305 trimmed by a DS4432U; the chips' voltage is the rail ÷ the
  board's series voltage domains;
- load: the chips' power (`core_power_w`, from the chain simulator at the voltage the
  rail really outputs) drawn from the rail, so Iout = P / Vout;
- input: a supply of `supply_v` behind `supply_ohm` (a marginal supply sags under
  load: Vin = (V + √(V² − 4RP)) / 2; beyond its reach it collapses to V/2); the
  INA260, where the board has one, measures that input;
- temperatures: first-order lags (`tau_s`) toward ambient + θ × the heat: the
  regulator from its conversion losses, the chip (EMC2101's external diode) from its
  power, the board sensors (TMP1075) from the input power.

`bus` is the SMBus-shaped object (serve it with hw/sim/i2c for hearthd); `attach(chain)`
makes a `ChainSimulator` take its core voltage from the rail and feeds its power back.
Faults: `part(name)` gives each simulated part (inject status bits, stop answering,
force readings); `supply_v`/`supply_ohm` may change at any time.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from firmware.board import BoardProfile
from hw.sim.parts.bus import SimBus
from hw.sim.parts.ds4432u import SimDs4432u
from hw.sim.parts.emc2101 import SimEmc2101
from hw.sim.parts.ina260 import SimIna260
from hw.sim.parts.part import SimPart
from hw.sim.parts.tmp1075 import SimTmp1075
from hw.sim.parts.tps546 import SimTps546
from hw.sim.parts.tps40305 import SimTps40305

EFFICIENCY = 0.90  # buck conversion efficiency (assumption)
AUX_W = 1.0  # controller and sensors on the measured input (assumption)
VR_THETA_C_PER_W = 8.0  # regulator rise per watt of loss, per phase (assumption)
CHIP_THETA_C_PER_W = 2.5  # chip rise per watt, Bitaxe heatsink (assumption)
BOARD_THETA_C_PER_W = 0.05  # board sensors per input watt (assumption)


def _lag(value: float, target: float, dt: float, tau_s: float) -> float:
    return target + (value - target) * math.exp(-dt / tau_s)


class SimBoard:
    def __init__(
        self,
        profile: BoardProfile,
        *,
        supply_v: float | None = None,
        supply_ohm: float = 0.0,
        core_power_w: Callable[[], float] = lambda: 0.0,
        ambient_c: float = 25.0,
        tau_s: float = 20.0,
        slew_v_per_s: float = 1000.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.profile = profile
        self._clock = clock
        self.core_power_w = core_power_w
        self.ambient_c = ambient_c
        self.tau_s = tau_s
        self.supply_ohm = supply_ohm
        self.parts: dict[str, SimPart] = {}
        self.regulator: SimTps546 | None = None
        self.dac: SimDs4432u | None = None
        self.trimmed: SimTps40305 | None = None
        self.meter: SimIna260 | None = None
        self.fan: SimEmc2101 | None = None
        self.sensors: list[SimTmp1075] = []
        self.domains = 1
        self.phases = 1
        self._dac_channel = 0
        for spec in profile.parts:
            self.parts[spec.name] = self._make(spec, slew_v_per_s)
        if supply_v is None:  # the nominal supply the board file's VIN_ON implies
            vin_on = max((spec.limits.get("vin_on_v", 0.0) for spec in profile.parts), default=0)
            supply_v = 12.0 if vin_on > 6.0 else 5.0
        self.supply_v = supply_v
        self.vin_v = supply_v
        self.input_w = 0.0
        self.chip_c = ambient_c
        self.vr_c = ambient_c
        self.board_c = ambient_c
        self._last = clock()
        self._lock = threading.Lock()
        self.bus = SimBus(list(self.parts.values()), before=self.step)

    def _make(self, spec: Any, slew_v_per_s: float) -> SimPart:
        limits = spec.limits
        if spec.part == "TPS546D24A":
            self.regulator = SimTps546(spec.address, slew_v_per_s=slew_v_per_s, clock=self._clock)
            self.domains = int(limits.get("domains", 1))
            self.phases = int(limits.get("phases", 1))
            return self.regulator
        if spec.part == "DS4432U":
            self._dac_channel = int(limits["channel"])
            rfs = (limits["rfs_ohm"], limits["rfs_ohm"])
            self.dac = SimDs4432u(spec.address, rfs_ohm=rfs)
            self.trimmed = SimTps40305(
                ra_ohm=limits["ra_ohm"],
                rb_ohm=limits["rb_ohm"],
                vfb_v=limits["vfb_mv"] / 1000.0,
                slew_v_per_s=slew_v_per_s,
                clock=self._clock,
            )
            return self.dac
        if spec.part == "INA260":
            self.meter = SimIna260(spec.address)
            return self.meter
        if spec.part == "EMC2101":
            self.fan = SimEmc2101(spec.address)
            return self.fan
        if spec.part == "TMP1075":
            sensor = SimTmp1075(spec.address)
            self.sensors.append(sensor)
            return sensor
        raise ValueError(f"no simulator for part {spec.part!r}")

    def part(self, name: str) -> Any:
        """The simulated part of the board file's `[parts.<name>]` (for fault injection)."""
        return self.parts[name]

    # -- what the chain simulator reads (any thread, no lock) -------------------------

    def rail_v(self) -> float:
        if self.regulator is not None:
            return self.regulator.vout_v()
        if self.trimmed is not None:
            return self.trimmed.vout_v()
        return 0.0

    def vcore_mv(self) -> float:
        """The chips' core voltage now (mV per chip)."""
        return self.rail_v() * 1000.0 / self.domains

    def attach(self, chain: Any) -> None:
        """Make `chain` (a ChainSimulator) take its core voltage from this board's rail
        and load the rail with the chips' power."""
        overhead = self.profile.power.overhead_w

        def chips_w() -> float:
            return max(0.0, chain.power_w - overhead) if chain.hashing_chips else 0.0

        self.core_power_w = chips_w
        chain.take_vcore_from(self.vcore_mv)

    # -- physics ----------------------------------------------------------------------

    def _input_v(self, watts: float) -> float:
        v, r = self.supply_v, self.supply_ohm
        if r <= 0 or watts <= 0:
            return v
        disc = v * v - 4 * r * watts
        return (v + math.sqrt(disc)) / 2 if disc >= 0 else v / 2

    def step(self) -> None:
        """Advance the physics to now (the bus calls it before every transaction)."""
        core_w = self.core_power_w()  # outside the lock: the chain takes its own
        with self._lock:
            now = self._clock()
            dt = max(0.0, now - self._last)
            self._last = now
            rail = self.rail_v()
            iout = core_w / rail if rail > 0.05 else 0.0
            self.input_w = (core_w / EFFICIENCY if rail > 0.05 else 0.0) + AUX_W
            self.vin_v = self._input_v(self.input_w)
            loss = core_w * (1 / EFFICIENCY - 1)
            self.vr_c = _lag(
                self.vr_c, self.ambient_c + VR_THETA_C_PER_W / self.phases * loss, dt, self.tau_s
            )
            chip_target = self.ambient_c + CHIP_THETA_C_PER_W * core_w
            self.chip_c = _lag(self.chip_c, chip_target, dt, self.tau_s)
            board_target = self.ambient_c + BOARD_THETA_C_PER_W * self.input_w
            self.board_c = _lag(self.board_c, board_target, dt, self.tau_s)
            if self.regulator is not None:
                self.regulator.vin_v = self.vin_v
                self.regulator.load_a = iout
                self.regulator.temperature_c = self.vr_c
                self.regulator.step()
            if self.trimmed is not None and self.dac is not None:
                self.trimmed.follow(self.dac.current_a(self._dac_channel))
            if self.meter is not None:
                self.meter.bus_v = self.vin_v
                self.meter.current_a = self.input_w / self.vin_v if self.vin_v > 0 else 0.0
            if self.fan is not None:
                self.fan.external_c = self.chip_c
                self.fan.internal_c = self.board_c
            for sensor in self.sensors:
                sensor.temperature_c = self.board_c
