"""What the HTTP API needs from the daemon: read the heater, change it, nothing else.

The API never reaches into the daemon's parts; the daemon implements `HeaterFacade`
and tests implement it with a small in-memory heater.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from firmware.work import ChipHealth
from firmware.work.rail import PowerReadings


@dataclass(frozen=True)
class PoolView:
    """One configured pool as reads show it (the password is never here)."""

    url: str  # stratum+tcp://host:port
    user: str
    has_password: bool = True


@dataclass(frozen=True)
class MinerFacts:
    """Everything the AxeOS-compatible endpoints report, from the daemon's current view."""

    hostname: str
    mac_address: str
    version: str
    board_name: str
    asic_model: str
    asic_count: int
    small_core_count: int
    frequency_mhz: float
    default_frequency_mhz: float
    frequency_options_mhz: tuple[float, ...]
    core_voltage_mv: int
    default_voltage_mv: int
    voltage_options_mv: tuple[int, ...]
    hashrate_ghs: float
    expected_hashrate_ghs: float
    power_w: float  # measured where the board has a meter, else the model at the true point
    chip_temp_c: float | None
    fan_rpm: int
    fan_percent: int
    max_power_w: float
    uptime_s: int
    shares_accepted: int
    shares_rejected: int
    reject_reasons: Mapping[str, int]
    best_difficulty: float
    session_best_difficulty: float
    pool_difficulty: float | None
    pools: tuple[PoolView, ...]
    active_pool_index: int | None  # None: no pool connected
    paused: bool
    free_heap_bytes: int
    hashing_backend: str = ""  # "asic" or "cpu"
    chips: tuple[ChipHealth, ...] = ()  # per chip of the ASIC chain, in chain order
    # What the board's parts measure (input V/A/W, Vout, Iout, regulator °C); None, or
    # None fields, where the board has no part for it.
    measured: PowerReadings | None = None


class HeaterFacade(Protocol):
    def state(self) -> Mapping[str, object]:
        """The MQTT state object (docs/mqtt.md, "state") (the same one MQTT publishes)."""
        ...

    def settings(self) -> Mapping[str, object]:
        """Current thermostat settings (mode, preset, target_c, power_limit_w, schedule...)."""
        ...

    def miner_facts(self) -> MinerFacts: ...

    async def apply_settings(self, changes: Mapping[str, object]) -> None:
        """Validate and apply all-or-nothing (the MQTT `set` rules); ValueError rejects."""
        ...

    async def apply_pools(self, pools: tuple[tuple[str, str, str | None], ...]) -> None:
        """Replace the pool list: (url, user, password or None = keep the current one)."""
        ...

    async def set_hostname(self, hostname: str) -> None: ...

    async def restart(self) -> None:
        """Restart mining (backend and pool sessions) without losing settings."""
        ...

    async def pause(self) -> None:
        """Stop hashing (no heat) until resumed."""
        ...

    async def resume(self) -> None: ...
