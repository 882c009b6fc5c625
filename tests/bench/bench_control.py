"""Control quality: Hearth's thermostat + power planner against a plain on/off
thermostat, on the same simulated rooms, in the same process.

Each room runs 48 simulated hours in 10 s steps, with a daily schedule (20.0 °C at
night, 21.0 °C from 06:30 to 23:00), the room's outdoor swing and sun, and a noisy
(±0.1 °C), lagging (60 s), quantised (0.1 °C) sensor. The Hearth side starts untuned
(it runs its relay test during the first hours); it is hearthd's control step
(`DaemonStep`, as `firmware/daemon/control.py` decides: the restore ramp's cap, the full
`HeatController` in mode auto with the times above as the owner's weekly schedule and
window detection on, then the planner's best whole-chain point for its watts: the ASIC
backend clocks all 24 chips or none) on a hearth-400 board. The backend's PLL ramp
(6.25 MHz per 100 ms: bottom to top of the range in under 4 s) ends within a step, so
the point applies from the next step. The baseline switches
between the board's full power (all chips at the top frequency) and off, at
target ∓ 0.3 °C, with a minimum 5 min on and 5 min off.

Figures per room and controller (all temperatures are the true air temperature):
- rms_c: RMS of air − target over the steady windows (≥ 6 h into the run, and ≥ 2 h
  after a setpoint change; the same windows for both controllers);
- overshoot_c: the largest excursion past a new target after a setpoint step (above it
  after a rise; below it, once reached, after a fall);
- cycles_per_h: off→on transitions of the heater per simulated hour;
- energy_kwh and th_per_kwh (terahashes per kWh drawn, idle draw included);
and the ratio of Hearth's hashes per kWh to the baseline's, with its ceiling on this
board (`ratio_ceiling`: the room's mean power drawn steadily at the planner's best
point for it, or below the chain's minimum duty-cycled at its most efficient point:
no controller delivering that heat does better) and `ratio_hourly_bound` (the same,
hour by hour: the best for the heat the room took in each hour). `hours_below_min_w`
counts the hours whose mean draw was below the whole chain's minimum (duty-cycling),
and `missed` says, for each missed target, what the run shows about why;
`snug_duty_tradeoff` runs the snug again with other minimum on/off times, to show what
its duty-cycling trades between comfort and stops. A second scenario on the
living room shows the events: the energy spent while a window is open (with window
detection and without, same process), how fast a demand-response shed reaches the
board, and how far the room falls during an hour's shed.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import sys
import time
from dataclasses import dataclass, field

from firmware.heat import HeatController, Thermostat, parse_demand
from firmware.heat.planner import PlannedPoint, PowerPlanner
from firmware.heat.restore import RestoreRamp
from hw.sim.room import ROOMS
from tests.bench.heated_room import HeatedRoom, whole_chain_planner

DT_S = 10.0
HOURS = 48.0
NIGHT_C, DAY_C = 20.0, 21.0
DAY_FROM_H, DAY_TO_H = 6.5, 23.0
WARMUP_S = 6 * 3600.0
SETTLE_S = 2 * 3600.0
DUTY_SWEEP = ((180.0, 120.0, 0.1), (300.0, 300.0, 0.2), (3600.0, 1800.0, 0.2))
TARGETS = {"rms_c": 0.15, "overshoot_c": 0.3, "cycles_per_h": 1.0, "ratio": 1.15}
HYSTERESIS_C = 0.3
MIN_ON_OFF_S = 300.0
START = datetime.datetime(2026, 11, 23)  # a Monday, local midnight
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SCHEDULE = {
    day: [{"at": "06:30", "target_c": DAY_C}, {"at": "23:00", "target_c": NIGHT_C}] for day in DAYS
}


def target_at(t_s: float) -> float:
    hour = (t_s / 3600.0) % 24.0
    return DAY_C if DAY_FROM_H <= hour < DAY_TO_H else NIGHT_C


class OnOff:
    """The baseline: a bimetal-style thermostat with a minimum cycle time."""

    def __init__(self, full: PlannedPoint, off: PlannedPoint) -> None:
        self.full, self.off = full, off
        self.on = False
        self.switched_s = -math.inf

    def decide(self, now_s: float, _local: datetime.datetime, room_c: float) -> PlannedPoint:
        """At the end of the step begun at `now_s` − DT_S, against that step's target."""
        target_c = target_at(now_s - DT_S)
        if now_s - self.switched_s >= MIN_ON_OFF_S:
            if self.on and room_c >= target_c + HYSTERESIS_C:
                self.on, self.switched_s = False, now_s
            elif not self.on and room_c <= target_c - HYSTERESIS_C:
                self.on, self.switched_s = True, now_s
        return self.full if self.on else self.off


