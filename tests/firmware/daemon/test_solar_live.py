"""Solar surplus end to end: the real hearthd (subprocess, CPU backend) against a real
Mosquitto, a grid meter published by paho in the forms firmware/grid/meter.py reads, and
an outside room sensor (the CPU backend has no room reading of its own).

The meter is a small house: it publishes `house + heater`, the house's own net power plus
what the heater draws (the state's `power_w`), so following the surplus moves the meter
towards zero, as a real one does. The room sits just above the target, where the plain
thermostat idles: every watt the heater draws is surplus.
- export: `solar_w` is the export and the heater's power follows it (within target +
  comfort band); more export, more power;
- import: the surplus part stops and power drops back to the thermostat's (idle);
- a refused payload (`unavailable`, a JSON object without the field): logged with its
  reason, and nothing changes;
- a silent meter: after `stale_s` `surplus_w` is null and the plain thermostat heats.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable

import pytest

from tests.firmware.daemon.test_hearthd import Watcher, start_hearthd, write_config
from tests.support.mosquitto import MosquittoBroker, mosquitto_broker  # noqa: F401 (fixture)

STATE = "hearth/dtest/state"
ROOM_TOPIC = "zigbee2mqtt/Living room"
SPEED = 60.0  # control clock: 180 s hold = 3 wall s, 60 stale minutes = 60 wall s
TARGET_C = 21.0
ROOM_C = 21.3  # above the target: the thermostat idles, below target + band
BAND_C = 1.0
STALE_S = 10  # the meter's staleness, wall seconds
PERIOD_S = 0.2  # the meter's and the sensor's reporting period (wall)


class House:
    """Publishes the room temperature and the grid meter every PERIOD_S, the meter
    reading the house's net power plus the heater's last reported draw."""

    def __init__(self, watcher: Watcher, meter_topic: str, encode: Callable[[float], bytes]):
        self.watcher = watcher
        self.meter_topic = meter_topic
        self.encode = encode
        self.house_w = 0.0  # import positive
        self.heater_w = 0.0
        self.payload: bytes | None = None  # a fixed (bad) payload instead of the reading
        self.silent = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        client = self.watcher.client
        while not self._stop.is_set():
            client.publish(ROOM_TOPIC, json.dumps({"temperature": ROOM_C}), qos=0)
            if not self.silent:
                payload = self.payload or self.encode(self.house_w + self.heater_w)
                client.publish(self.meter_topic, payload, qos=0)
            self._stop.wait(PERIOD_S)

    def start(self) -> House:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class Log:
    """hearthd's output, line by line, to wait on."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in iter(stream.readline, b""):
            self.lines.put(line.decode(errors="replace"))

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no log line with {text!r} within {timeout} s")

    def rest(self) -> str:
        """Everything hearthd wrote, once it has exited."""
        self._thread.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


def run_daemon(tmp_path, broker, meter_table: str) -> subprocess.Popen:
    path = write_config(
        tmp_path,
        broker,
        "stratum+tcp://127.0.0.1:9",  # no pool needed: power follows the ask
        heat=f'mode = "heat"\npreset = "none"\ntarget_c = {TARGET_C}\npower_limit_w = 0',
        room_sensor=f'topic = "{ROOM_TOPIC}"\nfield = "temperature"\nstale_minutes = 60',
        grid_meter=meter_table,
    )
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("[device]\n", f"[device]\nclock_speed = {SPEED}\n", 1))
    return start_hearthd(path)


def stop(process: subprocess.Popen, log: Log) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    return log.rest()


class Scenario:
    def __init__(self, watcher: Watcher, house: House) -> None:
        self.watcher = watcher
        self.house = house

    def state(self, predicate: Callable[[dict], bool], timeout: float = 30.0) -> dict:
        """The first state matching `predicate`; every state seen feeds the house its
        heater's draw."""

        def seen(payload: bytes) -> bool:
            state = json.loads(payload)
            self.house.heater_w = float(state["power_w"])
            return predicate(state)

        return json.loads(self.watcher.wait_for(STATE, seen, timeout=timeout))


