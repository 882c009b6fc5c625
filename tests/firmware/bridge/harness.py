"""What the bridge tests run it with: a small settings object standing in for the
daemon's (all-or-nothing validation), and a runner that hosts an `MqttBridge` on its
own event loop thread so synchronous tests can drive it through a real broker."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

from firmware.bridge import BridgeConfig, DemandSignal, DeviceInfo, DiscoveryInfo, MqttBridge

T = TypeVar("T")
MODES = ("off", "heat", "auto")
PRESETS = ("comfort", "eco", "boost", "away", "none")
TARGET_RANGE = (5.0, 30.0)
POWER_LIMIT_RANGE = (0.0, 1500.0)


class TestSettings:
    """The settable part of a heater, validated like the daemon must: every key known,
    every value typed and in range, or nothing changes."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.values: dict[str, object] = {
            "mode": "heat",
            "preset": "none",
            "target_c": 20.0,
            "power_limit_w": 1200.0,
        }
        self.applied: list[dict[str, object]] = []
        self.demands: list[DemandSignal] = []
        self.room_c = 18.5

    def apply_set(self, request: Mapping[str, object]) -> None:
        staged = dict(self.values)
        if not request:
            raise ValueError("empty command: give at least one setting")
        for key, value in request.items():
            if key == "mode":
                if value not in MODES:
                    raise ValueError(f"mode: {value!r} is not one of {', '.join(MODES)}")
            elif key == "preset":
                if value not in PRESETS:
                    raise ValueError(f"preset: {value!r} is not one of {', '.join(PRESETS)}")
            elif key == "target_c":
                staged[key] = check_number(key, value, *TARGET_RANGE)
                continue
            elif key == "power_limit_w":
                staged[key] = check_number(key, value, *POWER_LIMIT_RANGE)
                continue
            else:
                raise ValueError(f"unknown setting {key!r}")
            staged[key] = value
        self.values = staged
        self.applied.append(dict(request))

    def on_demand(self, signal: DemandSignal) -> None:
        self.demands.append(signal)

    def state(self) -> dict[str, object]:
        return {
            **self.values,
            "action": "heating" if self.values["mode"] != "off" else "off",
            "room_c": self.room_c,
            "power_w": 850.0,
            "hashrate_ghs": 1210.5,
            "chip_temp_c": 61.0,
            "fan_rpm": 2400,
            "efficiency_j_th": 17.5,
            "pool": "connected",
            "shares_accepted": 12,
            "shares_rejected": 0,
            "energy_kwh": 1.25,
            "uptime_s": 100,
            "alarms": [],
            "firmware": "0.1.0-test",
        }


def check_number(key: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key}: expected a number, got {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{key}: {value!r} is outside {low:g}..{high:g}")
    return float(value)


TEST_DEVICE = DeviceInfo(name="Test heater", model="Hearth virtual", sw_version="0.1.0-test")


class BridgeRunner:
    """An `MqttBridge` around a `TestSettings`, on a private event loop thread."""

    def __init__(
        self,
        config: BridgeConfig,
        *,
        device_id: str = "testheater",
        settings: TestSettings | None = None,
        discovery: DiscoveryInfo | None = None,
    ) -> None:
        self.settings = settings or TestSettings()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.device_id = device_id

        async def make() -> MqttBridge:
            return MqttBridge(
                config,
                device_id=device_id,
                get_state=self.settings.state,
                apply_set=self.settings.apply_set,
                discovery=discovery,
                on_demand=self.settings.on_demand,
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
