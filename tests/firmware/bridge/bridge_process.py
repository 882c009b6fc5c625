"""A bridge in its own process, for tests that kill -9 it (last will) or restart it
(persistent session). Prints `connected` once its first session is up.

    python -m tests.firmware.bridge.bridge_process HOST PORT USER PASSWORD DEVICE_ID
"""

from __future__ import annotations

import asyncio
import sys

from firmware.bridge import BridgeConfig, MqttBridge
from tests.support.fake_heater import FakeHeater


async def main(host: str, port: int, username: str, password: str, device_id: str) -> None:
    heater = FakeHeater()
    bridge = MqttBridge(
        BridgeConfig(host=host, port=port, username=username, password=password),
        device_id=device_id,
        get_state=heater.state,
        apply_set=heater.apply_set,
    )
    await bridge.start()
    await bridge.wait_connected(15.0)
    print("connected", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    host, port, username, password, device_id = sys.argv[1:6]
    asyncio.run(main(host, int(port), username, password, device_id))
