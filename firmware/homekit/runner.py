"""`HomeKitRunner`: HAP-python's `AccessoryDriver` on hearthd's own asyncio loop.

Start: the kept identity (firmware/homekit/identity.py), the HAP server on `[homekit]
bind:port`, the `_hap._tcp` mDNS advertisement on the addresses `[discovery]` chooses
(none: the accessory is reachable only by address, as in tests), and a task that shows
the published state in the characteristics. Writes from a Home app go to
`apply_settings` (HeaterService, the path of MQTT `set`). Start and stop are each bounded
in time, so neither a hung socket nor zeroconf can hold hearthd up or down.
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from firmware.config.schema import HearthConfig, HomeKitConfig
from firmware.discovery import advertised_addresses
from firmware.homekit.identity import PAIRINGS_FILE, HomeKitIdentity, load_or_create_identity
from firmware.homekit.mapping import view_of

log = logging.getLogger(__name__)

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 3.0
APPLY_TIMEOUT_S = 10.0
# How often the published state is read into the characteristics (wall seconds); HAP
# events go out only for values that changed.
FOLLOW_S = 1.0


def homekit_addresses(config: HearthConfig) -> list[str]:
    """Where `_hap._tcp` is announced: `[discovery]`'s rule, over the HAP bind address."""
    if not config.discovery.mdns:
        return []
    return advertised_addresses(config.discovery.address, config.homekit.bind)


@dataclass(frozen=True)
class AccessoryFacts:
    name: str
    serial: str  # the heater's device id
    model: str
    version: str


class HomeKitRunner:
    def __init__(
        self,
        config: HomeKitConfig,
        state_dir: pathlib.Path,
        facts: AccessoryFacts,
        *,
        get_state: Callable[[], Mapping[str, object]],
        apply_settings: Callable[[Mapping[str, object]], Awaitable[None]],
        advertise_on: list[str],
    ) -> None:
        self.config = config
        self.state_dir = state_dir
        self.facts = facts
        self.get_state = get_state
        self.apply_settings = apply_settings
        self.advertise_on = advertise_on
        self.identity: HomeKitIdentity | None = None
        self.driver: Any = None
        self.accessory: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._applying = 0  # writes on their way: showing the old state would undo them

    async def start(self) -> None:
        # Imported here: HAP-python (and its crypto) loads only on heaters with HomeKit on.
        from pyhap.accessory_driver import AccessoryDriver

        from firmware.homekit.accessory import HeaterThermostat

        identity = await asyncio.to_thread(load_or_create_identity, self.state_dir)
        self.identity = identity
        bind = self.config.bind or "0.0.0.0"
        pairings = self.state_dir / PAIRINGS_FILE
        driver = AccessoryDriver(
            loop=asyncio.get_running_loop(),
            address=self.advertise_on[0] if self.advertise_on else bind,
            listen_address=bind,
            advertised_address=self.advertise_on or None,
            interface_choice=self.advertise_on or None,
            port=self.config.port,
            persist_file=str(pairings),
            pincode=identity.setup_code.encode(),
            mac=identity.device_id,
            advertise=bool(self.advertise_on),
        )
        if pairings.exists():
            await asyncio.to_thread(driver.load)
        driver.state.setup_id = identity.setup_id  # HAP-python draws a new one each start
        facts = self.facts
        accessory = HeaterThermostat(
            driver,
            facts.name,
            serial=facts.serial,
            model=facts.model,
            version=facts.version,
            on_patch=self._spawn_apply,
        )
        accessory.show(view_of(self.get_state()))
        driver.add_accessory(accessory)
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                await driver.async_start()
        except BaseException:
            await self._abandon(driver)
            raise
        self.driver, self.accessory = driver, accessory
        self._spawn(self._follow())
        log.info(
            "HomeKit: accessory %r on %s:%d, %s, %s",
            facts.name,
            bind,
            self.config.port,
            f"advertised on {', '.join(self.advertise_on)}" if self.advertise_on else
            "not advertised (no LAN address; see [discovery])",
            "paired" if driver.state.paired else "not paired yet",
        )  # fmt: skip

    @staticmethod
    async def _abandon(driver: Any) -> None:
        """Close what a failed start opened (the HAP server, zeroconf)."""
        if driver.http_server.server is not None:
            driver.http_server.async_stop()
        if driver.advertiser is not None:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await driver.advertiser.async_close()

    def setup(self) -> dict[str, object]:
        """What the owner's page shows (GET /api/homekit)."""
        identity, driver = self.identity, self.driver
        if identity is None or driver is None:
            return {"enabled": True, "running": False}
        return {
            "enabled": True,
            "running": True,
            "setup_code": identity.setup_code,
            "setup_uri": identity.setup_uri(),
            "paired": bool(driver.state.paired),
            "port": self.config.port,
        }

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _spawn_apply(self, patch: dict[str, object]) -> None:
        self._spawn(self._apply(patch))

    async def _apply(self, patch: dict[str, object]) -> None:
        self._applying += 1
        try:
            async with asyncio.timeout(APPLY_TIMEOUT_S):
                await self.apply_settings(patch)
        except (ValueError, TimeoutError) as exc:
            log.warning("HomeKit: %s not applied: %s", ", ".join(sorted(patch)), exc)
        finally:
            self._applying -= 1
        self._show()  # applied or not, the Home app shows what the heater does

    def _show(self) -> None:
        if self.accessory is not None:
            self.accessory.show(view_of(self.get_state()))

    async def _follow(self) -> None:
        while True:
            try:
                if not self._applying:
                    self._show()
            except Exception:  # a bad state value must not end HomeKit for good
                log.exception("HomeKit: state not shown")
            await asyncio.sleep(FOLLOW_S)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        driver, self.driver = self.driver, None
        if driver is None:
            return
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await driver.async_stop()
        except TimeoutError:
            log.error("HomeKit: the HAP server did not stop within %.0f s", STOP_TIMEOUT_S)
