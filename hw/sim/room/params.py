"""Rooms as data. Figures are order-of-magnitude engineering estimates, not measurements:

* air capacity: the air (1.2 kJ/m³K) plus the part of the furniture that follows it
  within minutes, which dominates;
* structure capacity: the inner layers of walls, floor and ceiling (plaster, screed,
  masonry: ~0.8–1 kJ/kgK) that exchange heat with the air over hours;
* conductances (W/K): air↔structure is h·A of the inner surfaces (~3–8 W/m²K), the
  outdoor paths are infiltration (0.34·ACH·V) and the fabric's U·A, the adjacent path
  is internal walls and doors to the rest of the house, kept at `adjacent_c`.

Each room comes with the weather it is benchmarked in, chosen so that its heat demand
falls within what a 400–500 W heater can deliver (a room heater, not a house's boiler).
"""

from __future__ import annotations

from dataclasses import dataclass

from hw.sim.room.climate import Climate


@dataclass(frozen=True)
class RoomParams:
    name: str
    description: str
    air_capacity_j_k: float
    structure_capacity_j_k: float
    air_structure_w_k: float
    air_outdoor_w_k: float  # infiltration and glazing
    structure_outdoor_w_k: float  # walls and roof
    air_adjacent_w_k: float  # internal walls and doors to the rest of the house
    adjacent_c: float
    heater_lag_s: float  # heat sink and casing: time constant from electrical watts to heat
    sun_peak_w: float  # solar gain through the windows at the day's peak
    open_window_w_k: float  # extra air↔outdoor conductance with a window wide open
    open_door_w_k: float  # extra air↔adjacent conductance with the door open
    climate: Climate
    initial_c: float  # air and structure at t = 0

    def __post_init__(self) -> None:
        for key in (
            "air_capacity_j_k",
            "structure_capacity_j_k",
            "air_structure_w_k",
            "heater_lag_s",
        ):
            if getattr(self, key) <= 0:
                raise ValueError(f"room {self.name}: {key} must be > 0, got {getattr(self, key)}")
        for key in (
            "air_outdoor_w_k",
            "structure_outdoor_w_k",
            "air_adjacent_w_k",
            "sun_peak_w",
            "open_window_w_k",
            "open_door_w_k",
        ):
            if getattr(self, key) < 0:
                raise ValueError(f"room {self.name}: {key} must be >= 0, got {getattr(self, key)}")

    @property
    def air_time_constant_s(self) -> float:
        """How fast the air follows the heater with the structure held fixed."""
        total = self.air_structure_w_k + self.air_outdoor_w_k + self.air_adjacent_w_k
        return self.air_capacity_j_k / total

    @property
    def structure_time_constant_s(self) -> float:
        """How fast the whole room cools once the air has settled: the slow mode."""
        loss = self.air_outdoor_w_k + self.air_adjacent_w_k
        air_path = 1.0 / (1.0 / self.air_structure_w_k + 1.0 / loss) if loss > 0 else 0.0
        return self.structure_capacity_j_k / (air_path + self.structure_outdoor_w_k)


ROOMS: dict[str, RoomParams] = {
    p.name: p
    for p in (
        RoomParams(
            name="snug",
            description="small well-insulated bedroom, 10 m², triple glazing",
            air_capacity_j_k=35e3,
            structure_capacity_j_k=2.5e6,
            air_structure_w_k=60.0,
            air_outdoor_w_k=3.0,
            structure_outdoor_w_k=5.0,
            air_adjacent_w_k=3.0,
            adjacent_c=18.0,
            heater_lag_s=120.0,
            sun_peak_w=120.0,
            open_window_w_k=60.0,
            open_door_w_k=30.0,
            climate=Climate(outdoor_mean_c=-2.0, outdoor_swing_c=4.0),
            initial_c=16.0,
        ),
        RoomParams(
            name="living",
            description="medium living room, 25 m², double glazing, brick walls",
            air_capacity_j_k=110e3,
            structure_capacity_j_k=9e6,
            air_structure_w_k=150.0,
            air_outdoor_w_k=8.0,
            structure_outdoor_w_k=8.0,
            air_adjacent_w_k=6.0,
            adjacent_c=19.0,
            heater_lag_s=120.0,
            sun_peak_w=250.0,
            open_window_w_k=120.0,
            open_door_w_k=60.0,
            climate=Climate(outdoor_mean_c=4.0, outdoor_swing_c=4.0),
            initial_c=17.0,
        ),
        RoomParams(
            name="hall",
            description="large draughty room, 45 m², high ceiling, old single glazing",
            air_capacity_j_k=320e3,
            structure_capacity_j_k=14e6,
            air_structure_w_k=150.0,
            air_outdoor_w_k=22.0,
            structure_outdoor_w_k=5.0,
            air_adjacent_w_k=10.0,
            adjacent_c=18.0,
            heater_lag_s=120.0,
            sun_peak_w=150.0,
            open_window_w_k=200.0,
            open_door_w_k=80.0,
            climate=Climate(outdoor_mean_c=11.0, outdoor_swing_c=3.0),
            initial_c=16.0,
        ),
    )
}


def room_params(name: str) -> RoomParams:
    try:
        return ROOMS[name]
    except KeyError:
        raise ValueError(
            f"room {name!r}: no such room; known: {', '.join(sorted(ROOMS))}"
        ) from None
