"""An outside room sensor against a real Mosquitto: hearthd (CPU backend, no supervisor,
so no room sensor of its own) subscribes to a Zigbee2MQTT topic; a reading published by
paho is the state's `room_c`; once the sensor falls silent for `stale_minutes` the state
carries the alarm `room_sensor_stale`, `room_c` null, and the heater holds the bounded
fallback level (25 % of 400 W, below the chain's lowest point: duty-cycled at that
point), never full power blind."""

from __future__ import annotations

import asyncio
import json
import threading

from firmware.config import parse_config
from firmware.daemon.daemon import HeaterDaemon
from tests.support.mosquitto import MosquittoBroker, mosquitto_broker  # noqa: F401 (fixture)
from tests.support.mqtt_observer import MqttObserver, Received

TOPIC = "zigbee2mqtt/Living room sensor"
STATE = "hearth/rs/state"
SPEED = 60.0  # control clock: 1 stale minute is 1 wall second, 5 fallback minutes 5 s
FALLBACK_PERCENT = 25.0


def state(message: Received) -> dict:
    return json.loads(message.payload)


def test_zigbee2mqtt_reading_is_the_room_then_silence_is_an_alarm_and_a_bounded_level(
    tmp_path,
    mosquitto_broker: MosquittoBroker,  # noqa: F811
) -> None:
    config = parse_config(
        {
            "device": {"id": "rs", "state_dir": str(tmp_path), "clock_speed": SPEED},
            "backend": {"kind": "cpu"},
            "pool": [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qtest.rs"}],
            "mqtt": {
                "broker": f"{mosquitto_broker.host}:{mosquitto_broker.port}",
                "username": mosquitto_broker.username,
                "password": mosquitto_broker.password,
                "discovery": False,
            },
            "http": {"port": 0},
            "heat": {"mode": "heat", "target_c": 21.0},
            "room_sensor": {
                "topic": TOPIC,
                "field": "temperature",
                "stale_minutes": 1,
                "fallback_percent": FALLBACK_PERCENT,
            },
        }
    )
    observer = MqttObserver(
        mosquitto_broker.host,
        mosquitto_broker.port,
        username=mosquitto_broker.username,
        password=mosquitto_broker.password,
    ).start()
    observer.watch("hearth/rs/#")
    sensor_on = threading.Event()
    sensor_on.set()
    stop = threading.Event()

    def sensor() -> None:  # a Zigbee2MQTT device reporting every 0.1 s, until it dies
        while not stop.is_set():
            if sensor_on.is_set():
                observer.publish(
                    TOPIC,
                    json.dumps({"battery": 97, "humidity": 48, "temperature": 19.25}),
                    qos=0,
                )
            stop.wait(0.1)

    async def wait_for(predicate, after: int = 0) -> Received:
        return await asyncio.to_thread(
            observer.wait_for, STATE, predicate, timeout=30.0, after=after
        )

    async def scenario() -> None:
        daemon = HeaterDaemon(config)
        await daemon.start()
        publisher = threading.Thread(target=sensor, daemon=True)
        publisher.start()
        try:
            fresh = await wait_for(
                lambda m: (
                    state(m)["room_c"] == 19.25 and "room_sensor_stale" not in state(m)["alarms"]
                )
            )
            assert "no_room_sensor" not in state(fresh)["alarms"]

            sensor_on.clear()  # the sensor's battery dies
            after = len(observer.messages)
            stale = await wait_for(lambda m: "room_sensor_stale" in state(m)["alarms"], after)
            assert state(stale)["room_c"] is None
            # The bounded level: heating goes on (a cold room) at the chain's lowest
            # point, well under full power, and the stale alarm stays while it does.
            lowest_w = daemon.control.planner.min_w
            assert lowest_w > daemon.max_w * FALLBACK_PERCENT / 100.0
            # (The first stale states may still show the chain leaving the thermostat's
            # last point: the measured power follows the ask within the ramp.)
            held = await wait_for(
                lambda m: (
                    state(m)["action"] == "heating"
                    and "room_sensor_stale" in state(m)["alarms"]
                    and state(m)["power_w"] < 0.6 * daemon.max_w
                ),
                after,
            )
            assert state(held)["room_c"] is None
            assert daemon.control.demand_w in (0.0, lowest_w)

            sensor_on.set()  # back: the alarm clears and the reading steers again
            after = len(observer.messages)
            back = await wait_for(
                lambda m: (
                    state(m)["room_c"] == 19.25 and "room_sensor_stale" not in state(m)["alarms"]
                ),
                after,
            )
            assert back
        finally:
            stop.set()
            publisher.join(timeout=5)
            await daemon.stop()

    try:
        asyncio.run(scenario())
    finally:
        observer.stop()