def following(export_w: float) -> Callable[[dict], bool]:
    """The surplus is the export, offered, and the heater draws it (±10 %)."""
    return lambda s: (
        s["surplus_w"] is not None
        and abs(s["surplus_w"] - export_w) <= 0.1 * export_w
        and s["solar_w"] > 0
        and abs(s["power_w"] - s["solar_w"]) <= 0.1 * s["solar_w"]
    )


@pytest.mark.parametrize(
    ("meter_table", "encode", "bad_payload", "reason"),
    [
        pytest.param(  # a Shelly Pro 3EM's status/em:0 (import positive, watts)
            'topic = "shellypro3em-house/status/em:0"\nfield = "total_act_power"\n'
            f"stale_s = {STALE_S}",
            lambda w: json.dumps(
                {"id": 0, "a_act_power": w / 3, "total_current": 4.1, "total_act_power": w}
            ).encode(),
            json.dumps({"id": 0, "a_act_power": -5.0}).encode(),
            "payload has no 'total_act_power'",
            id="shelly-pro-3em-json",
        ),
        pytest.param(  # a Home Assistant sensor in kW counting export as positive
            'topic = "homeassistant/sensor/grid_power/state"\nsign = "export_positive"\n'
            f'unit = "kW"\nstale_s = {STALE_S}',
            lambda w: f"{-w / 1000:.4f}".encode(),
            b"unavailable",
            "payload 'unavailable'",
            id="home-assistant-number-kw",
        ),
    ],
)
def test_heater_follows_export_drops_on_import_refuses_bad_and_falls_back_when_silent(
    tmp_path,
    mosquitto_broker: MosquittoBroker,  # noqa: F811
    meter_table: str,
    encode: Callable[[float], bytes],
    bad_payload: bytes,
    reason: str,
) -> None:
    watcher = Watcher(mosquitto_broker)
    topic = meter_table.split('"')[1]
    house = House(watcher, topic, encode)
    process = run_daemon(tmp_path, mosquitto_broker, meter_table)
    log = Log(process.stdout)
    try:
        scenario = Scenario(watcher, house)
        watcher.wait_for("hearth/dtest/availability", lambda p: p == b"online")
        # the comfort band is the owner's setting: room for surplus above the target
        watcher.client.publish(
            "hearth/dtest/set", json.dumps({"comfort_band_c": BAND_C, "id": "b"}), qos=1
        )
        house.house_w = -250.0  # exporting 250 W
        house.start()
        s = scenario.state(lambda s: s["room_c"] == ROOM_C and following(250.0)(s))
        assert s["target_c"] == TARGET_C and s["limited_by"] is None

        house.house_w = -350.0  # more sun: more power
        s = scenario.state(following(350.0))
        assert s["power_w"] > 300.0

        house.house_w = 300.0  # a kettle and a cloud: importing; the surplus part stops
        s = scenario.state(lambda s: s["surplus_w"] == 0.0 and s["solar_w"] == 0.0)
        s = scenario.state(lambda s: s["power_w"] < 20.0 and s["solar_w"] == 0.0)
        assert s["action"] == "idle"  # the room is above the target: the thermostat idles

        house.house_w = -300.0  # the sun is back
        before = scenario.state(following(300.0))

        house.payload = bad_payload  # the meter sends what is no reading
        line = log.wait_for("ignored reading on")
        assert reason in line and topic in line
        # nothing changed: the surplus stands (until stale) and the heater follows it
        # (every state of the next 3 s: well inside stale_s)
        window_end, seen = time.monotonic() + 3.0, 0
        while time.monotonic() < window_end:
            during = scenario.state(lambda s: True)
            seen += 1
            assert during["surplus_w"] is not None
            assert abs(during["surplus_w"] - before["surplus_w"]) <= 0.1 * before["surplus_w"]
            assert during["solar_w"] > 0
        assert seen >= 2

        house.silent = True  # the meter falls silent: after stale_s, the plain thermostat
        s = scenario.state(lambda s: s["surplus_w"] is None and s["solar_w"] == 0.0)
        s = scenario.state(lambda s: s["power_w"] < 20.0 and s["surplus_w"] is None)
        assert s["room_c"] == ROOM_C and s["target_c"] == TARGET_C
    finally:
        house.stop()
        output = stop(process, log)
        watcher.close()
    assert process.returncode == 0, output[-2000:]
    assert output.count("ignored reading on") == 1  # once per reason, not every message
