"""A private Xvfb display for the Kivy tests, and the environment a Kivy subprocess needs."""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import require

XVFB = shutil.which("Xvfb")


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    require(XVFB is not None, "Xvfb is not installed (Debian package xvfb)")
    with running_xvfb() as display:
        yield display


@contextlib.contextmanager
def running_xvfb() -> Iterator[str]:
    """Start Xvfb on a display number it picks itself (-displayfd); stop it afterwards."""
    if XVFB is None:
        raise RuntimeError("Xvfb is not installed (Debian package xvfb)")
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [
            str(XVFB),
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            "1024x1024x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        process.wait()
        raise RuntimeError("Xvfb did not report a display number")
    try:
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def kivy_env(display: str, kivy_home: pathlib.Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DISPLAY=display,
        KIVY_NO_ARGS="1",
        KIVY_HOME=str(kivy_home),
        KIVY_NO_CONSOLELOG="1",
        KIVY_CLIPBOARD="sdl2",
        KIVY_TEXT="sdl2",
    )
    return env
