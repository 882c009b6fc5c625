"""The real app, rendered headless on Xvfb against a real mosquitto and a live heater.

Kivy runs in a subprocess (tests/app/ui/kivy_driver.py, or `python -m app` itself) so
its window and global state never leak into other tests.
"""

import json
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.app.contract_heater import ContractHeater, contract_state
from tests.app.ui.display import kivy_env
from tests.support.mosquitto import MosquittoBroker

SCREENS = ("thermostat", "stats", "earnings", "schedule", "alerts", "settings")
# Text each screen must show for the heater's contract state (contract_state + failover).
EXPECTED_TEXT = {
    "thermostat": ["21.5°", "Room 19.8°", "Heating · 812 W", "2.15 TH/s", "5,120 sats", "Comfort"],
    "stats": ["42.37 kWh", "17.5 J/TH"],
    "earnings": ["5,120 sats", "1,234", "3"],
    "schedule": ["06:30", "21.0°C", "Send to heater"],
    "alerts": ["Mining on the backup pool"],
    "settings": ["livingroom · 19.8°C · online", "Connected"],
}


@pytest.fixture
def heater(mosquitto_broker: MosquittoBroker) -> Iterator[ContractHeater]:
    heater = ContractHeater(
        mosquitto_broker.host,
        mosquitto_broker.port,
        username=mosquitto_broker.username,
        password=mosquitto_broker.password,
        state=contract_state(pool="failover"),
    ).start()
    yield heater
    heater.stop()


