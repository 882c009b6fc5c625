"""Run inside a private network namespace (tests/support/netns.py): the heater's real
LanPresence (with the real embedded broker) advertises; a zeroconf ServiceBrowser, as an
app would run one, finds it. Prints one JSON object: what the browser resolved."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile

from zeroconf import ServiceStateChange
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from firmware.broker import EmbeddedBroker
from firmware.config.loader import parse_config
from firmware.daemon.lan import LanPresence
from firmware.discovery import HEARTH_TYPE, HTTP_TYPE

TIMEOUT_S = 20.0


async def resolve(zc: AsyncZeroconf, service_type: str, name: str) -> dict[str, object]:
    info = AsyncServiceInfo(service_type, name)
    if not await info.async_request(zc.zeroconf, 3000):
        raise TimeoutError(f"{name} did not resolve")
    return {
        "name": name,
        "port": info.port,
        "addresses": info.parsed_addresses(),
        "txt": {k.decode(): (v or b"").decode() for k, v in info.properties.items()},
    }


async def main(heater_name: str) -> None:
    with tempfile.TemporaryDirectory() as state:
        config = parse_config(
            {
                "device": {"id": "hearth-test", "name": heater_name, "state_dir": state},
                "pool": [{"url": "stratum+tcp://127.0.0.1:3333", "user": "u"}],
                "http": {"bind": "0.0.0.0"},
                "discovery": {"address": "127.0.0.1"},
            }
        )
        broker = EmbeddedBroker(state, host="0.0.0.0", port=0)
        await broker.start()
        lan = LanPresence(config, "9.9.9", broker)
        await lan.start(8123)
        zc = AsyncZeroconf(interfaces=["127.0.0.1"])
        seen: dict[str, asyncio.Future[str]] = {
            t: asyncio.get_running_loop().create_future() for t in (HEARTH_TYPE, HTTP_TYPE)
        }

        def on_change(zeroconf, service_type, name, state_change) -> None:  # type: ignore[no-untyped-def]
            if state_change is ServiceStateChange.Added and not seen[service_type].done():
                seen[service_type].set_result(name)

        browser = AsyncServiceBrowser(zc.zeroconf, list(seen), handlers=[on_change])
        found = {}
        for service_type, future in seen.items():
            name = await asyncio.wait_for(future, TIMEOUT_S)
            found[service_type] = await resolve(zc, service_type, name)
        # The owner opens a pairing code: the TXT record says so.
        lan.pairing.code()
        for _ in range(int(TIMEOUT_S * 10)):
            pairing = await resolve(zc, HEARTH_TYPE, found[HEARTH_TYPE]["name"])
            if pairing["txt"]["pair"] == "1":
                break
            await asyncio.sleep(0.1)
        found["pairing"] = pairing
        found["broker_port"] = broker.info.port if broker.info else None
        await browser.async_cancel()
        await zc.async_close()
        await lan.stop()
        await broker.stop()
        print(json.dumps(found))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