class DaemonStep:
    """One decision of hearthd's control loop (`ControlLoop._decide`) without its I/O:
    post the restore ramp's cap, ask the heat controller for watts, and apply the
    planner's best point for them (idle below the chain's minimum). No meter here, so
    no power correction: the model's watts are the watts drawn."""

    def __init__(self, heat: HeatController, planner: PowerPlanner) -> None:
        self.heat, self.planner = heat, planner
        self.restore = RestoreRamp()

    def decide(self, now_s: float, local: datetime.datetime, room_c: float) -> PlannedPoint:
        heat, planner = self.heat, self.planner
        in_force = heat.caps.in_force(now_s, room_c)
        ramp_s = heat.settings.restore_ramp_s
        heat.post_cap("restore", self.restore.update(now_s, in_force, planner.max_w, ramp_s))
        watts = heat.tick(now_s, local, room_c).watts
        return planner.best_for(watts) if watts >= planner.min_w else planner.off


@dataclass
class Tally:
    errors: list[float] = field(default_factory=list)
    overshoot_c: float = 0.0
    cycles: int = 0
    energy_j: float = 0.0
    hashes_gh: float = 0.0
    hourly_j: list[float] = field(default_factory=list)  # energy drawn in each hour

    def figures(self) -> dict[str, float]:
        kwh = self.energy_j / 3.6e6
        rms = math.sqrt(sum(e * e for e in self.errors) / len(self.errors))
        return {
            "rms_c": round(rms, 3),
            "overshoot_c": round(self.overshoot_c, 3),
            "cycles_per_h": round(self.cycles / HOURS, 3),
            "energy_kwh": round(kwh, 3),
            "th_per_kwh": round(self.hashes_gh / 1000.0 / kwh, 1),
        }


def simulate(
    room_name: str, controller: str, duty: tuple[float, float, float] | None = None
) -> tuple[Tally, dict[str, object]]:
    """`duty`: the thermostat's (min_on_s, min_off_s, restart_margin_c), else its own."""
    own = None
    if duty is not None:
        on_s, off_s, margin_c = duty
        own = functools.partial(
            Thermostat, min_on_s=on_s, min_off_s=off_s, restart_margin_c=margin_c
        )
    update = {"mode": "auto", "schedule": SCHEDULE}
    rig = HeatedRoom(ROOMS[room_name], NIGHT_C, update, START, DT_S, own)
    heat, planner = rig.heat, rig.planner
    thermostat = heat.thermostat
    if controller == "hearth":
        decide = DaemonStep(heat, planner).decide
    else:
        decide = OnOff(planner.best_for(planner.max_w), planner.off).decide
    tally = Tally()
    last_target = target_at(0.0)
    step_s, step_dir, reached = -math.inf, 0, True
    for k, (now, state, point) in enumerate(rig.run(HOURS * 3600, decide)):
        target = target_at(now)
        if target != last_target:
            step_s, step_dir, reached = now, (1 if target > last_target else -1), False
            last_target = target
        tally.energy_j += point.power_w * DT_S
        if k % int(3600 / DT_S) == 0:
            tally.hourly_j.append(0.0)
        tally.hourly_j[-1] += point.power_w * DT_S
        tally.hashes_gh += point.hashrate_ghs * DT_S
        air = state.air_c
        if now >= WARMUP_S and now - step_s >= SETTLE_S:
            tally.errors.append(air - target)
        if step_dir > 0:
            tally.overshoot_c = max(tally.overshoot_c, air - target)
        elif step_dir < 0:
            reached = reached or air <= target
            if reached:
                tally.overshoot_c = max(tally.overshoot_c, target - air)
    tally.cycles = rig.chip_starts
    extra: dict[str, object] = {}
    if controller == "hearth":
        extra = {
            "window_pauses": heat.window.detections,
            "tuning": thermostat.tuning.source,
            "kp_w_per_k": round(thermostat.tuning.kp_w_per_k, 1),
            "ti_s": round(thermostat.tuning.ti_s),
            "detunes": thermostat.detunes,
        }
    return tally, extra