def run_driver(
    broker: MosquittoBroker, display: str, tmp: pathlib.Path, *extra: str
) -> dict[str, object]:
    command = [
        sys.executable,
        "-m",
        "tests.app.ui.kivy_driver",
        "--broker",
        f"{broker.host}:{broker.port}",
        "--user",
        broker.username,
        "--password",
        broker.password,
        "--out-dir",
        str(tmp),
        "--data-dir",
        str(tmp / "data"),
        *extra,
    ]
    done = subprocess.run(
        command,
        env=kivy_env(display, tmp / "kivy"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, object] = json.loads((tmp / "report.json").read_text())
    assert "error" not in report, report
    return report


def test_every_screen_renders_live_data(
    mosquitto_broker: MosquittoBroker,
    heater: ContractHeater,
    xvfb_display: str,
    tmp_path: pathlib.Path,
) -> None:
    report = run_driver(mosquitto_broker, xvfb_display, tmp_path, "--screens", ",".join(SCREENS))
    for name in SCREENS:
        entry = report[name]
        assert isinstance(entry, dict)
        assert entry["screen"] == name
        for text in EXPECTED_TEXT[name]:
            assert text in entry["labels"], (name, text, entry["labels"])
        assert "livingroom" in entry["top_bar"]
        pixels = entry["pixels"]
        assert pixels["size"] == [480, 900] or pixels["size"] == (480, 900)
        assert pixels["distinct_colours"] > 40, (name, pixels)  # not blank, anti-aliased text
        assert pixels["non_background_fraction"] > 0.04, (name, pixels)
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
    # The big target temperature is really drawn: bright text pixels inside its label.
    assert report["thermostat"]["pixels"]["bright_in_target_label"] > 300


def test_dragging_the_dial_publishes_the_set_and_shows_it_pending_until_confirmed(
    mosquitto_broker: MosquittoBroker,
    heater: ContractHeater,
    xvfb_display: str,
    tmp_path: pathlib.Path,
) -> None:
    report = run_driver(
        mosquitto_broker, xvfb_display, tmp_path, "--screens", "thermostat", "--drag-to", "25.0"
    )
    assert heater.wait_for_set() == [{"target_c": 25.0}]  # one set per gesture, exact value
    raw = json.loads(heater.raw_sets[0])
    assert isinstance(raw["id"], str) and raw["id"].startswith("app-")
    after = report["after_drag"]
    assert isinstance(after, dict) and after["target_label"] == "25.0°"
    confirmed = report["after_confirm"]
    assert confirmed == {"target_label": "25.0°", "caption": "Target", "pending": False}
    assert heater.state["target_c"] == 25.0


def test_step_mode_and_preset_buttons_publish_their_sets(
    mosquitto_broker: MosquittoBroker,
    heater: ContractHeater,
    xvfb_display: str,
    tmp_path: pathlib.Path,
) -> None:
    report = run_driver(mosquitto_broker, xvfb_display, tmp_path, "--press", "+0.5°,-0.1°,Auto,Eco")
    assert report["pressed"] == ["+0.5°", "-0.1°", "Auto", "Eco"]
    # Each tap is one set; the second step builds on the first (21.5 + 0.5 - 0.1).
    assert heater.wait_for_set(4) == [
        {"target_c": 22.0},
        {"target_c": 21.9},
        {"mode": "auto"},
        {"preset": "eco"},
    ]


@pytest.mark.parametrize("screen", ["thermostat", "earnings"])
def test_the_screenshot_command_writes_the_exact_file(
    mosquitto_broker: MosquittoBroker,
    heater: ContractHeater,
    xvfb_display: str,
    tmp_path: pathlib.Path,
    screen: str,
) -> None:
    out = tmp_path / f"shot-{screen}.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--broker",
            f"{mosquitto_broker.host}:{mosquitto_broker.port}",
            "--user",
            mosquitto_broker.username,
            "--password",
            mosquitto_broker.password,
            "--screenshot",
            str(out),
            "--screen",
            screen,
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env=kivy_env(xvfb_display, tmp_path / "kivy"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "live" in done.stdout and out.exists()
    assert sorted(p.name for p in tmp_path.glob("shot-*")) == [out.name]  # no "0001" suffix
    image = Image.open(out).convert("RGB")
    assert image.size == (480, 900)
    assert len(image.getcolors(maxcolors=1 << 24) or []) > 40


def test_the_screenshot_command_fails_clearly_without_a_heater(
    mosquitto_broker: MosquittoBroker,
    xvfb_display: str,
    tmp_path: pathlib.Path,
) -> None:
    out = tmp_path / "none.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--broker",
            f"{mosquitto_broker.host}:{mosquitto_broker.port}",
            "--user",
            mosquitto_broker.username,
            "--password",
            mosquitto_broker.password,
            "--screenshot",
            str(out),
            "--timeout",
            "2",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env=kivy_env(xvfb_display, tmp_path / "kivy"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3 and "no heater reported" in done.stderr
    assert not out.exists()


def test_pool_down_demand_shed_and_no_schedule_yet_are_said_in_words(
    mosquitto_broker: MosquittoBroker, xvfb_display: str, tmp_path: pathlib.Path
) -> None:
    heater = ContractHeater(
        mosquitto_broker.host,
        mosquitto_broker.port,
        username=mosquitto_broker.username,
        password=mosquitto_broker.password,
        state=contract_state(pool="offline", limited_by="demand", schedule={}),
    ).start()
    try:
        report = run_driver(
            mosquitto_broker, xvfb_display, tmp_path, "--screens", "thermostat,schedule"
        )
    finally:
        heater.stop()
    thermostat = report["thermostat"]
    assert isinstance(thermostat, dict)
    notices = next(text for text in thermostat["labels"] if text.startswith("Pool unreachable"))
    assert notices.splitlines() == [
        "Pool unreachable (stratum+tcp://127.0.0.1:3333): not mining, no earnings. "
        "The heater keeps heating.",
        "The grid asked for less power: heating held back.",
    ]
    schedule = report["schedule"]
    assert isinstance(schedule, dict)
    labels = schedule["labels"]
    assert "No schedule yet. A suggested week is shown: tap Send to use it." in labels
    assert not any("could not be read" in text for text in labels)
    assert (
        "The schedule applies only in Auto; the heater is in Heat now, so it is not followed."
        in labels
    )
