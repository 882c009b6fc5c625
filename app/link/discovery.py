"""Browsing the LAN for heaters: python-zeroconf's ServiceBrowser on `_hearth._tcp`.

zeroconf calls back on its own thread; each heater found, changed or gone is resolved
there (a bounded wait) and handed to the UI thread, like MQTT events. Services that
do not follow the contract are skipped with the reason (`on_refused`), never shown.
"""

from __future__ import annotations

from collections.abc import Callable

from zeroconf import IPVersion, ServiceBrowser, ServiceStateChange, Zeroconf

from app.model.found import HEARTH_SERVICE, FoundError, FoundHeater, found_from_service

Handoff = Callable[[Callable[[], None]], None]
RESOLVE_TIMEOUT_MS = 3000


class HeaterFinder:
    def __init__(
        self,
        handoff: Handoff,
        *,
        on_found: Callable[[str, FoundHeater], None],
        on_gone: Callable[[str], None],
        on_refused: Callable[[str], None],
        interfaces: list[str] | None = None,
    ) -> None:
        self.handoff = handoff
        self.on_found, self.on_gone, self.on_refused = on_found, on_gone, on_refused
        self.interfaces = interfaces
        self.zeroconf: Zeroconf | None = None
        self.browser: ServiceBrowser | None = None

    def start(self) -> None:
        if self.interfaces is None:
            self.zeroconf = Zeroconf(ip_version=IPVersion.V4Only)
        else:
            self.zeroconf = Zeroconf(interfaces=self.interfaces, ip_version=IPVersion.V4Only)
        self.browser = ServiceBrowser(self.zeroconf, HEARTH_SERVICE, handlers=[self.changed])

    def stop(self) -> None:
        if self.browser is not None:
            self.browser.cancel()
        if self.zeroconf is not None:
            self.zeroconf.close()
        self.browser = self.zeroconf = None

    def changed(
        self,
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        """zeroconf's thread: resolve, check, hand over."""
        if state_change is ServiceStateChange.Removed:
            self.handoff(lambda: self.on_gone(name))
            return
        info = zeroconf.get_service_info(service_type, name, timeout=RESOLVE_TIMEOUT_MS)
        if info is None:
            self.handoff(lambda: self.on_refused(f"{name}: did not resolve"))
            return
        try:
            found = found_from_service(
                name, info.parsed_addresses(IPVersion.V4Only), info.port, info.properties
            )
        except FoundError as error:
            reason = str(error)
            self.handoff(lambda: self.on_refused(reason))
            return
        self.handoff(lambda: self.on_found(name, found))
