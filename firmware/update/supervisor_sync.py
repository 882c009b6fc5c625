"""Keep the supervisor MCU running the supervisor that ships with the running slot.

Every image carries its supervisor (`supervisor/` in the slot). At each start, before the
supervisor link opens, the controller compares the digest of its slot's supervisor files
with the record of what it last installed on the MCU (`<update root>/supervisor.json`)
and, when they differ, installs the slot's files over the console line with
`push_supervisor` (hashed on the board, docs/supervisor-flashing.md). So a new image
brings its supervisor during its trial start (the health check "supervisor answering" then
covers the new pair), and a rollback brings the old supervisor back the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from firmware.store.atomic_file import write_atomic
from firmware.update.slots import slot_path
from firmware.update.supervisor_push import (
    IMAGE_FOLDER,
    PushResult,
    push_supervisor,
    read_supervisor_files,
)

RECORD_NAME = "supervisor.json"

Pusher = Callable[[str, Mapping[str, bytes]], PushResult]


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    pushed: bool  # False: the MCU already ran this slot's supervisor (or there is none)
    digest: str = ""
    error: str = ""
    code: str = ""


def files_digest(files: Mapping[str, bytes]) -> str:
    """One SHA-256 over the file set: each name with its content's hash, in name order."""
    outer = hashlib.sha256()
    for name in sorted(files):
        outer.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return outer.hexdigest()


def installed_digest(root: Path) -> str | None:
    try:
        record = json.loads((root / RECORD_NAME).read_bytes())
    except (OSError, ValueError):
        return None  # never installed by us, or unreadable: install again (harmless)
    digest = record.get("digest") if isinstance(record, dict) else None
    return digest if isinstance(digest, str) else None


def sync_supervisor(
    root: Path,
    slot: str,
    console: str,
    *,
    pusher: Pusher = push_supervisor,
) -> SyncResult:
    """Install slot `slot`'s supervisor on the MCU behind `console` unless it is there."""
    files = read_supervisor_files(slot_path(root, slot) / IMAGE_FOLDER)
    if not files:
        return SyncResult(ok=True, pushed=False)
    digest = files_digest(files)
    if installed_digest(root) == digest:
        return SyncResult(ok=True, pushed=False, digest=digest)
    result = pusher(console, files)
    if not result.ok:
        return SyncResult(
            ok=False, pushed=True, digest=digest, error=result.error, code=result.code
        )
    record = {"digest": digest, "slot": slot, "files": sorted(files)}
    write_atomic(
        root / RECORD_NAME, json.dumps(record, sort_keys=True).encode(), keep_previous=False
    )
    return SyncResult(ok=True, pushed=True, digest=digest)
