"""A/B firmware slots and the boot decision, safe against a power cut at any instant.

Layout under the device's update root (docs/update-protocol.md):

    boot.json          which slot is confirmed, which is on trial, the security floor
    slots/a/, slots/b/ an installed image each: its files plus `slot.json` (the manifest
                       digest), written last so a slot without it is incomplete
    keys/*.pub         trusted image-signing keys

Every change of `boot.json` is one atomic replace, and a slot is only ever written while it
is inactive; so whatever moment the power goes, the next boot finds a complete slot.
The boot rule is MCUboot's "test" swap: a new image is booted once on trial; if it has not
confirmed itself healthy by the following boot, the previous slot comes back.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from firmware.store.atomic_file import fsync_directory, write_atomic
from firmware.update.image import VerifiedImage
from firmware.update.version import parse_version

SLOTS = ("a", "b")
SLOT_MARKER = "slot.json"


@dataclass(frozen=True)
class BootState:
    active: str = "a"  # the last confirmed slot
    trial: str | None = None  # a newly installed slot waiting to prove itself
    trial_boots: int = 0  # times the trial slot was started without confirming
    floor: str = "0.0.0"  # security floor: images below it are refused, always
    # Anti-rollback (MCUboot's downgrade prevention): the highest version ever confirmed;
    # older images are refused unless the owner allowed downgrades at the device itself
    # (`allow-downgrade` in the update root, docs/update-protocol.md).
    highest: str = "0.0.0"

    def __post_init__(self) -> None:
        if self.active not in SLOTS or self.trial not in (None, *SLOTS):
            raise ValueError(f"boot state names an unknown slot: {self!r}")
        if self.trial == self.active:
            raise ValueError("the trial slot cannot be the active slot")
        parse_version(self.floor)
        parse_version(self.highest)


def slot_path(root: Path, slot: str) -> Path:
    """Where slot `slot` lives under an update root (docs/update-protocol.md)."""
    return root / "slots" / slot


def _no_checkpoint(step: str) -> None:
    """Default step hook; the device simulator passes one that cuts the power."""


class SlotStore:
    def __init__(self, root: Path, checkpoint: Callable[[str], None] = _no_checkpoint) -> None:
        self.root = root
        self.checkpoint = checkpoint
        (root / "slots").mkdir(parents=True, exist_ok=True)

    @property
    def state_path(self) -> Path:
        return self.root / "boot.json"

    def slot_dir(self, slot: str) -> Path:
        return slot_path(self.root, slot)

    def state(self) -> BootState:
        try:
            raw = json.loads(self.state_path.read_bytes())
            return BootState(**raw)
        except FileNotFoundError:
            return BootState()
        except (ValueError, TypeError) as exc:
            # boot.json is only ever replaced atomically, so this is media corruption:
            # fall back to whichever slot is complete rather than refusing to boot.
            good = [slot for slot in SLOTS if self.slot_complete(slot)]
            fallback = BootState(active=good[0] if good else "a")
            print(
                f"update: boot state unreadable ({exc}); booting {fallback.active}", file=sys.stderr
            )
            return fallback

    def _save(self, state: BootState) -> None:
        data = json.dumps(asdict(state), sort_keys=True).encode()
        write_atomic(self.state_path, data, keep_previous=False)

    def slot_info(self, slot: str) -> dict[str, str] | None:
        try:
            info = json.loads((self.slot_dir(slot) / SLOT_MARKER).read_bytes())
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) else None

    def slot_complete(self, slot: str) -> bool:
        return self.slot_info(slot) is not None

    def inactive(self) -> str:
        state = self.state()
        return "b" if state.active == "a" else "a"

    def install(self, image: VerifiedImage) -> str:
        """Write a verified image into the inactive slot and put it on trial."""
        state = self.state()
        slot = "b" if state.active == "a" else "a"
        target = self.slot_dir(slot)
        if state.trial == slot:
            # Replacing an untested image: take it off trial before touching its files.
            state = replace(state, trial=None, trial_boots=0)
            self._save(state)
            self.checkpoint("install:untrial")
        staging = target.with_name(slot + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        for index, (path, data) in enumerate(image.files().items()):
            out = staging / path
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if index == 0:
                self.checkpoint("install:staging")
        self.checkpoint("install:staged")
        marker = {
            "version": image.manifest.version,
            "min_version": image.manifest.min_version,
            "board": image.manifest.board,
            "digest": image.digest.hex(),
        }
        marker_data = json.dumps(marker, sort_keys=True).encode()
        write_atomic(staging / SLOT_MARKER, marker_data, keep_previous=False)
        self.checkpoint("install:marker")
        shutil.rmtree(target, ignore_errors=True)
        self.checkpoint("install:removed-old")
        os.replace(staging, target)
        fsync_directory(target.parent)
        self.checkpoint("install:renamed")
        self._save(replace(state, trial=slot, trial_boots=0))
        self.checkpoint("install:trial")
        return slot

    def boot(self) -> str:
        """The bootloader's choice at power-on. A trial slot gets exactly one start."""
        state = self.state()
        if state.trial is not None and self.slot_complete(state.trial):
            if state.trial_boots == 0:
                self._save(replace(state, trial_boots=1))
                self.checkpoint("boot:trial")
                return state.trial
            print(
                f"update: slot {state.trial} did not confirm itself; rolling back", file=sys.stderr
            )
        if state.trial is not None:
            self._save(replace(state, trial=None, trial_boots=0))
        if self.slot_complete(state.active) or not self.slot_complete(
            other := ("b" if state.active == "a" else "a")
        ):
            return state.active
        return other

    def confirm(self, slot: str) -> bool:
        """The running firmware in `slot` is healthy: make it the active slot for good."""
        state = self.state()
        if state.trial != slot:
            return False
        info = self.slot_info(slot) or {}
        floor = max(state.floor, info.get("min_version", "0.0.0"), key=parse_version)
        highest = max(state.highest, info.get("version", "0.0.0"), key=parse_version)
        self.checkpoint("confirm:before")
        self._save(
            BootState(active=slot, trial=None, trial_boots=0, floor=floor, highest=highest)
        )
        self.checkpoint("confirm:after")
        return True
