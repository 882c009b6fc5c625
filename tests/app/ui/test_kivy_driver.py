"""The Kivy driver says why it stops: Kivy routes `sys.stderr` into its own log (kept off
the console in the tests' environment), so without the driver's own reporting a bad run
would end with a bare exit status and an empty stderr."""

import pathlib
import subprocess
import sys

from tests.app.ui.display import kivy_env

ROOT = pathlib.Path(__file__).resolve().parents[3]


def test_a_refused_command_line_is_explained_on_stderr(tmp_path: pathlib.Path) -> None:
    # A generated password that starts with "-", passed as a separate argument: argparse
    # takes it for an option. No display is needed: the driver stops before any window.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.app.ui.kivy_driver",
            "--broker",
            "127.0.0.1:1",
            "--password",
            "-Zq3x",
            "--out-dir",
            str(tmp_path),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env=kivy_env(":0", tmp_path / "kivy"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "argument --password: expected one argument" in done.stderr
