"""The package build compiles the C core: a wheel carries firmware/hashing/_core*.so.

The wheel is built from a copy of the source tree (without any compiled core in it), with
the test venv's setuptools and cffi (`--no-build-isolation --no-index`: no network), then
unpacked alone and imported from outside the checkout.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from firmware.hashing import build
from tests.conftest import require
from tests.firmware.hashing.test_scan import brute_force

ROOT = pathlib.Path(__file__).resolve().parents[3]
# What the package build reads: the metadata, the cffi hook and the packages.
PROJECT_PARTS = ("pyproject.toml", "setup.py", "README.md", "firmware", "hw", "host", "app")
CORE = "firmware/hashing/_core" + str(sysconfig.get_config_var("EXT_SUFFIX"))

USE_UNPACKED_CORE = """
import hashlib, pathlib, sys
import firmware.hashing.core as core
from firmware.hashing import midstate, scan_midstate, sha256d
assert pathlib.Path(core.__file__).is_relative_to(sys.argv[1]), core.__file__
assert sha256d(b"abc") == hashlib.sha256(hashlib.sha256(b"abc").digest()).digest()
header76 = bytes(range(76))
print(scan_midstate(midstate(header76[:64]), header76[64:], 0, 64, (1 << 252) - 1))
"""


def copy_project(dest: pathlib.Path) -> pathlib.Path:
    skip = shutil.ignore_patterns("__pycache__", "*.so", "*.egg-info", "build")
    dest.mkdir()
    for name in PROJECT_PARTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=skip)
        else:
            shutil.copy2(source, dest / name)
    return dest


@pytest.mark.slow
def test_wheel_carries_the_compiled_core(tmp_path: pathlib.Path) -> None:
    require(shutil.which("cc") is not None or shutil.which("gcc") is not None,
            "a C compiler is needed to build the wheel")  # fmt: skip
    source = copy_project(tmp_path / "src")
    assert not list(source.rglob("_core*.so"))
    out = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "--no-index", "--quiet", "-w", str(out), str(source)],
        capture_output=True, text=True, check=False, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("hearth-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert CORE in archive.namelist()
        # The wheel's core is the one these sources make, not a stale copy.
        assert f"hearth-hash-core:{build.build_id()}".encode() in archive.read(CORE)
        archive.extractall(site)

    expected = brute_force(bytes(range(76)), 0, 64, (1 << 252) - 1)  # hashlib
    run = subprocess.run(
        [sys.executable, "-c", USE_UNPACKED_CORE, str(site)],
        cwd=tmp_path, env={"PYTHONPATH": str(site)},
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(expected)

