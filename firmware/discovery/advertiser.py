"""`Advertiser`: the heater's two DNS-SD services on python-zeroconf's asyncio face.

zeroconf sends and answers on the chosen addresses' interfaces only. A name already
taken on the LAN (two heaters both called "Hearth heater") is renamed by zeroconf
("Hearth heater (2)"), as RFC 6762 §9 asks. `set_pairing` re-announces the TXT record
when a pairing code opens or closes.
"""

from __future__ import annotations

import logging
import socket

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from firmware.discovery.records import (
    HEARTH_TYPE,
    HTTP_TYPE,
    HeaterRecord,
    host_label,
    instance_name,
)

log = logging.getLogger(__name__)


class Advertiser:
    def __init__(self, record: HeaterRecord, addresses: list[str]) -> None:
        if not addresses:
            raise ValueError("mDNS: no address to advertise")
        self.record = record
        self.addresses = addresses
        self.zeroconf: AsyncZeroconf | None = None
        self._pairing_open = False
        self._hearth: ServiceInfo | None = None
        self._http: ServiceInfo | None = None

    def _info(self, service_type: str, name: str, properties: dict[str, str]) -> ServiceInfo:
        return ServiceInfo(
            service_type,
            f"{name}.{service_type}",
            port=self.record.http_port,
            properties=properties,
            server=host_label(self.record.device_id),
            addresses=[socket.inet_aton(a) for a in self.addresses],
        )

    async def start(self) -> None:
        zc = AsyncZeroconf(interfaces=self.addresses, ip_version=IPVersion.V4Only)
        self.zeroconf = zc
        name = instance_name(self.record.name)
        hearth = self._info(HEARTH_TYPE, name, self.record.hearth_txt(pairing_open=False))
        await zc.async_register_service(hearth, allow_name_change=True)
        # The same instance name for the page (a rename above is followed here).
        chosen = hearth.name.removesuffix("." + HEARTH_TYPE)
        http = self._info(HTTP_TYPE, chosen, HeaterRecord.http_txt())
        await zc.async_register_service(http, allow_name_change=True)
        self._hearth, self._http = hearth, http
        log.info("mDNS: advertising %r on %s", chosen, ", ".join(self.addresses))

    async def set_pairing(self, pairing_open: bool) -> None:
        if self.zeroconf is None or self._hearth is None or pairing_open == self._pairing_open:
            return
        self._pairing_open = pairing_open
        name = self._hearth.name.removesuffix("." + HEARTH_TYPE)
        updated = self._info(HEARTH_TYPE, name, self.record.hearth_txt(pairing_open=pairing_open))
        await self.zeroconf.async_update_service(updated)
        self._hearth = updated

    async def stop(self) -> None:
        zc, self.zeroconf = self.zeroconf, None
        if zc is None:
            return
        await zc.async_unregister_all_services()
        await zc.async_close()
