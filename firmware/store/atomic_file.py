"""Replace a file so that a power cut at any instant leaves the old or the new content.

The sequence is the one POSIX file systems guarantee: write a temporary file in the same
directory, fsync it, `os.replace` it over the target (an atomic rename), then fsync the
directory so the rename itself is on disk. Before the rename, the current file is kept
as `<name>.prev`: if the new file is ever found damaged (a disk that lied about fsync,
a truncated copy), the loader falls back to it.
"""

from __future__ import annotations

import contextlib
import os
import pathlib

PREVIOUS_SUFFIX = ".prev"
TEMP_SUFFIX = ".tmp"


def previous_path(path: pathlib.Path) -> pathlib.Path:
    return path.with_name(path.name + PREVIOUS_SUFFIX)


def fsync_directory(directory: pathlib.Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: pathlib.Path, data: bytes, *, keep_previous: bool = True) -> None:
    """Durably replace `path` with `data` (mode 0600: the store may hold private counters)."""
    tmp = path.with_name(f".{path.name}{TEMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    os.close(fd)
    if keep_previous and path.exists():
        # A hard link keeps the current copy as .prev without a moment where neither exists.
        prev = previous_path(path)
        with contextlib.suppress(FileNotFoundError):
            prev.unlink()
        os.link(path, prev)
    os.replace(tmp, path)
    fsync_directory(path.parent)
