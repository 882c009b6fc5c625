"""The history as served and kept: the recorder fed from the daemon's `state` object on
an injected clock, the real file (atomic, checksummed) surviving a restart and a damaged
one starting empty with a log line; `GET /api/history` and AxeOS's
`/api/system/statistics` over a real socket with a real aiohttp client; retained
`history/minute` and `history/hour` through a real Mosquitto, bounded in size."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import jsonschema
import yaml

from firmware.api import OPENAPI_FILE, ApiServer, WriteAuth
from firmware.bridge import BridgeConfig, DeviceTopics
from firmware.config import Secret
from firmware.history import FIELDS, HOURS, MINUTES, HistoryRecorder, encode
from firmware.history.recorder import HISTORY_FILE
from tests.firmware.api.heater_double import HeaterDouble
from tests.firmware.bridge.harness import BridgeRunner
from tests.support.mosquitto import running_mosquitto
from tests.support.mqtt_observer import MqttObserver

T0 = 1_764_806_400  # a whole hour
TOPICS = DeviceTopics("hearth", "testheater")
SPEC = yaml.safe_load(OPENAPI_FILE.read_text())
HISTORY_SCHEMA = {"$ref": "#/components/schemas/History", "components": SPEC["components"]}


class Clock:
    def __init__(self) -> None:
        self.now = float(T0)

    def __call__(self) -> float:
        return self.now


def recorder(tmp_path, state: dict, clock: Clock) -> HistoryRecorder:
    return HistoryRecorder(tmp_path, get_state=lambda: state, now_unix=clock)


def fill(rec: HistoryRecorder, clock: Clock, state: dict, minutes: int) -> None:
    for _ in range(minutes):
        state["power_w"] = 100.0 + clock.now % 3600 / 60
        rec.take()
        clock.now += 60


def daemon_state() -> dict:
    return {
        "room_c": 20.5, "target_c": 21.0, "power_w": 400.0, "hashrate_ghs": 25000.0,
        "energy_kwh": 1.25, "earned_sats": 12.5, "mode": "heat",
    }  # fmt: skip


def test_samples_come_from_the_state_object_in_the_history_units(tmp_path):
    clock, state = Clock(), daemon_state()
    rec = recorder(tmp_path, state, clock)
    rec.take()
    assert rec.history.document(MINUTES)["samples"] == [[T0, 20.5, 21.0, 400.0, 25.0, 1.25, 12.5]]


def test_the_history_survives_a_restart_and_a_damaged_file_starts_empty(tmp_path, caplog):
    clock, state = Clock(), daemon_state()
    rec = recorder(tmp_path, state, clock)
    fill(rec, clock, state, 125)
    rec.save()
    again = recorder(tmp_path, state, clock)
    again.restore()
    assert again.history.document(MINUTES) == rec.history.document(MINUTES)
    assert len(again.history.document(HOURS)["samples"]) == 2

    for name in (HISTORY_FILE, HISTORY_FILE + ".prev"):
        (tmp_path / name).write_bytes(b'{"format": "hearth-store", "half a file')
    with caplog.at_level(logging.WARNING):
        broken = recorder(tmp_path, state, clock)
        broken.restore()
    assert broken.history.document(MINUTES)["samples"] == []
    assert "history.json" in caplog.text and "not JSON" in caplog.text
    broken.take()  # and it goes on recording
    assert len(broken.history.document(MINUTES)["samples"]) == 1


def test_a_file_of_the_wrong_shape_is_logged_and_ignored(tmp_path, caplog):
    clock, state = Clock(), daemon_state()
    rec = recorder(tmp_path, state, clock)
    rec.store.save({"history": {"fields": ["room_c"], "minutes": [], "hours": []}})
    with caplog.at_level(logging.WARNING):
        rec.restore()
    assert "starting with an empty history" in caplog.text
    assert rec.history.document(MINUTES)["samples"] == []


def test_http_serves_both_spans_and_the_axeos_statistics_shape(tmp_path):
    clock, state = Clock(), daemon_state()
    rec = recorder(tmp_path, state, clock)
    fill(rec, clock, state, 180)

    async def main() -> None:
        auth = WriteAuth(True, Secret("test-token-0123456789"), "", Secret(""))
        server = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0, history=rec.history)
        await server.start()
        try:
            async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as client:
                async with client.get("/api/history?span=48h") as response:
                    assert response.status == 200
                    minutes = await response.json()
                assert minutes["interval_s"] == 60 and minutes["fields"] == list(FIELDS)
                jsonschema.validate(minutes, HISTORY_SCHEMA)  # as openapi.yaml says
                assert len(minutes["samples"]) == 180
                assert minutes["samples"][-1][0] == T0 + 179 * 60
                async with client.get("/api/history?span=90d") as response:
                    hours = await response.json()
                assert hours["interval_s"] == 3600
                assert [row[0] for row in hours["samples"]] == [T0, T0 + 3600]
                assert hours["samples"][0][3] == round(100 + 59 / 2, 1)  # the hour's mean
                async with client.get("/api/history?span=week") as response:
                    assert response.status == 400
                    assert "48h or 90d" in (await response.json())["error"]

                async with client.get("/api/system/statistics") as response:
                    stats = await response.json()
                assert stats["labels"][-1] == "timestamp" and "hashrate" in stats["labels"]
                last = dict(zip(stats["labels"], stats["statistics"][-1], strict=True))
                assert last["hashrate"] == 25000.0  # GH/s, as /api/system/info
                assert last["timestamp"] == stats["currentTimestamp"] == (T0 + 179 * 60) * 1000
                query = "/api/system/statistics?columns=power,roomTemp"
                async with client.get(query) as response:
                    picked = await response.json()
                assert picked["labels"] == ["power", "roomTemp", "timestamp"]
                assert picked["statistics"][-1][1] == 20.5
                async with client.get("/api/system/statistics?columns=vcore") as response:
                    assert response.status == 400
        finally:
            await server.stop()

    asyncio.run(main())


def test_mqtt_history_is_retained_republished_and_bounded(tmp_path):
    clock, state = Clock(), daemon_state()
    rec = recorder(tmp_path, state, clock)
    fill(rec, clock, state, 48 * 60)  # a full 48 hours: the largest minute payload
    assert len(encode(rec.history, MINUTES)) < 256 * 1024
    with running_mosquitto() as broker:
        config_login = {"username": broker.username, "password": broker.password}
        config = BridgeConfig(host=broker.host, port=broker.port, protocol="3.1.1", **config_login)
        with BridgeRunner(config) as runner:
            bridge = runner.bridge
            levels = {MINUTES.name: "minute", HOURS.name: "hour"}
            rec.publish = lambda span, payload: bridge.publish_retained(
                TOPICS.history(levels[span.name]), payload
            )
            runner.in_loop(rec.take)
            # A client that subscribes afterwards gets both, retained.
            with MqttObserver(broker.host, broker.port, **config_login) as obs:
                obs.watch("hearth/testheater/history/#")
                minute = obs.wait_for(TOPICS.history("minute"))
                hour = obs.wait_for(TOPICS.history("hour"))
                assert minute.retain and hour.retain
                assert minute.json() == rec.history.document(MINUTES)
                assert len(minute.json()["samples"]) == 48 * 60
                assert hour.json()["interval_s"] == 3600 and len(hour.json()["samples"]) == 48
                # The next minute: `minute` again, `hour` only once a new hour closed.
                state["room_c"] = 18.0
                runner.in_loop(rec.take)
                newer = obs.wait_nth(TOPICS.history("minute"), 2)
                assert newer.json()["samples"][-1][1] == 18.0
                assert len(obs.seen(TOPICS.history("hour"))) == 1
                assert json.loads(newer.payload)["samples"][0][0] > T0
