"""One honest fake heater for the bridge, HTTP API and app tests.

It is built from the heater's real rules, not a copy of them: settings change only
through `firmware.heat.apply_update` (so a bad command is refused with the daemon's own
message and changes nothing), a real `HeatController` decides the watts from the room,
the settings and any demand signal, and the state is the daemon's `compose_state`. What
it fakes is only the hardware: the chain draws exactly what was decided, at a fixed
efficiency, and the supervisor reads `room_c`, `chip_temp_c` and `fan_rpm` as set.

Time is injected (`clock`: monotonic seconds; `local_time`: the wall clock the schedule
reads), so a test decides when "now" is; by default it stands still, so the state changes
only when an input does. Every input re-decides at once, as the daemon's
control loop does before it publishes, so the first state after a command reflects it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping

from firmware.daemon.state import Readings, compose_state
from firmware.grid.prices import PriceTable
from firmware.heat import DemandSignal, HeatController, HeatSettings, SettingsLimits, apply_update
from firmware.work import PowerReadings

MAX_POWER_W = 502.1  # a board maximum that is not a round number
MIN_POWER_W = 120.0
IDLE_W = 3.0  # the board's draw with no chip hashing
J_PER_TH = 15.6
FIRMWARE = "0.1.0-test"


def monday_noon() -> datetime.datetime:
    return datetime.datetime(2026, 1, 5, 12, 0)


def standing_clock() -> float:
    return 1000.0


class FakeHeater:
    __test__ = False  # not a pytest class

    def __init__(
        self,
        settings: HeatSettings | None = None,
        *,
        room_c: float | None = 18.5,
        max_power_w: float = MAX_POWER_W,
        min_power_w: float = MIN_POWER_W,
        clock: Callable[[], float] = standing_clock,
        local_time: Callable[[], datetime.datetime] = monday_noon,
    ) -> None:
        self.limits = SettingsLimits(max_power_w=max_power_w)
        self.heat_settings = settings or HeatSettings()
        self.controller = HeatController(self.heat_settings, min_power_w, max_power_w)
        self.clock, self.local_time = clock, local_time
        self.started_at = clock()
        self.chip_temp_c: float | None = 55.0
        self.fan_rpm: int | None = 2400
        self.measured: PowerReadings | None = None  # what the board's parts measure
        self.paused = False
        self.applied: list[dict[str, object]] = []  # every accepted command, as sent
        self.demands: list[DemandSignal] = []
        self.price_tables: list[PriceTable | None] = []  # every accepted `prices` table
        self._room_c = room_c
        self.decide()

    # --- inputs -------------------------------------------------------------------------
    def apply_set(self, changes: Mapping[str, object]) -> None:
        """The bridge's `apply_set`: all or nothing, ValueError naming what is wrong."""
        self.heat_settings = apply_update(self.heat_settings, changes, self.limits)
        self.controller.update_settings(self.heat_settings)
        self.applied.append(dict(changes))
        self.decide()

    async def apply_settings(self, changes: Mapping[str, object]) -> None:
        """The HTTP facade's face of `apply_set`."""
        self.apply_set(changes)

    def on_demand(self, signal: DemandSignal) -> None:
        self.controller.demand_response(self.clock(), signal)
        self.demands.append(signal)
        self.decide()

    def on_prices(self, table: PriceTable | None) -> None:
        """The bridge's `on_prices`, as the daemon's service: the table's schedule."""
        self.controller.set_prices(None if table is None else table.schedule())
        self.price_tables.append(table)
        self.decide()

    @property
    def room_c(self) -> float | None:
        return self._room_c

    @room_c.setter
    def room_c(self, value: float | None) -> None:
        self._room_c = value
        self.decide()

    def decide(self) -> None:
        """One control tick: what the controller wants is what the chain now draws."""
        if self._room_c is None:  # no room sensor: no thermostat, no heat
            self.watts, self.target_c = 0.0, None
            return
        decision = self.controller.tick(self.clock(), self.local_time(), self._room_c)
        self.watts, self.target_c = decision.watts, decision.target_c

    # --- outputs ------------------------------------------------------------------------
    def settings(self) -> dict[str, object]:
        return self.heat_settings.to_dict()

    def readings(self) -> Readings:
        s = self.heat_settings
        hashing = self.watts > 0 and not self.paused
        alarms = () if self._room_c is not None else ("no_room_sensor",)
        return Readings(
            mode=s.mode,
            preset=s.preset,
            target_c=self.target_c if self.target_c is not None else s.target_c,
            power_limit_w=s.power_limit_w,
            room_c=self._room_c,
            chip_temp_c=self.chip_temp_c,
            fan_rpm=self.fan_rpm,
            demand_w=self.watts,
            power_w=self.watts if hashing else IDLE_W,
            hashrate_ghs=self.watts / J_PER_TH * 1000.0 if hashing else 0.0,
            paused=self.paused,
            fault=False,
            pool=None,
            energy_kwh=1.25,
            uptime_s=self.clock() - self.started_at,
            alarms=alarms,
            firmware=FIRMWARE,
            backend="fake",
            schedule=s.schedule.to_dict(),
            prices=self.controller.prices_summary(self.local_time()),
            measured=self.measured,
        )

    def state(self) -> dict[str, object]:
        return compose_state(self.readings())
