"""hearthd's persistent state: which sections go into the store, restoring them at
start, and the save loop that keeps counters on disk (docs/daemon.md, "Persistent
store").

A failed write raises the alarm `store_error` and the loop keeps running (the next
write may succeed: a full disk freed, a remounted volume); a successful one clears it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from firmware.daemon.energy import EnergyMeter
from firmware.daemon.owner import OwnerData
from firmware.grid.prices import PriceTable, hearth_table
from firmware.heat import HeatController, HeatSettings, SettingsLimits
from firmware.pool import PoolManager
from firmware.store import Store

log = logging.getLogger(__name__)

STORE_ERROR = "store_error"
STORE_RECOVERED = "store_recovered"


class Persistence:
    def __init__(
        self,
        store: Store,
        *,
        heat: HeatController,
        limits: SettingsLimits,
        energy: EnergyMeter,
        owner: OwnerData,
        alarms: set[str],
        on_alarm: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.heat = heat
        self.limits = limits
        self.energy = energy
        self.owner = owner
        self.alarms = alarms
        self.pool: PoolManager | None = None
        self.prices: PriceTable | None = None  # the last accepted MQTT `prices` table
        self._on_alarm = on_alarm  # an alarm came or went: the snapshot should show it
        self._dirty = asyncio.Event()
        self._loaded: dict[str, Any] = {}

    # ---- writing ---------------------------------------------------------------------

    def sections(self, settings: HeatSettings | None = None) -> dict[str, Any]:
        """Everything to keep; `settings` replaces the settings in force (a `set` is saved
        before it is applied)."""
        sections: dict[str, Any] = {
            "settings": (settings or self.heat.settings).to_dict(),
            "energy": self.energy.snapshot(),
            "thermostat": self.heat.thermostat.snapshot(),
            "identity": self.owner.identity_section(),
        }
        pools = self.owner.pools_section()
        if pools is not None:
            sections["pools"] = pools
        if self.pool is not None:
            sections["pool"] = self.pool.snapshot()
        if self.prices is not None:
            sections["prices"] = self.prices.to_dict()
        return sections

    async def save(self, settings: HeatSettings | None = None) -> None:
        """Write now (in a thread); raises OSError/ValueError, and says so in the alarms."""
        try:
            await asyncio.to_thread(self.store.save, self.sections(settings))
        except (OSError, ValueError) as exc:
            self._alarm(True, exc)
            raise
        self._alarm(False)

    def save_now(self) -> None:
        """The final save at shutdown, on the loop thread (nothing else runs any more)."""
        try:
            self.store.save(self.sections())
        except (OSError, ValueError) as exc:
            self._alarm(True, exc)

    def changed(self) -> None:
        """Something worth saving changed: the save loop writes it at once."""
        self._dirty.set()

    async def run(self, interval_s: float) -> None:
        """Save every `interval_s`, or at once after `changed()`; never ends on a failed
        write."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval_s):
                    await self._dirty.wait()
            self._dirty.clear()
            with contextlib.suppress(OSError, ValueError):
                await self.save()

    def _alarm(self, failed: bool, exc: BaseException | None = None) -> None:
        present = STORE_ERROR in self.alarms
        if failed:
            log.error("store: save failed: %s", exc)
            self.alarms.add(STORE_ERROR)
        else:
            self.alarms.discard(STORE_ERROR)
        if failed != present:
            self._on_alarm()

    # ---- reading ---------------------------------------------------------------------

    def restore(self) -> None:
        """At start, before anything runs: every section its part validates; a damaged
        one is skipped (alarm `store_recovered`) and the rest still loads."""
        loaded = self.store.load()
        if loaded.problems:
            self.alarms.add(STORE_RECOVERED)
        self._loaded = loaded.sections
        restorers: dict[str, Callable[[Any], None]] = {
            "settings": self._restore_settings,
            "energy": self.energy.restore,
            "thermostat": self.heat.thermostat.restore,
            "identity": self.owner.restore_identity,
            "pools": self.owner.restore_pools,
            "prices": self._restore_prices,
        }
        for name, restore in restorers.items():
            if name in self._loaded:
                self._restore_one(name, restore)

    def restore_pool(self, pool: PoolManager) -> None:
        """Once the pool manager exists: its share ledger and earnings."""
        self.pool = pool
        if "pool" in self._loaded:
            self._restore_one("pool", pool.restore)

    def _restore_one(self, name: str, restore: Callable[[Any], None]) -> None:
        try:
            restore(self._loaded[name])
        except (ValueError, TypeError, KeyError) as exc:
            self.alarms.add(STORE_RECOVERED)
            log.warning("store: ignored damaged %r section: %s", name, exc)

    def _restore_prices(self, data: Any) -> None:
        """The last accepted price table, checked as a fresh MQTT one is."""
        if not isinstance(data, dict):
            raise ValueError("prices section is not an object")
        table = hearth_table(data)
        self.heat.set_prices(table.schedule())
        self.prices = table

    def _restore_settings(self, data: Any) -> None:
        self.heat.update_settings(
            HeatSettings.from_dict(data, self.limits, defaults=self.heat.settings)
        )
