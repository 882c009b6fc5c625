"""Heat control: the thermostat, modes, presets and schedule, window detection, power cap,
demand response, tariff shifting, and the power planner that turns watts into an
operating point. Everything here is pure with an injected clock; the daemon does I/O."""

from firmware.heat.caps import Cap, CapStore
from firmware.heat.controller import HeatController, HeatDecision
from firmware.heat.demand import DemandSignal, encode_demand, parse_demand
from firmware.heat.planner import PlannedPoint, PowerPlanner, RampLimits
from firmware.heat.schedule import WeeklySchedule
from firmware.heat.settings import HeatSettings, SettingsLimits, apply_update
from firmware.heat.tariff import CheapHours, PriceSchedule
from firmware.heat.thermostat import Thermostat
from firmware.heat.tuning import Tuning
from firmware.heat.window import WindowDetector

__all__ = [
    "Cap",
    "CapStore",
    "CheapHours",
    "DemandSignal",
    "HeatController",
    "HeatDecision",
    "HeatSettings",
    "PlannedPoint",
    "PowerPlanner",
    "PriceSchedule",
    "RampLimits",
    "SettingsLimits",
    "Thermostat",
    "Tuning",
    "WeeklySchedule",
    "WindowDetector",
    "apply_update",
    "encode_demand",
    "parse_demand",
]
