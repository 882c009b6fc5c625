"""From a board's parts (`BoardProfile.parts`, `PartConfig`s) and its open buses to
drivers and the core rail: a TPS546D24A makes a `PmbusRail` (with an INA260 as its
meter if the board has one), a DS4432U a `DacRail` (the INA260 its telemetry); a board
with neither has no rail (`rail is None`: readings are None, never invented).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from firmware.parts.bus import SMBusLike
from firmware.parts.calls import DEFAULT_CALL_TIMEOUT_S
from firmware.parts.catalog import PartConfig
from firmware.parts.dac_rail import DacRail
from firmware.parts.device import I2cDevice
from firmware.parts.ds4432u import DacTrim, Ds4432u
from firmware.parts.emc2101 import Emc2101
from firmware.parts.ina260 import Ina260
from firmware.parts.pmbus_rail import PmbusRail
from firmware.parts.tmp1075 import Tmp1075
from firmware.parts.tps546 import Tps546, Tps546Limits
from firmware.work.rail import CoreRail

Driver = Tps546 | Ds4432u | Ina260 | Emc2101 | Tmp1075


@dataclass
class BoardParts:
    rail: CoreRail | None = None
    fan: Emc2101 | None = None
    fan_min_duty_pct: float | None = None
    meter: Ina260 | None = None
    temperatures: dict[str, Tmp1075] = field(default_factory=dict)
    drivers: dict[str, Driver] = field(default_factory=dict)  # every part, by table name


def tps546_limits(config: PartConfig) -> Tps546Limits:
    lim = config.limits
    return Tps546Limits(
        vout_min_mv=lim["vout_min_mv"],
        vout_max_mv=lim["vout_max_mv"],
        vout_scale_loop=lim["vout_scale_loop"],
        iout_oc_warn_a=lim["iout_oc_warn_a"],
        iout_oc_fault_a=lim["iout_oc_fault_a"],
        vin_on_v=lim["vin_on_v"],
        vin_off_v=lim["vin_off_v"],
        vin_uv_warn_v=lim["vin_uv_warn_v"],
        ot_warn_c=lim["ot_warn_c"],
        ot_fault_c=lim["ot_fault_c"],
        tolerance_pct=lim["tolerance_pct"],
        domains=int(lim.get("domains", 1)),
        phases=int(lim.get("phases", 1)),
    )


def dac_trim(config: PartConfig) -> DacTrim:
    lim = config.limits
    return DacTrim(
        channel=int(lim["channel"]),
        rfs_ohm=lim["rfs_ohm"],
        ra_ohm=lim["ra_ohm"],
        rb_ohm=lim["rb_ohm"],
        vfb_mv=lim["vfb_mv"],
    )


def assemble(
    parts: tuple[PartConfig, ...],
    buses: Mapping[str, SMBusLike],
    *,
    call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S,
    settle_timeout_s: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
) -> BoardParts:
    """Drivers for `parts` on `buses` (bus name -> open bus). Talks to no part yet.
    ValueError when a part's bus is not in `buses`."""
    locks = {name: threading.Lock() for name in buses}
    out = BoardParts()
    regulator: tuple[Tps546, PartConfig] | None = None
    dac: tuple[Ds4432u, PartConfig] | None = None
    meter_vin_min: float | None = None
    for config in parts:
        if config.bus not in buses:
            raise ValueError(
                f"part {config.name} ({config.part}) is on bus {config.bus!r}, which is not "
                f"open (open: {', '.join(buses) or 'none'})"
            )
        device = I2cDevice(
            buses[config.bus],
            config.address,
            config.part,
            role=config.kind.alarm_prefix,
            lock=locks[config.bus],
        )
        driver: Driver
        if config.part == "TPS546D24A":
            driver = Tps546(device)
            regulator = (driver, config)
        elif config.part == "DS4432U":
            driver = Ds4432u(device, dac_trim(config))
            dac = (driver, config)
        elif config.part == "INA260":
            driver = out.meter = Ina260(device)
            meter_vin_min = config.limits.get("vin_min_v")
        elif config.part == "EMC2101":
            driver = out.fan = Emc2101(device)
            out.fan_min_duty_pct = config.limits.get("fan_min_duty_pct")
        else:
            driver = Tmp1075(device)
            out.temperatures[config.name] = driver
        out.drivers[config.name] = driver
    if regulator is not None:
        out.rail = PmbusRail(
            regulator[0],
            tps546_limits(regulator[1]),
            meter=out.meter,
            meter_vin_min_v=meter_vin_min,
            call_timeout_s=call_timeout_s,
            settle_timeout_s=settle_timeout_s,
            clock=clock,
        )
    elif dac is not None:
        out.rail = DacRail(
            dac[0],
            vout_min_mv=dac[1].limits["vout_min_mv"],
            vout_max_mv=dac[1].limits["vout_max_mv"],
            meter=out.meter,
            meter_vin_min_v=meter_vin_min,
            call_timeout_s=call_timeout_s,
        )
    return out
