"""The build step: the compiled module matches the sources; a missing one says what to do."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

from firmware.hashing import build


def test_compiled_module_is_current() -> None:
    # `make core` ran before the tests; a stale module would be testing old C code.
    assert build.is_up_to_date(build.build_id())


def test_build_is_a_no_op_when_current() -> None:
    path = build.module_path()
    before = path.stat().st_mtime_ns
    assert build.build() == path
    assert path.stat().st_mtime_ns == before


def test_build_id_follows_the_sources(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "csrc"
    shutil.copytree(build.CSRC, copy)
    monkeypatch.setattr(build, "CSRC", copy)
    original = build.build_id()
    source = copy / "sha256_portable.c"
    source.write_text(source.read_text() + "\n/* changed */\n")
    assert build.build_id() != original


BLOCK_CORE = """
import importlib.abc, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "firmware.hashing._core":
            raise ImportError("hidden by the test")
        return None
sys.meta_path.insert(0, Hide())
"""


def run_without_core(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_CORE + code], capture_output=True, text=True, check=False
    )


def test_missing_core_tells_user_to_build() -> None:
    proc = run_without_core("from firmware.hashing import scan")
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr
    assert "run `make core`" in proc.stderr


def test_build_and_reference_work_without_core() -> None:
    # `make core` runs `python -m firmware.hashing.build` on a tree with no core yet.
    proc = run_without_core(
        "import firmware.hashing.build as b, firmware.hashing.reference as r; "
        "print(len(b.build_id()), r.midstate(bytes(64)).hex()[:8])"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["32", "da5698be"]
