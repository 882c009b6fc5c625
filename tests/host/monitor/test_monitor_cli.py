"""`hearth monitor` against a real Mosquitto, with heaters published by the test: a good
one, one sending garbage, one that went offline (its last will), and the live view."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from host.cli import main
from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.mqtt_observer import MqttObserver
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[3]
GOOD = {
    "mode": "auto",
    "action": "heating",
    "target_c": 21.0,
    "room_c": 20.5,
    "power_w": 950,
    "hashrate_ghs": 310.5,
    "shares_accepted": 12,
    "shares_rejected": 1,
    "pool": "connected",
    "alarms": [],
}


def publisher(broker: MosquittoBroker) -> MqttObserver:
    return MqttObserver(
        broker.host, broker.port, username=broker.username, password=broker.password
    )


def broker_args(broker: MosquittoBroker) -> list[str]:
    address = f"{broker.host}:{broker.port}"
    return ["--broker", address, "--user", broker.username, "--password", broker.password]


def publish_fleet(heaters: MqttObserver) -> None:
    heaters.publish("hearth/living/availability", "online", retain=True)
    heaters.publish("hearth/living/state", json.dumps(GOOD), retain=True)
    heaters.publish("hearth/garage/availability", "online", retain=True)
    heaters.publish("hearth/garage/state", b"\xff{mangled", retain=True)
    heaters.publish("hearth/attic/state", json.dumps(dict(GOOD, action="off")), retain=True)
    heaters.publish("hearth/attic/availability", "offline", retain=True)


def rows_by_heater(out: str) -> dict[str, str]:
    return {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}


def test_once_prints_every_heater_on_the_broker(
    mosquitto_broker: MosquittoBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    with publisher(mosquitto_broker) as heaters:
        publish_fleet(heaters)
        assert main(["monitor", *broker_args(mosquitto_broker), "--once"]) == 0
    rows = rows_by_heater(capsys.readouterr().out)
    assert rows["living"].split() == [
        "living", "online", "20.5/21.0", "auto/heating", "950", "310.5", "GH/s", "12/1",
        "connected", "none",
    ]  # fmt: skip
    assert rows["garage"].split()[:3] == ["garage", "online", "bad"]
    assert "bad state: not UTF-8" in rows["garage"]
    assert rows["attic"].split()[1] == "offline"
    assert rows["3"] == "3 heater(s), 2 online"


def test_default_broker_comes_from_the_virtual_heaters_credentials(
    mosquitto_broker: MosquittoBroker,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credentials = tmp_path / "state" / "sim" / "broker-credentials.json"
    credentials.parent.mkdir(parents=True)
    credentials.write_text(
        json.dumps(
            {
                "host": mosquitto_broker.host,
                "port": mosquitto_broker.port,
                "username": mosquitto_broker.username,
                "password": mosquitto_broker.password,
            }
        )
    )
    monkeypatch.chdir(tmp_path)
    with publisher(mosquitto_broker) as heaters:
        heaters.publish("hearth/den/state", json.dumps(GOOD), retain=True)
        assert main(["monitor", "--once"]) == 0
    assert "den" in rows_by_heater(capsys.readouterr().out)


def test_without_a_broker_it_says_how_to_get_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["monitor", "--once"]) == 1
    assert "--broker HOST:PORT" in capsys.readouterr().out


def test_a_wrong_password_is_reported(
    mosquitto_broker: MosquittoBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--broker", f"{mosquitto_broker.host}:{mosquitto_broker.port}"]
    assert main(["monitor", *args, "--user", "hearth", "--password", "nope", "--once"]) == 1
    assert "refused the connection" in capsys.readouterr().out


def test_nothing_listening_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", "--broker", f"127.0.0.1:{free_port()}", "--once"]) == 1
    assert "cannot reach the broker" in capsys.readouterr().out


def collect(stream: IO[bytes], into: bytearray) -> None:
    """Everything a subprocess writes, as it comes (read in a thread: never blocks it)."""
    while chunk := stream.read1(4096):  # type: ignore[attr-defined]
        into += chunk


def test_the_live_view_redraws_as_heaters_change(mosquitto_broker: MosquittoBroker) -> None:
    with publisher(mosquitto_broker) as heaters:
        publish_fleet(heaters)
        view = subprocess.Popen(
            [sys.executable, "-m", "host.cli", "monitor", *broker_args(mosquitto_broker)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, COLUMNS="160"),
        )
        out = bytearray()
        assert view.stdout is not None
        reader = threading.Thread(target=lambda: collect(view.stdout, out), daemon=True)
        reader.start()

        def drawn_frames() -> list[str]:
            text = bytes(out).decode(errors="replace")
            return [frame for frame in text.split("\x1b[H\x1b[2J") if frame.strip()]

        try:
            # Each change waits for the view to have drawn the previous state.
            wait_until(lambda: any("living" in f for f in drawn_frames()), 30, "the fleet")
            heaters.publish(
                "hearth/living/state", json.dumps(dict(GOOD, room_c=23.25)), retain=True
            )
            heaters.publish("hearth/cellar/availability", "online", retain=True)
            wait_until(
                lambda: "3 online" in drawn_frames()[-1] and "23.2/21.0" in drawn_frames()[-1],
                30,
                "the redraw after the change",
            )
        finally:
            view.send_signal(signal.SIGINT)
            view.wait(timeout=10)
            reader.join(timeout=10)
    frames = drawn_frames()
    assert len(frames) >= 2  # the retained fleet, then at least one redraw with the changes
    first = next(frame for frame in frames if "living" in frame)  # retained ones arrived
    assert "20.5/21.0" in first and "cellar" not in first
    assert "23.2/21.0" in frames[-1] and "cellar" in frames[-1]
    assert "4 heater(s), 3 online" in frames[-1]
    assert view.returncode == 0


@pytest.mark.parametrize("prefix", ["", "/", "hearth/#", "a/+/b"])
def test_a_wildcard_prefix_is_refused(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", "--broker", "127.0.0.1:1", "--prefix", prefix, "--once"]) == 1
    assert "must be a topic prefix" in capsys.readouterr().out


def test_a_custom_prefix_sees_only_its_heaters(
    mosquitto_broker: MosquittoBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    with publisher(mosquitto_broker) as heaters:
        heaters.publish("site/b/den/state", json.dumps(GOOD), retain=True)
        heaters.publish("hearth/living/state", json.dumps(GOOD), retain=True)
        args = [*broker_args(mosquitto_broker), "--prefix", "site/b", "--once"]
        assert main(["monitor", *args]) == 0
    rows = rows_by_heater(capsys.readouterr().out)
    assert "den" in rows and "living" not in rows
