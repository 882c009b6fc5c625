"""The room's thermal network, integrated with explicit Euler in sub-steps short enough
to be stable (dt < capacity / total conductance of the fastest node).

    C_air · dT_air/dt  = q_heater + s·q_sun − G_as(T_air − T_s) − G_ao(T_air − T_out)
                         − G_aa(T_air − T_adj)
    C_s   · dT_s/dt    = (1 − s)·q_sun + G_as(T_air − T_s) − G_so(T_s − T_out)
    τ_h   · dq_heater/dt = P_electrical − q_heater          (heat-sink lag)

Every electrical watt ends up as heat in the room; the lag only delays it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hw.sim.room.params import RoomParams
from hw.sim.room.sensor import Sensor, SensorParams

SUN_TO_AIR = 0.3  # share of solar gain that warms the air directly; the rest hits the floor
_STABILITY_MARGIN = 0.5


@dataclass(frozen=True)
class RoomState:
    t_s: float
    air_c: float
    structure_c: float
    outdoor_c: float
    heater_heat_w: float  # heat leaving the heater into the air (lagged electrical power)
    sun_w: float
    sensor_c: float  # what the room sensor reports
    window_open: bool
    door_open: bool


class Room:
    def __init__(
        self,
        params: RoomParams,
        sensor: SensorParams | None = None,
        seed: int = 0,
        start_s: float = 0.0,
    ) -> None:
        self.params = params
        self.t_s = start_s
        self.air_c = params.initial_c
        self.structure_c = params.initial_c
        self.heater_heat_w = 0.0
        self.sensor = Sensor(sensor or SensorParams(), params.initial_c, seed)
        self._window_until: float | None = None
        self._door_until: float | None = None
        self._last_sun_w = 0.0

    # --- events -------------------------------------------------------------------
    def open_window(self, duration_s: float | None = None) -> None:
        """Open a window wide, for `duration_s` or until `close_window()`."""
        self._window_until = float("inf") if duration_s is None else self.t_s + duration_s

    def close_window(self) -> None:
        self._window_until = None

    def open_door(self, duration_s: float | None = None) -> None:
        self._door_until = float("inf") if duration_s is None else self.t_s + duration_s

    def close_door(self) -> None:
        self._door_until = None

    @property
    def window_open(self) -> bool:
        return self._window_until is not None and self.t_s < self._window_until

    @property
    def door_open(self) -> bool:
        return self._door_until is not None and self.t_s < self._door_until

    @property
    def outdoor_c(self) -> float:
        return self.params.climate.outdoor_c(self.t_s)

    def settle(self, air_c: float) -> None:
        """Put the room where it would be after days held at `air_c` at this moment's
        outdoor temperature: the structure settled, the heater's lag caught up."""
        p = self.params
        out_c = self.outdoor_c
        self.air_c = air_c
        self.structure_c = (p.air_structure_w_k * air_c + p.structure_outdoor_w_k * out_c) / (
            p.air_structure_w_k + p.structure_outdoor_w_k
        )
        self.heater_heat_w = max(0.0, self.steady_heat_w(air_c))
        self.sensor.reset(air_c)

    # --- dynamics -----------------------------------------------------------------
    def _max_stable_dt(self) -> float:
        p = self.params
        air_g = (
            p.air_structure_w_k
            + p.air_outdoor_w_k
            + p.air_adjacent_w_k
            + p.open_window_w_k
            + p.open_door_w_k
        )
        structure_g = p.air_structure_w_k + p.structure_outdoor_w_k
        return _STABILITY_MARGIN * min(
            p.air_capacity_j_k / air_g, p.structure_capacity_j_k / structure_g, p.heater_lag_s
        )

    def step(self, dt_s: float, heater_w: float) -> RoomState:
        """Advance `dt_s` seconds with the heater drawing `heater_w` electrical watts."""
        if dt_s < 0:
            raise ValueError(f"dt_s must be >= 0, got {dt_s}")
        if heater_w < 0:
            raise ValueError(f"heater_w must be >= 0, got {heater_w}")
        remaining = dt_s
        limit = self._max_stable_dt()
        while remaining > 0:
            h = min(limit, remaining)
            self._euler(h, heater_w)
            self.sensor.step(h, self.air_c)
            remaining -= h
        return self.state()

    def _euler(self, h: float, heater_w: float) -> None:
        p = self.params
        out_c = p.climate.outdoor_c(self.t_s)
        sun_w = p.sun_peak_w * p.climate.sun_fraction(self.t_s)
        self._last_sun_w = sun_w
        g_ao = p.air_outdoor_w_k + (p.open_window_w_k if self.window_open else 0.0)
        g_aa = p.air_adjacent_w_k + (p.open_door_w_k if self.door_open else 0.0)
        air, struct = self.air_c, self.structure_c
        q_as = p.air_structure_w_k * (air - struct)
        d_air = (
            self.heater_heat_w
            + SUN_TO_AIR * sun_w
            - q_as
            - g_ao * (air - out_c)
            - g_aa * (air - p.adjacent_c)
        ) / p.air_capacity_j_k
        d_struct = (
            (1.0 - SUN_TO_AIR) * sun_w + q_as - p.structure_outdoor_w_k * (struct - out_c)
        ) / p.structure_capacity_j_k
        self.air_c = air + h * d_air
        self.structure_c = struct + h * d_struct
        self.heater_heat_w += (heater_w - self.heater_heat_w) * h / p.heater_lag_s
        self.t_s += h

    def state(self) -> RoomState:
        return RoomState(
            t_s=self.t_s,
            air_c=self.air_c,
            structure_c=self.structure_c,
            outdoor_c=self.outdoor_c,
            heater_heat_w=self.heater_heat_w,
            sun_w=self._last_sun_w,
            sensor_c=self.sensor.read(),
            window_open=self.window_open,
            door_open=self.door_open,
        )

    def steady_heat_w(self, air_c: float) -> float:
        """Heat that holds the air at `air_c` with the structure settled, at this moment's
        outdoor temperature, no sun, doors and windows shut."""
        p = self.params
        out_c = self.outdoor_c
        # structure settles where G_as(T_air − T_s) = G_so(T_s − T_out)
        struct_c = (p.air_structure_w_k * air_c + p.structure_outdoor_w_k * out_c) / (
            p.air_structure_w_k + p.structure_outdoor_w_k
        )
        return (
            p.air_structure_w_k * (air_c - struct_c)
            + p.air_outdoor_w_k * (air_c - out_c)
            + p.air_adjacent_w_k * (air_c - p.adjacent_c)
        )
