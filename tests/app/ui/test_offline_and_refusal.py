"""The real app (headless Kivy) when things go wrong: a heater refusing a change, a heater
losing power (its last will), a second heater on the same broker."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.app.contract_heater import ContractHeater, contract_state
from tests.app.ui.display import kivy_env
from tests.app.ui.test_render import run_driver
from tests.support.mosquitto import MosquittoBroker
from tests.support.waiting import wait_until


def heater_on(broker: MosquittoBroker, device_id: str, **kwargs: object) -> ContractHeater:
    return ContractHeater(
        broker.host,
        broker.port,
        device_id=device_id,
        username=broker.username,
        password=broker.password,
        **kwargs,  # type: ignore[arg-type]
    ).start()


@pytest.fixture
def locked_heater(mosquitto_broker: MosquittoBroker) -> Iterator[ContractHeater]:
    heater = heater_on(
        mosquitto_broker, "livingroom", refuse={"preset": "presets are locked by the installer"}
    )
    yield heater
    heater.stop()


def test_a_refused_change_is_shown_in_plain_words(
    mosquitto_broker: MosquittoBroker,
    locked_heater: ContractHeater,
    xvfb_display: str,
    tmp_path: pathlib.Path,
) -> None:
    report = run_driver(mosquitto_broker, xvfb_display, tmp_path, "--press", "Boost")
    assert locked_heater.wait_for_set() == [{"preset": "boost"}]
    shown = report["after_press"]
    assert isinstance(shown, list)
    assert "The heater refused the preset: presets are locked by the installer" in shown
    assert "Comfort" in shown  # the heater's own preset is still the one shown
    # Live and heating, the dial's arc is drawn in the heating orange (grey when offline).
    assert report["thermostat"]["pixels"]["heat_in_dial"] > 500


def test_heaters_losing_power_are_shown_offline_with_their_last_values(
    mosquitto_broker: MosquittoBroker,
    xvfb_display: str,
    tmp_path: pathlib.Path,
) -> None:
    attic = heater_on(mosquitto_broker, "attic")
    kitchen = heater_on(mosquitto_broker, "kitchen", state=contract_state(room_c=18.2))
    command = [
        sys.executable, "-m", "tests.app.ui.kivy_driver",
        "--broker", f"{mosquitto_broker.host}:{mosquitto_broker.port}",
        "--user", mosquitto_broker.username, "--password", mosquitto_broker.password,
        "--out-dir", str(tmp_path), "--data-dir", str(tmp_path / "data"),
        "--watch", "120", "--screens", "thermostat,settings",
    ]  # fmt: skip
    errors = tmp_path / "driver-stderr.txt"  # a file: a full pipe would block the app
    with errors.open("w") as sink:
        app = subprocess.Popen(command, env=kivy_env(xvfb_display, tmp_path / "kivy"), stderr=sink)

    def shows(status: str, heater: str) -> bool:
        """The app's screen has shown `status` for `heater` (DIR/watched.jsonl)."""
        assert app.poll() is None, "the app stopped while watching"
        log = tmp_path / "watched.jsonl"
        lines = log.read_text().split("\n")[:-1] if log.exists() else []  # complete lines
        return any(entry[0] == status and heater in entry for entry in map(json.loads, lines))

    try:
        # Each step waits for the screen to show the previous one: no guessed delays.
        wait_until(lambda: shows("Heating · 812 W", "attic"), 90, "the attic shown heating")
        attic.stop(clean=False)  # power cut: the broker publishes its last will
        wait_until(lambda: shows("Heating · 812 W", "kitchen"), 60, "the kitchen shown")
        kitchen.stop(clean=False)
        wait_until(lambda: shows("Offline — last seen values", "attic"), 60, "all offline")
        (tmp_path / "stop-watching").touch()
        assert app.wait(timeout=90) == 0, errors.read_text()[-3000:]
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    report = json.loads((tmp_path / "report.json").read_text())
    assert "error" not in report, report
    watched = report["watched"]
    # Until the owner picks one, the first online heater by id is shown: the attic, then
    # the kitchen once the attic is gone, then (none online) the attic again, offline.
    assert watched[0][0] == "Heating · 812 W" and "attic" in watched[0]
    assert any(entry[0] == "Heating · 812 W" and "kitchen" in entry for entry in watched)
    assert watched[-1][0] == "Offline — last seen values" and "attic" in watched[-1]
    thermostat = report["then-thermostat"]
    assert "21.5°" in thermostat["labels"] and "Room 19.8°" in thermostat["labels"]
    assert thermostat["pixels"]["heat_in_dial"] < 50  # the arc is grey, not heating orange
    settings = report["then-settings"]["labels"]
    assert "attic · 19.8°C · offline" in settings
    assert "kitchen · 18.2°C · offline" in settings
