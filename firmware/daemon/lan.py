"""`LanPresence`: how the heater shows itself on the LAN: mDNS/DNS-SD advertising
(`firmware/discovery`) and app pairing (`firmware/pairing`) (docs/discovery.md).

Built by the daemon once the broker runs (pairing needs the embedded broker's logins)
and started once the HTTP API has its port (the port is what is advertised).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from firmware.broker import EmbeddedBroker
from firmware.config import HearthConfig
from firmware.discovery import HeaterRecord, advertised_addresses
from firmware.pairing import PairingCodes, PairingService
from firmware.pairing.service import MqttEndpoint

if TYPE_CHECKING:
    from firmware.discovery import Advertiser

log = logging.getLogger(__name__)


class LanPresence:
    def __init__(
        self,
        config: HearthConfig,
        version: str,
        broker: EmbeddedBroker | None,
    ) -> None:
        self.config = config
        self.version = version
        discovery = config.discovery
        self.addresses = (
            advertised_addresses(discovery.address, config.http.bind) if discovery.mdns else []
        )
        mqtt = config.mqtt
        if broker is not None and broker.info is not None:
            # As reachable from the LAN: the advertised address, not the loopback one.
            host = self.addresses[0] if self.addresses else broker.info.host
            endpoint = MqttEndpoint(host, broker.info.port, False, mqtt.prefix)
        else:
            endpoint = MqttEndpoint(mqtt.host, mqtt.port, mqtt.tls, mqtt.prefix)
        self.endpoint = endpoint
        self.pairing = PairingService(
            PairingCodes(time.monotonic),
            broker,
            endpoint,
            device_id=config.device.id,
            name=config.device.name,
            on_change=self._pairing_changed,
        )
        self.advertiser: Advertiser | None = None
        self._updates: set[asyncio.Task[None]] = set()

    async def start(self, http_port: int | None) -> None:
        if not self.config.discovery.mdns:
            return
        if http_port is None or not self.addresses:
            log.info(
                "mDNS: not advertising (%s)",
                "no HTTP API"
                if http_port is None
                else "HTTP bound to loopback or a name; set [discovery] address to announce one",
            )
            return
        record = HeaterRecord(
            device_id=self.config.device.id,
            name=self.config.device.name,
            version=self.version,
            http_port=http_port,
            mqtt_host=self.endpoint.host,
            mqtt_port=self.endpoint.port,
            mqtt_tls=self.endpoint.tls,
            prefix=self.endpoint.prefix,
        )
        from firmware.discovery import Advertiser  # python-zeroconf, only when advertising

        advertiser = Advertiser(record, self.addresses)
        try:
            await advertiser.start()
        except OSError as exc:
            log.error("mDNS: cannot advertise on %s: %s", ", ".join(self.addresses), exc)
            await advertiser.stop()
            return
        self.advertiser = advertiser

    def _pairing_changed(self) -> None:
        if self.advertiser is None:
            return
        task = asyncio.get_running_loop().create_task(
            self.advertiser.set_pairing(self.pairing.is_open())
        )
        self._updates.add(task)
        task.add_done_callback(self._updates.discard)

    async def stop(self) -> None:
        for task in list(self._updates):
            task.cancel()
        advertiser, self.advertiser = self.advertiser, None
        if advertiser is not None:
            await advertiser.stop()