def events(window_detection: bool) -> dict[str, float]:
    """The living room, tuned, on day two: a window open 10:00–10:30, then a
    demand-response shed to 0 W from 18:00 for an hour. Energy while the window is open,
    control-clock seconds from the shed signal to a decision at idle (hearthd decides at
    once on a command; `bench_shed` times the path to the chips), and how far the room
    fell during the shed."""
    update = {"mode": "auto", "schedule": SCHEDULE, "window_detection": window_detection}
    rig = HeatedRoom(ROOMS["living"], NIGHT_C, update, START, DT_S)
    room, heat = rig.room, rig.heat
    control = DaemonStep(heat, rig.planner)
    point, sensor_c = rig.planner.off, NIGHT_C
    window_at, shed_at = (24 + 10) * 3600.0, (24 + 18) * 3600.0
    window_j, shed_latency, lowest, before_shed = 0.0, math.nan, math.inf, math.nan
    # stepped by hand, not by `rig.run`: the window opens before a step and the shed
    # signal is decided on at once, between two steps
    for k in range(int((24 + 20) * 3600 / DT_S)):
        now = k * DT_S
        if now == window_at:
            room.open_window(duration_s=1800.0)
        if now == shed_at:
            before_shed = room.air_c
            heat.demand_response(now, parse_demand(b'{"max_power_w": 0, "duration_s": 3600}'))
            point = control.decide(now, rig.local(now), sensor_c)
            if not point.hashing:
                shed_latency = 0.0
        state = room.step(DT_S, point.power_w)
        if window_at <= now < window_at + 1800.0:
            window_j += point.power_w * DT_S
        if shed_at <= now < shed_at + 3600.0:
            lowest = min(lowest, state.air_c)
        sensor_c = state.sensor_c
        point = control.decide(now + DT_S, rig.local(now + DT_S), sensor_c)
        if now >= shed_at and math.isnan(shed_latency) and not point.hashing:
            shed_latency = now + DT_S - shed_at
    return {
        "window_open_wh": round(window_j / 3600.0, 1),
        "shed_latency_s": shed_latency,
        "shed_drop_c": round(before_shed - lowest, 2),
    }


def ratio_bound(energies_j: list[float], span_s: float, baseline_th_per_kwh: float) -> float:
    """The best hashes-per-kWh ratio any controller could reach drawing each of
    `energies_j` within its `span_s` on the whole-chain hearth-400: steadily at the mean
    power of each span (the frontier is convex above its most efficient point), or below
    the chain's minimum duty-cycled at that most efficient point. One span of the whole
    run: the ceiling for the run's energy; hour by hour: the best that follows the heat
    the room took in each hour."""
    planner = whole_chain_planner()
    top, idle = planner.most_efficient(), planner.off.power_w
    hashes_gh = 0.0
    for energy_j in energies_j:
        mean_w = energy_j / span_s
        if mean_w >= planner.min_w:
            best = planner.best_for(mean_w)
            hashes_gh += best.hashrate_ghs / best.power_w * energy_j
        else:
            hashes_gh += top.hashrate_ghs * (mean_w - idle) / (top.power_w - idle) * span_s
    th_per_kwh = hashes_gh / 1000.0 / (sum(energies_j) / 3.6e6)
    return round(th_per_kwh / baseline_th_per_kwh, 3)


