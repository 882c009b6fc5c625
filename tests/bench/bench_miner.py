"""A miner people already heat with, held at the setpoint by Hearth: 24 simulated hours
of a three-level Avalon-style miner (Nano 3S: off + 3 work levels, soft off/on at most
every 10 min) and of a power-target Braiins-style miner (S19 on Braiins OS+, 1000–3250 W),
against the same rooms with the owners' usual automation as the baseline, in the same
process: on/off at target ∓ 0.3 °C at full power, 10 min minimum on and off.

This drives the pure parts in simulated time, as hearthd would with `[backend] kind =
"miner"`: the full `HeatController` (untuned at the start, it runs its relay test), the
watts → `LevelMapper` → the miner's setting → the watts that setting really draws (the
simulator's tables, hw/sim/miners/miner.py: the Avalon's per level, the Braiins S19's
1.5 % under its target) → the room model (hw/sim/room) with its noisy, lagging sensor. The
network path (pyasic, the simulated miners on 127.0.0.x) is covered by
tests/firmware/miner; here only the control.

Rooms: the living room's physics scaled so its heat demand falls inside each miner's
range (every capacity and conductance and the sun times a factor: the time constants
stay, the watts scale). Setpoint 21.0 °C throughout.

Figures per miner and controller: rms_c of air − 21.0 °C from hour 6 on (steady state,
after the thermostat's tuning), changes_per_h (setting changes of any kind per hour, the
worst sliding hour too), cycles_per_h (off → on), energy_kwh; and the RMS ratio of
Hearth to the baseline. Target: Hearth's rms_c ≤ 0.3 °C, changes within the miner's limit.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
import time
from collections.abc import Callable

from firmware.heat import HeatController, HeatSettings, SettingsLimits, apply_update
from firmware.miner.actuators import ACTUATORS, Actuator, Setting
from firmware.miner.levels import HOUR_S, LevelMapper
from hw.sim.miners.miner import NANO3S, S19_BOS
from hw.sim.room import ROOMS, Room, RoomParams

DT_S = 10.0
HOURS = 24.0
TARGET_C = 21.0
WARMUP_S = 6 * HOUR_S
HYSTERESIS_C = 0.3
BASELINE_MIN_S = 600.0
START = datetime.datetime(2026, 11, 23)
RMS_TARGET_C = 0.3


def scaled(params: RoomParams, factor: float) -> RoomParams:
    return dataclasses.replace(
        params,
        name=f"{params.name} x{factor:g}",
        air_capacity_j_k=params.air_capacity_j_k * factor,
        structure_capacity_j_k=params.structure_capacity_j_k * factor,
        air_structure_w_k=params.air_structure_w_k * factor,
        air_outdoor_w_k=params.air_outdoor_w_k * factor,
        structure_outdoor_w_k=params.structure_outdoor_w_k * factor,
        air_adjacent_w_k=params.air_adjacent_w_k * factor,
        sun_peak_w=params.sun_peak_w * factor,
        open_window_w_k=params.open_window_w_k * factor,
        open_door_w_k=params.open_door_w_k * factor,
    )


def avalon_truth(setting: Setting) -> float:
    """What the simulated Nano 3S really draws at a setting (not the actuator's table)."""
    if setting.value is None:
        return NANO3S.standby_w
    return NANO3S.settings[int(setting.value)][0]


def target_truth(setting: Setting) -> float:
    """What the simulated Braiins OS+ S19 draws at a target (its tuner lands under it)."""
    if setting.value is None:
        return S19_BOS.standby_w
    return S19_BOS.draw(int(setting.value))[0]


CASES: dict[str, tuple[str, float, Callable[[Setting], float]]] = {
    "avalon_nano3s": ("avalon-nano3s", 0.3, avalon_truth),
    "braiins_s19": ("braiins-s19", 7.0, target_truth),
}


def simulate(actuator: Actuator, room_params: RoomParams, truth: Callable[[Setting], float],
             controller: str) -> dict[str, float]:
    room = Room(room_params, seed=7)
    room.settle(TARGET_C - 1.0)
    settings = apply_update(
        HeatSettings(), {"mode": "heat", "target_c": TARGET_C}, SettingsLimits(actuator.max_w)
    )
    heat = HeatController(settings, 1.0, actuator.max_w)
    mapper = LevelMapper(actuator)
    setting = actuator.off
    on = False
    changes: list[float] = []
    cycles = 0
    energy_j = 0.0
    errors: list[float] = []
    last_switch = -1e9
    for k in range(int(HOURS * HOUR_S / DT_S)):
        now = k * DT_S
        watts = truth(setting)
        state = room.step(DT_S, watts)
        energy_j += watts * DT_S
        if now >= WARMUP_S:
            errors.append(state.air_c - TARGET_C)
        if controller == "hearth":
            local = START + datetime.timedelta(seconds=now + DT_S)
            decision = heat.tick(now + DT_S, local, state.sensor_c)
            new = mapper.update(now + DT_S, decision.watts)
        else:
            if now - last_switch >= BASELINE_MIN_S:
                if on and state.sensor_c >= TARGET_C + HYSTERESIS_C:
                    on, last_switch = False, now
                elif not on and state.sensor_c <= TARGET_C - HYSTERESIS_C:
                    on, last_switch = True, now
            new = actuator.settings[-1] if on else actuator.off
        if new != setting:
            changes.append(now)
            if setting.off and not new.off:
                cycles += 1
            setting = new
    worst = 0
    for i, t in enumerate(changes):
        worst = max(worst, sum(1 for c in changes[i:] if c < t + HOUR_S))
    rms = (sum(e * e for e in errors) / len(errors)) ** 0.5
    return {
        "rms_c": round(rms, 3),
        "changes_per_h": round(len(changes) / HOURS, 2),
        "worst_hour_changes": worst,
        "cycles_per_h": round(cycles / HOURS, 2),
        "energy_kwh": round(energy_j / 3.6e6, 2),
    }


def main() -> int:
    started = time.monotonic()
    miners: dict[str, object] = {}
    met = True
    for case, (name, factor, truth) in CASES.items():
        actuator = ACTUATORS[name]
        params = scaled(ROOMS["living"], factor)
        hearth = simulate(actuator, params, truth, "hearth")
        baseline = simulate(actuator, params, truth, "onoff")
        ok = (
            hearth["rms_c"] <= RMS_TARGET_C
            and hearth["worst_hour_changes"] <= actuator.limits.max_changes_per_h
        )
        met = met and ok
        miners[case] = {
            "actuator": actuator.model,
            "room": params.name,
            "hearth": hearth,
            "onoff_baseline": baseline,
            "rms_ratio_vs_baseline": round(hearth["rms_c"] / max(1e-9, baseline["rms_c"]), 3),
            "max_changes_per_h": actuator.limits.max_changes_per_h,
            "targets_met": ok,
        }
        print(case, json.dumps(miners[case]), file=sys.stderr)
    result = {
        "bench": "bench_miner",
        "simulated_hours": HOURS,
        "setpoint_c": TARGET_C,
        "miners": miners,
        "targets": {"rms_c": RMS_TARGET_C},
        "all_targets_met": met,
        "bench_wall_s": round(time.monotonic() - started, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
