"""hearthd's part in a safe update: which slot it runs from, the slot's supervisor, the
confirm of a trial start (docs/update-protocol.md, "Confirming a trial start").

A start from a slot on trial must prove itself: the slot's supervisor installed on the MCU
(when the MCU's console is configured), then every health check passing (daemon up, chain
enumerated, supervisor answering) within `[update] confirm_timeout_s`. Only then is the slot
confirmed. Otherwise hearthd stops and exits with `EXIT_TRIAL_FAILED`; the device reboots and
the bootloader, finding the trial slot already started once, restores the previous one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from firmware.config import UpdateConfig
from firmware.update.boot_slot import booted_slot
from firmware.update.confirm import HealthCheck, confirm_when_healthy
from firmware.update.slots import SlotStore

if TYPE_CHECKING:  # the push needs mpremote (the micropython extra): imported when used
    from firmware.update.supervisor_sync import SyncResult

log = logging.getLogger(__name__)


class SlotStart:
    """One start of hearthd, seen by the update system. Inert without `[update] root`."""

    def __init__(self, config: UpdateConfig) -> None:
        self.config = config
        self.store = SlotStore(config.root) if config.root is not None else None
        self.slot = booted_slot(config.root) if config.root is not None else None
        self.supervisor: SyncResult | None = None
        self.confirmed = False
        self.failing: list[str] = []

    @property
    def on_trial(self) -> bool:
        if self.store is None or self.slot is None:
            return False
        return self.store.state().trial == self.slot

    async def install_supervisor(self) -> SyncResult | None:
        """Put this slot's supervisor on the MCU if it runs another one. Blocking serial
        work, so in a thread; called before the supervisor link opens."""
        console = self.config.supervisor_console
        if self.config.root is None or self.slot is None or not console:
            return None
        try:
            from firmware.update.supervisor_sync import sync_supervisor
        except ImportError as exc:
            raise RuntimeError(
                f"[update] supervisor_console is set but the supervisor push cannot run "
                f"({exc}): install hearth[micropython]"
            ) from exc
        result = await asyncio.to_thread(sync_supervisor, self.config.root, self.slot, console)
        self.supervisor = result
        if result.pushed and result.ok:
            log.info("supervisor: slot %s's supervisor installed and verified", self.slot)
        elif not result.ok:
            log.error("supervisor: not updated (%s): %s", result.code, result.error)
        return result

    def supervisor_installed(self) -> bool:
        """False only when this start tried to install its supervisor and failed."""
        return self.supervisor is None or self.supervisor.ok

    async def confirm(self, checks: Sequence[HealthCheck]) -> bool:
        """Wait for every check to pass, then confirm the slot. False: the time ran out
        (`failing` names the checks that never passed)."""
        if self.store is None or self.slot is None or not self.on_trial:
            return False
        if not self.supervisor_installed():
            # This slot's supervisor is not on the MCU: no use waiting for health.
            self.failing = ["supervisor installed"]
            log.error(
                "slot %s not confirmed: its supervisor could not be installed; restarting so "
                "the previous firmware comes back",
                self.slot,
            )
            return False
        log.info(
            "slot %s is on trial: confirming once healthy (%s; limit %.0f s)",
            self.slot,
            ", ".join(name for name, _ in checks),
            self.config.confirm_timeout_s,
        )
        self.confirmed, self.failing = await confirm_when_healthy(
            self.store, self.slot, checks, timeout_s=self.config.confirm_timeout_s
        )
        if self.confirmed:
            log.info("slot %s confirmed: this firmware is now the one the heater boots", self.slot)
        else:
            log.error(
                "slot %s not healthy after %.0f s (failing: %s): restarting so the previous "
                "firmware comes back",
                self.slot,
                self.config.confirm_timeout_s,
                ", ".join(self.failing),
            )
        return self.confirmed
