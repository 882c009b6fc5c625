"""Tariff shifting on real day-ahead prices: the cost of heat against a plain thermostat.

For each of seven real weeks in tests/data/prices (hourly Belgian day-ahead prices,
October 2023 to April 2024, a heating season; source in its README), the living room
of hw/sim/room (9 MJ/K of walls and floor to store heat in) is heated by a hearth-400
through the planner as hearthd runs it, the owner's target 21.0 °C all week, comfort
band b = 1.0 °C, in 30 s steps with the room's noisy, lagging, quantised sensor. Both
sides are the real `HeatController`, tuned by its own relay test during a day of
warm-up before the week (no prices then):
- plain: no price schedule (a plain thermostat at the owner's target);
- tariff: the week's prices as the MQTT `prices` message (Hearth's JSON, built from the
  CSV rows with the Brussels UTC offsets), parsed by the daemon's own `parse_prices`,
  fed with `set_prices(table.schedule(Brussels))`.
The weather is each month's mean at Uccle, rounded (October 11 °C, November and March
7 °C, December to February 4 °C, April 10 °C), with a daily swing of ± 4–5 °C.

Figures per week and side (air temperature, the room's truth, over the week):
- energy_kwh (electrical = heat), cost (EUR), eur_per_kwh = the cost of heat per kWh;
- rms_c: RMS of air − the owner's target;
- in_band: the share of time within [target − b/2, target + b]; below_band: colder;
and `cost_per_kwh_ratio` (tariff / plain; target ≤ 0.85 on at least one real week, as
issue #17 asks), `cost_ratio` (total cost), and `perfect_shift_bound`: the ratio an
ideal shifter would reach with unlimited storage within each day (the plain side's
energy of each day moved into that day's cheapest hours at the board's full power).
Winter's narrow spreads (cheapest hours at ~0.8 of the day's mean) bound it near 0.88
in January: no policy reaches 0.85 there with this heater in this room.
The shifting's two constants (firmware/heat/tariff.py: rank within ±24 h, the cheapest
third pre-heats, the dearest third coasts) were chosen by running this bench over these
weeks; the old ones (±12 h, 0.4/0.6) shifted less in October and April and left the
room colder than the band for longer in winter (9.9 % of the February week).
Comfort target: below_band ≤ 0.10 (colder than the band at most 10 % of the week, by
at most the regulation's swing); above the band is mostly the sun (October, April).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import json
import math
import pathlib
import sys
import time
import zoneinfo
from dataclasses import dataclass, field

from firmware.grid.formats import parse_prices
from firmware.heat import PriceSchedule
from hw.sim.room import ROOMS
from hw.sim.room.climate import Climate
from tests.bench.heated_room import BOARD, HeatedRoom, whole_chain_planner

DATA = pathlib.Path(__file__).parents[1] / "data" / "prices"
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
DT_S = 30.0
TARGET_C, BAND_C = 21.0, 1.0
WARMUP_S = 86400.0
# Each week with its month's weather (Uccle's monthly mean, rounded; the swing by season).
WEEKS = {
    "be-dam-2023-10-16": Climate(outdoor_mean_c=11.0, outdoor_swing_c=5.0),
    "be-dam-2023-11-20": Climate(outdoor_mean_c=7.0, outdoor_swing_c=4.0),
    "be-dam-2023-12-11": Climate(outdoor_mean_c=4.0, outdoor_swing_c=4.0),
    "be-dam-2024-01-15": Climate(outdoor_mean_c=4.0, outdoor_swing_c=4.0),
    "be-dam-2024-02-12": Climate(outdoor_mean_c=4.0, outdoor_swing_c=4.0),
    "be-dam-2024-03-11": Climate(outdoor_mean_c=7.0, outdoor_swing_c=5.0),
    "be-dam-2024-04-08": Climate(outdoor_mean_c=10.0, outdoor_swing_c=5.0),
}
RATIO_TARGET = 0.85
BELOW_BAND_MAX = 0.10


def read_week(name: str) -> list[tuple[datetime.datetime, float]]:
    """The CSV's rows (Stata `ddmonyyyy HH:MM:SS`, Brussels wall-clock, EUR/kWh)."""
    rows: list[tuple[datetime.datetime, float]] = []
    with (DATA / f"{name}.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            local = datetime.datetime.strptime(row["time"], "%d%b%Y %H:%M:%S")
            rows.append((local.replace(tzinfo=BRUSSELS), float(row["DAM_price"])))
    return rows


def prices_message(rows: list[tuple[datetime.datetime, float]]) -> bytes:
    """The week as the MQTT `prices` payload an energy manager would publish."""
    return json.dumps(
        {
            "currency": "EUR",
            "unit": "kWh",
            "interval_s": 3600,
            "prices": [{"start": t.isoformat(), "price": p} for t, p in rows],
        }
    ).encode()


@dataclass
class Tally:
    energy_j: float = 0.0
    cost: float = 0.0
    errors: list[float] = field(default_factory=list)
    in_band: int = 0
    below_band: int = 0
    daily_j: dict[datetime.date, float] = field(default_factory=dict)

    def figures(self) -> dict[str, float]:
        kwh = self.energy_j / 3.6e6
        n = len(self.errors)
        return {
            "energy_kwh": round(kwh, 2),
            "cost_eur": round(self.cost, 3),
            "eur_per_kwh": round(self.cost / kwh, 5),
            "rms_c": round(math.sqrt(sum(e * e for e in self.errors) / n), 3),
            "in_band": round(self.in_band / n, 4),
            "below_band": round(self.below_band / n, 4),
        }


def simulate(week: str, priced: bool) -> Tally:
    rows = read_week(week)
    schedule = PriceSchedule.of([(t.replace(tzinfo=None), p) for t, p in rows])
    monday = rows[0][0].replace(tzinfo=None)
    rig = HeatedRoom(
        dataclasses.replace(ROOMS["living"], climate=WEEKS[week]),
        TARGET_C,
        {"mode": "heat", "preset": "none", "target_c": TARGET_C, "comfort_band_c": BAND_C},
        monday - datetime.timedelta(seconds=WARMUP_S),
        DT_S,
    )
    for _ in rig.run(WARMUP_S):  # the warm-up day: the controller tunes itself, no prices
        pass
    if priced:
        table = parse_prices(prices_message(rows))  # the daemon's own parser
        assert table is not None
        rig.heat.set_prices(table.schedule(BRUSSELS))
    tally = Tally()
    for now, state, point in rig.run(7 * 86400.0):
        local = rig.local(now)
        price = schedule.price_at(local)
        assert price is not None
        tally.energy_j += point.power_w * DT_S
        tally.cost += point.power_w * DT_S / 3.6e6 * price
        error = state.air_c - TARGET_C
        tally.errors.append(error)
        tally.in_band += -BAND_C / 2 <= error <= BAND_C
        tally.below_band += error < -BAND_C / 2
        day = local.date()
        tally.daily_j[day] = tally.daily_j.get(day, 0.0) + point.power_w * DT_S
    return tally


def perfect_shift_bound(week: str, plain: Tally, max_w: float) -> float:
    """Each day's plain energy bought in that day's cheapest hours at `max_w`, as a
    ratio of cost per kWh to the plain side's."""
    by_day: dict[datetime.date, list[float]] = {}
    for t, p in read_week(week):
        by_day.setdefault(t.date(), []).append(p)
    cost = 0.0
    for day, joules in plain.daily_j.items():
        need_kwh = joules / 3.6e6
        for price in sorted(by_day[day]):
            take = min(max_w / 1000.0, need_kwh)
            cost, need_kwh = cost + take * price, need_kwh - take
        cost += need_kwh * max(by_day[day])  # more than the board can deliver: never
    return cost / plain.cost


def main() -> int:
    started = time.monotonic()
    weeks: dict[str, object] = {}
    comfort_ok, best = True, 1.0
    max_w = whole_chain_planner().max_w
    for week in WEEKS:
        plain_tally = simulate(week, False)
        plain, tariff = plain_tally.figures(), simulate(week, True).figures()
        ratio = round(tariff["eur_per_kwh"] / plain["eur_per_kwh"], 3)
        best = min(best, ratio)
        comfort_ok = comfort_ok and tariff["below_band"] <= BELOW_BAND_MAX
        weeks[week] = {
            "plain": plain,
            "tariff": tariff,
            "cost_per_kwh_ratio": ratio,
            "cost_ratio": round(tariff["cost_eur"] / plain["cost_eur"], 3),
            "perfect_shift_bound": round(perfect_shift_bound(week, plain_tally, max_w), 3),
            "ratio_met": ratio <= RATIO_TARGET,
        }
        print(week, json.dumps(weeks[week]), file=sys.stderr)
    result = {
        "bench": "bench_tariff",
        "room": "living",
        "board": BOARD,
        "target_c": TARGET_C,
        "comfort_band_c": BAND_C,
        "weeks": weeks,
        "targets": {
            "cost_per_kwh_ratio_on_a_real_week": RATIO_TARGET,
            "below_band_max": BELOW_BAND_MAX,
        },
        "bench_wall_s": round(time.monotonic() - started, 1),
    }
    met = best <= RATIO_TARGET and comfort_ok
    result["all_targets_met"] = met
    print(json.dumps(result))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
