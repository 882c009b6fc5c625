"""The service facade: what the HTTP API (`firmware.api.HeaterFacade`) and the MQTT
bridge call. Reads come from the control loop's published snapshot; every write is a
command to the loop, answered once a snapshot carrying it was published."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from firmware.api import MinerFacts
from firmware.daemon.commands import (
    CapCommand,
    ChangeSettings,
    Demand,
    GridReading,
    Refresh,
    SetPaused,
    SetPrices,
)
from firmware.daemon.control import ControlLoop
from firmware.daemon.owner import OwnerData
from firmware.daemon.persistence import Persistence
from firmware.grid.prices import PriceTable
from firmware.heat import Cap, DemandSignal, PriceSchedule, SettingsLimits, apply_update


class HeaterService:
    def __init__(
        self,
        control: ControlLoop,
        persistence: Persistence,
        owner: OwnerData,
        limits: SettingsLimits,
    ) -> None:
        self.control = control
        self.persistence = persistence
        self.owner = owner
        self.limits = limits
        self._settings_lock = asyncio.Lock()  # one settings write at a time, all-or-nothing

    # ---- reads -----------------------------------------------------------------------

    def state(self) -> Mapping[str, object]:
        return self.control.snapshot.state

    def settings(self) -> Mapping[str, object]:
        return self.control.snapshot.settings

    def miner_facts(self) -> MinerFacts:
        return self.control.snapshot.facts

    # ---- writes ----------------------------------------------------------------------

    async def apply_settings(self, changes: Mapping[str, object]) -> None:
        """Validate all-or-nothing, save, then apply; ValueError changes nothing."""
        async with self._settings_lock:
            new = apply_update(self.control.heat.settings, changes, self.limits)
            try:
                await self.persistence.save(new)
            except (OSError, ValueError) as exc:
                # Not kept means not applied: the owner must not believe it was saved.
                raise ValueError(f"settings not saved ({exc}); nothing changed") from exc
            await self.control.send(ChangeSettings(new))

    async def on_demand(self, signal: DemandSignal) -> None:
        await self.control.send(Demand(signal))

    async def on_grid_reading(self, grid_w: float) -> None:
        """A grid meter reading (W, import positive) for solar-surplus following."""
        await self.control.send(GridReading(grid_w))

    async def set_prices(self, prices: PriceSchedule | None) -> None:
        await self.control.send(SetPrices(prices))

    async def on_prices(self, table: PriceTable | None) -> None:
        """An accepted MQTT `prices` table (None: drop the schedule): in force once the
        snapshot shows it, and kept in the store so a restart resumes it."""
        await self.set_prices(None if table is None else table.schedule())
        self.persistence.prices = table
        self.persistence.changed()

    async def post_cap(self, source: str, cap: Cap | None) -> None:
        """An outside input's power cap (the OpenADR VEN); None lifts it."""
        await self.control.send(CapCommand(source, cap))

    async def pause(self) -> None:
        await self.control.send(SetPaused(True))

    async def resume(self) -> None:
        await self.control.send(SetPaused(False))

    async def apply_pools(self, pools: tuple[tuple[str, str, str | None], ...]) -> None:
        configs = self.owner.edited_pools(pools)
        if self.control.pool is not None:
            await self.control.pool.set_pools(configs)
        self.owner.set_pools(configs)
        self.persistence.changed()
        await self.control.send(Refresh())

    async def set_hostname(self, hostname: str) -> None:
        self.owner.set_hostname(hostname)
        self.persistence.changed()
        await self.control.send(Refresh())

    async def restart(self) -> None:
        if self.control.pool is not None:
            await self.control.pool.set_pools(self.owner.pools)
