"""A heater double whose state, too, is built by the daemon's `compose_state` (with the
null readings of a heater without a room sensor), so the HTTP API is checked against the
state the running heater really returns, not against a hand-written stand-in."""

from __future__ import annotations

from collections.abc import Mapping

from firmware.daemon.state import Readings, compose_state
from tests.firmware.api.heater_double import HeaterDouble


class RealStateHeater(HeaterDouble):
    def state(self) -> Mapping[str, object]:
        s = self.heat_settings
        return compose_state(
            Readings(
                mode=s.mode,
                preset=s.preset,
                target_c=s.target_c,
                power_limit_w=s.power_limit_w,
                room_c=None,  # no room sensor: null, as the daemon reports it
                chip_temp_c=55.04,
                fan_rpm=None,
                demand_w=300.0,
                power_w=300.0,
                hashrate_ghs=0.0,  # efficiency is then null
                paused=False,
                fault=False,
                pool=None,
                energy_kwh=1.25,
                uptime_s=12.5,
                alarms=("no_room_sensor", "pool_offline"),
                firmware="0.1.0",
                backend="cpu",
            )
        )
