"""The app against the real virtual heater (`hearth sim`): its embedded amqtt broker, its
generated credentials file (what `make app` reads), and the real daemon's state."""

import json
import pathlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from app.launch import reachable
from tests.app.ui.display import kivy_env

ROOT = pathlib.Path(__file__).resolve().parents[3]
HEARTH = pathlib.Path(sys.executable).with_name("hearth")
SIM_START_TIMEOUT_S = 90.0


@pytest.fixture(scope="module")
def virtual_heater(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pathlib.Path]:
    """`hearth sim --duration` in its own state dir; yields its broker-credentials.json."""
    if not HEARTH.exists() and shutil.which("hearth") is None:
        pytest.fail("the hearth CLI is not installed in this environment")
    state = tmp_path_factory.mktemp("sim-state")
    log = (state / "sim.out").open("w")
    process = subprocess.Popen(
        [
            str(HEARTH),
            "sim",
            "--duration",
            "150",
            "--state-dir",
            str(state),
            "--http-port",
            "0",
            "--device-id",
            "sim-heater",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    credentials = state / "broker-credentials.json"
    deadline = time.monotonic() + SIM_START_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"hearth sim exited: {(state / 'sim.out').read_text()[-2000:]}")
            if credentials.exists():
                data = json.loads(credentials.read_text())
                if reachable("127.0.0.1", data["port"]):
                    break
            if time.monotonic() > deadline:
                pytest.fail("hearth sim did not bring up its broker")
            time.sleep(0.2)
        yield credentials
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.slow
def test_the_app_renders_the_virtual_heater_from_its_credentials_file(
    virtual_heater: pathlib.Path, xvfb_display: str, tmp_path: pathlib.Path
) -> None:
    out = tmp_path / "sim-thermostat.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--credentials",
            str(virtual_heater),
            "--screenshot",
            str(out),
            "--timeout",
            "60",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env=kivy_env(xvfb_display, tmp_path / "kivy"),
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "live" in done.stdout
    image = Image.open(out).convert("RGB")
    assert image.size == (480, 900) and len(image.getcolors(maxcolors=1 << 24) or []) > 40


@pytest.mark.slow
def test_every_screen_shows_the_real_daemons_state(
    virtual_heater: pathlib.Path, xvfb_display: str, tmp_path: pathlib.Path
) -> None:
    data = json.loads(virtual_heater.read_text())
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.app.ui.kivy_driver",
            "--broker",
            f"127.0.0.1:{data['port']}",
            # One argument each: the generated password is URL-safe base64 and starts
            # with "-" one time in 64, which argparse would take for an option.
            f"--user={data['username']}",
            f"--password={data['password']}",
            "--screens",
            "thermostat,stats,alerts,settings",
            "--out-dir",
            str(tmp_path),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env=kivy_env(xvfb_display, tmp_path / "kivy"),
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-3000:])
    report = json.loads((tmp_path / "report.json").read_text())
    assert "error" not in report, report
    thermostat = report["thermostat"]["labels"]
    assert "20.0°" in thermostat  # the sim's default target, from its retained state
    assert any(text.startswith("Room ") and text != "Room —" for text in thermostat)
    assert "sim-heater" in report["thermostat"]["top_bar"]
    assert any(text.startswith("sim-heater · ") for text in report["settings"]["labels"])
    assert report["thermostat"]["pixels"]["bright_in_target_label"] > 300
