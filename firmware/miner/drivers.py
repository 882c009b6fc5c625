"""How each miner firmware is told a `Setting` and asked where it is, through pyasic.

pyasic (0.79) reads every miner uniformly (`get_data`) and has `stop_mining` /
`resume_mining` / `set_power_limit` per firmware. Where it is wrong or missing, a thin
layer here speaks through pyasic's own API clients (`miner.rpc`, `miner.web`):

* Avalon work levels: pyasic's `set_power_limit` maps watts to a level with fixed
  thresholds and its `ascset()` drops a falsy value, so level 0 goes out as
  `0,worklevel,set` with no number, which the firmware rejects. We send
  `ascset 0,worklevel,set,N` ourselves. (Upstream fix: `if val is not None:` in
  `CGMinerRPCAPI.ascset`, and a `set_work_level(n)` beside `set_power_limit`.)
  The level is read back from `estats` (`MM ID0` … `WORKLEVEL[n]`, `SoftOFF[0|1]`).
  Soft off/on go out the same way, timed now: pyasic's `stop_mining` schedules the
  soft off 5 s ahead, and an owner's "off" should not wait.
* AxeOS has no stop and pyasic no frequency setter: `PATCH /api/system
  {"frequency": f}` through `miner.web.update_settings`; off is the lowest frequency
  (`Actuator.settings[0]` lists its watts); read back from `/api/system/info`.
* Everything else (Braiins OS+ power target, LuxOS, Whatsminer): pyasic's own
  `set_power_limit` / `stop_mining` / `resume_mining`, read back from `wattage_limit`.

Every call here may hang (a wedged miner stalls pyasic for ~100 s): the backend wraps
each one in its own timeout.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from pyasic.device.algorithm import SHA256Unit
from pyasic.errors import APIError
from pyasic.miners.backends import AvalonMiner
from pyasic.miners.data import DataOptions

from firmware.miner.actuators import Actuator, Setting


class CommandRefused(RuntimeError):
    """The miner answered and said no."""


class Unreachable(RuntimeError):
    """No answer (connection refused, empty answer, HTTP error)."""


@dataclass(frozen=True)
class Reading:
    power_w: float | None  # the miner's own power reading
    hashrate_ghs: float | None
    chip_temp_c: float | None
    fan_rpm: tuple[int, ...]
    hashing: bool  # read back: not soft-off / stopped
    value: float | None  # read back: the work level, frequency or power target


class Driver(Protocol):
    async def send(self, setting: Setting, was_off: bool) -> None:
        """Tell the miner `setting` (`was_off`: it reads stopped now); raises
        CommandRefused or Unreachable."""
        ...

    async def read(self) -> Reading: ...


# Only what the backend reports: fewer commands, and no config parsing that a firmware
# version's missing field would break.
READINGS = [
    DataOptions.WATTAGE,
    DataOptions.WATTAGE_LIMIT,
    DataOptions.HASHRATE,
    DataOptions.HASHBOARDS,
    DataOptions.FANS,
    DataOptions.IS_MINING,
]


async def _uniform(miner: Any) -> tuple[float | None, float | None, float | None, tuple[int, ...]]:
    """pyasic's uniform readings: power, GH/s, hottest chip, fans."""
    data = await miner.get_data(include=READINGS)
    power = None if data.wattage is None else float(data.wattage)
    rate = None if data.hashrate is None else float(data.hashrate.into(SHA256Unit.GH))
    temps = [b.chip_temp for b in data.hashboards if b.chip_temp is not None]
    fans = tuple(f.speed for f in data.fans if f.speed is not None)
    return power, rate, (float(max(temps)) if temps else None), fans


class AvalonDriver:
    def __init__(self, miner: AvalonMiner) -> None:
        self.miner = miner

    async def _ascset(self, parameter: str) -> None:
        try:
            answer = await self.miner.rpc.send_command("ascset", parameters=parameter)
        except APIError as exc:
            raise CommandRefused(str(exc)) from exc
        if not answer:
            raise Unreachable(f"no answer to ascset {parameter}")

    async def send(self, setting: Setting, was_off: bool) -> None:
        now = int(time.time())
        if setting.off:
            await self._ascset(f"0,softoff,1:{now}")
            return
        await self._ascset(f"0,worklevel,set,{int(setting.value or 0)}")
        if was_off:
            await self._ascset(f"0,softon,1:{now}")

    async def read(self) -> Reading:
        power, rate, chip, fans = await _uniform(self.miner)
        estats = await self.miner.rpc.estats()
        try:
            mm = AvalonMiner.parse_estats(estats)["STATS"][0]["MM ID0"]
        except (LookupError, TypeError) as exc:
            raise Unreachable("no estats answer") from exc
        level = mm.get("WORKLEVEL")
        return Reading(
            power_w=power,
            hashrate_ghs=rate,
            chip_temp_c=chip,
            fan_rpm=fans,
            hashing=str(mm.get("SoftOFF", "0")) != "1",
            value=float(level) if isinstance(level, int | float) else None,
        )


class AxeOsDriver:
    def __init__(self, miner: Any, actuator: Actuator) -> None:
        self.miner = miner
        if actuator.off_value is None:
            raise ValueError(f"{actuator.model}: AxeOS needs the actuator's off_value (MHz)")
        self.floor_mhz = actuator.off_value

    async def send(self, setting: Setting, was_off: bool) -> None:
        frequency = self.floor_mhz if setting.value is None else setting.value
        try:
            await self.miner.web.update_settings(frequency=int(frequency))
        except APIError as exc:
            # AxeOS answers a PATCH with 200 and an empty body, which pyasic cannot decode
            # as JSON: taken (the read-back checks it); any other failure is a refusal.
            if "JSON decode error" not in str(exc):
                raise CommandRefused(str(exc)) from exc

    async def read(self) -> Reading:
        power, rate, chip, fans = await _uniform(self.miner)
        try:
            info = await self.miner.web.system_info()
        except APIError as exc:
            raise Unreachable(str(exc)) from exc
        frequency = info.get("frequency")
        return Reading(
            power_w=power,
            hashrate_ghs=rate,
            chip_temp_c=chip,
            fan_rpm=fans,
            hashing=True,
            value=float(frequency) if isinstance(frequency, int | float) else None,
        )


class PyasicDriver:
    """Power-target firmware (Braiins OS+ and the like) through pyasic alone."""

    def __init__(self, miner: Any) -> None:
        self.miner = miner

    async def send(self, setting: Setting, was_off: bool) -> None:
        if setting.off:
            ok = await self.miner.stop_mining()
        else:
            ok = await self.miner.set_power_limit(int(setting.value or 0))
            if ok and was_off:
                ok = await self.miner.resume_mining()
        if not ok:
            raise CommandRefused(f"{setting.name} refused")

    async def read(self) -> Reading:
        data = await self.miner.get_data(include=READINGS)
        if data.wattage is None and data.hashrate is None:
            raise Unreachable("no readings")
        rate = None if data.hashrate is None else float(data.hashrate.into(SHA256Unit.GH))
        limit = data.wattage_limit
        return Reading(
            power_w=None if data.wattage is None else float(data.wattage),
            hashrate_ghs=rate,
            chip_temp_c=None,
            fan_rpm=tuple(f.speed for f in data.fans if f.speed is not None),
            hashing=bool(data.is_mining),
            value=None if limit is None else float(limit),
        )
