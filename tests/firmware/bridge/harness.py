"""What the bridge tests run it with: the one fake heater (tests/support/fake_heater.py:
the daemon's real settings rules, heat controller and state), and a runner that hosts an
`MqttBridge` on its own event loop thread so synchronous tests can drive it through a
real broker."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from firmware.bridge import BridgeConfig, DeviceInfo, DiscoveryInfo, MqttBridge
from tests.support.fake_heater import FakeHeater

T = TypeVar("T")


TEST_DEVICE = DeviceInfo(name="Test heater", model="Hearth virtual", sw_version="0.1.0-test")


class BridgeRunner:
    """An `MqttBridge` around a `FakeHeater`, on a private event loop thread."""

    def __init__(
        self,
        config: BridgeConfig,
        *,
        device_id: str = "testheater",
        heater: FakeHeater | None = None,
        discovery: DiscoveryInfo | None = None,
    ) -> None:
        self.heater = heater or FakeHeater()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.device_id = device_id

        async def make() -> MqttBridge:
            return MqttBridge(
                config,
                device_id=device_id,
                get_state=self.heater.state,
                apply_set=self.heater.apply_set,
                discovery=discovery,
                on_demand=self.heater.on_demand,
                on_prices=self.heater.on_prices,
            )

        self.bridge = self.call(make())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self, *, wait: bool = True) -> BridgeRunner:
        self.call(self.bridge.start())
        if wait:
            self.call(self.bridge.wait_connected(15.0))
        return self

    def in_loop(self, fn: Any, *args: Any) -> Any:
        """Run a plain function on the bridge's loop (where the daemon would call it)."""

        async def run() -> Any:
            return fn(*args)

        return self.call(run())

    def stop(self) -> None:
        try:
            self.call(self.bridge.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()

    def __enter__(self) -> BridgeRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
