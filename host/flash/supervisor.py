"""`hearth flash supervisor`: install the supervisor's MicroPython files on its board over USB.

The raw-REPL writer with on-board SHA-256 checks is firmware.update.supervisor_push (the
update agent uses the same one over the internal line); this module picks the files (a
source folder or a signed image's compiled `supervisor/` files) and shows progress.
"""

from __future__ import annotations

import argparse
import io
import tarfile
from collections.abc import Callable
from pathlib import Path

from firmware.update.image import ImageError, check_contents, split_image
from firmware.update.supervisor_push import (
    BoardSession,
    FileProgress,
    InstalledFile,
    SupervisorFlashError,
    install_supervisor,
    read_supervisor_files,
    supervisor_files,
)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = REPO / "firmware" / "supervisor"


def files_from_source(source: Path) -> dict[str, bytes]:
    if not source.is_dir():
        raise SupervisorFlashError("bad-name", f"{source} is not a folder")
    files = read_supervisor_files(source)
    if not files:
        raise SupervisorFlashError("bad-name", f"{source} holds no files")
    return files


def files_from_image(image: bytes) -> dict[str, bytes]:
    """The compiled supervisor files of an image, each checked against the manifest hash.
    (The signature is the device's business: `hearth image verify` checks it on the PC.)"""
    try:
        payload, _footer = split_image(image)
        check_contents(payload)
    except ImageError as exc:
        raise SupervisorFlashError("bad-image", f"not a valid image: {exc}") from exc
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as archive:
        members = {
            info.name: extracted.read()
            for info in archive
            if (extracted := archive.extractfile(info)) is not None
        }
    files = supervisor_files(members)
    if not files:
        raise SupervisorFlashError("bad-image", "the image holds no supervisor files")
    return files


def flash_supervisor(
    port: str,
    files: dict[str, bytes],
    *,
    baudrate: int = 115200,
    progress: Callable[[FileProgress], None] | None = None,
) -> list[InstalledFile]:
    """Install `files` on the board at `port`; raises SupervisorFlashError."""
    session = BoardSession.open(port, baudrate=baudrate)
    try:
        return install_supervisor(session, files, progress=progress)
    finally:
        session.close()


class FileProgressPrinter:
    """One line per file: written, verified on the board, or rewritten after a bad hash."""

    def __init__(self, write: Callable[[str], object] = print) -> None:
        self._write = write

    def __call__(self, step: FileProgress) -> None:
        where = f"[{step.index}/{step.count}] {step.name} ({step.size} bytes)"
        if step.stage == "retrying":
            self._write(f"{where}: hash differed on the board, writing it again")
        elif step.stage == "verified":
            self._write(f"{where}: written, SHA-256 verified on the board")


def run_supervisor_command(args: argparse.Namespace) -> int:
    """The `hearth flash supervisor` handler."""
    try:
        if args.image is not None:
            files = files_from_image(args.image.read_bytes())
        else:
            files = files_from_source(args.source or DEFAULT_SOURCE)
    except OSError as exc:
        print(f"hearth flash: cannot read {args.image}: {exc.strerror or exc}")
        return 1
    except SupervisorFlashError as exc:
        print(f"hearth flash: REFUSED ({exc.code}): {exc}")
        print("Nothing was written.")
        return 1
    total = sum(len(data) for data in files.values())
    print(f"installing {len(files)} supervisor files ({total} bytes) on {args.port}")
    try:
        installed = flash_supervisor(
            args.port, files, baudrate=args.baud, progress=FileProgressPrinter()
        )
    except SupervisorFlashError as exc:
        print(f"hearth flash: REFUSED ({exc.code}): {exc}")
        if exc.code in ("no-board", "bad-name"):
            print("Nothing was written.")
        elif exc.code in ("crashed", "no-reboot"):
            print("The new files are installed but the supervisor did not start cleanly.")
        else:
            print("The board's previous supervisor files were kept; it was reset into them.")
        return 1
    retried = sum(1 for item in installed if item.attempts > 1)
    note = f", {retried} rewritten after a bad hash" if retried else ""
    print(f"supervisor installed and running: {len(installed)} files verified{note}")
    return 0