def why_missed(
    h: dict[str, float], ceiling: float, hourly: float, low_h: int, floor_w: float
) -> list[str]:
    """Each missed target and what the run says about why: a missed target is said."""
    why: list[str] = []
    if h["rms_c"] > TARGETS["rms_c"] or h["cycles_per_h"] > TARGETS["cycles_per_h"]:
        if low_h:
            why.append(
                f"rms/cycles: in {low_h} of {HOURS:.0f} h the room took less than the whole "
                f"chain's {floor_w:.0f} W minimum, so the heater duty-cycles and the air "
                "swings with each stop (fewer stops, longer and deeper swings)"
            )
        else:
            why.append("rms/cycles: the thermostat missed with power in range")
    if h["overshoot_c"] > TARGETS["overshoot_c"]:
        why.append(
            "overshoot: the duty cycle's swings (see rms/cycles)"
            if low_h
            else "overshoot: the thermostat missed with power in range"
        )
    if h["ratio"] < TARGETS["ratio"]:
        if ceiling < TARGETS["ratio"]:
            why.append(
                f"ratio: no controller reaches {TARGETS['ratio']} here: {ceiling} drawing "
                "the run's energy steadily at the best point for it (the on/off baseline's "
                "400 W rated point is 15.6 J/TH, the chain's best 13.2 J/TH)"
            )
        else:
            why.append(
                f"ratio: {hourly} at best following the heat the room took hour by hour "
                f"(ceiling {ceiling} only for a steady draw over 48 h, which the schedule "
                "and the weather do not allow)"
            )
    return why


def main() -> int:
    started = time.monotonic()
    rooms: dict[str, object] = {}
    met = True
    floor_w = whole_chain_planner().min_w
    for name in ROOMS:
        hearth, extra = simulate(name, "hearth")
        baseline, _ = simulate(name, "onoff")
        h, b = hearth.figures(), baseline.figures()
        ratio = round(h["th_per_kwh"] / b["th_per_kwh"], 3)
        ceiling = ratio_bound([hearth.energy_j], HOURS * 3600.0, b["th_per_kwh"])
        hourly = ratio_bound(hearth.hourly_j, 3600.0, b["th_per_kwh"])
        low_h = sum(1 for j in hearth.hourly_j if j / 3600.0 < floor_w - 1e-6)
        ok = (
            h["rms_c"] <= TARGETS["rms_c"]
            and h["overshoot_c"] <= TARGETS["overshoot_c"]
            and h["cycles_per_h"] <= TARGETS["cycles_per_h"]
            and ratio >= TARGETS["ratio"]
        )
        met = met and ok
        rooms[name] = {
            "hearth": {**h, **extra},
            "onoff": b,
            "hash_per_kwh_ratio": ratio,
            "ratio_ceiling": ceiling,
            "ratio_hourly_bound": hourly,
            "hours_below_min_w": low_h,
            "targets_met": ok,
            "missed": why_missed({**h, "ratio": ratio}, ceiling, hourly, low_h, floor_w),
        }
        print(name, json.dumps(rooms[name]), file=sys.stderr)
    # The snug's trade between comfort and stops, below the chain's minimum: the same
    # run with other minimum on/off times (the defaults are 900/900 s, margin 0.2 °C).
    tradeoff = []
    for duty in DUTY_SWEEP:
        swept, _ = simulate("snug", "hearth", duty)
        f = swept.figures()
        tradeoff.append(
            {
                "min_on_s": duty[0],
                "min_off_s": duty[1],
                "restart_margin_c": duty[2],
                "rms_c": f["rms_c"],
                "cycles_per_h": f["cycles_per_h"],
            }
        )
    print("snug_duty_tradeoff", json.dumps(tradeoff), file=sys.stderr)
    with_detection, without = events(True), events(False)
    scenario = {
        "window_open_wh": with_detection["window_open_wh"],
        "window_open_wh_without_detection": without["window_open_wh"],
        "shed_latency_s": with_detection["shed_latency_s"],
        "shed_drop_c": with_detection["shed_drop_c"],
    }
    print("events", json.dumps(scenario), file=sys.stderr)
    result = {
        "bench": "bench_control",
        "events_living": scenario,
        "snug_duty_tradeoff": tradeoff,
        "simulated_hours": HOURS,
        "rooms": rooms,
        "targets": TARGETS,
        "all_targets_met": met,
        "bench_wall_s": round(time.monotonic() - started, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
