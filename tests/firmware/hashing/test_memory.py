"""The C core under AddressSanitizer/UBSan and valgrind: no access outside its buffers.

A small C harness (memcheck_harness.c) calls every entry point on exactly-sized heap
buffers; it is compiled with the core's own sources. Valgrind's CPU model has no SHA
extensions, so under valgrind only the portable path runs; ASan covers both paths.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

from firmware.hashing import build
from tests.conftest import require

HARNESS = pathlib.Path(__file__).with_name("memcheck_harness.c")


def compile_harness(out: pathlib.Path, *flags: str) -> pathlib.Path:
    require(shutil.which("gcc") is not None, "gcc is needed to build the memory-check harness")
    sources = [str(build.CSRC / name) for name in build.SOURCES]
    subprocess.run(
        ["gcc", "-O1", "-g", *flags, f"-I{build.CSRC}", '-DHEARTH_BUILD_ID="memcheck"',
         str(HARNESS), *sources, "-o", str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.mark.slow
def test_core_under_address_sanitizer(tmp_path: pathlib.Path) -> None:
    exe = compile_harness(
        tmp_path / "asan", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"
    )
    proc = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "ok"


@pytest.mark.slow
def test_core_under_valgrind(tmp_path: pathlib.Path) -> None:
    require(shutil.which("valgrind") is not None, "valgrind (Debian package) is not installed")
    exe = compile_harness(tmp_path / "plain")
    proc = subprocess.run(
        ["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=all",
         "-q", str(exe)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "ok"


@pytest.mark.slow
def test_portable_only_build_is_strict_c99(tmp_path: pathlib.Path) -> None:
    # What a CPU without SHA extensions (an ARM control board) compiles: no x86 code,
    # and it must be plain C99 without a single warning.
    exe = compile_harness(
        tmp_path / "portable", "-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
        "-DHEARTH_PORTABLE_ONLY",
    )  # fmt: skip
    proc = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["paths checked: 1", "ok"]
