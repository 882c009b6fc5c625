"""Verify a received image and install it to the inactive slot on trial: the one step the
USB update agent runs at END and hearthd's `POST /api/update` runs after an upload
(docs/update-protocol.md, "What the device does at END" and "Over HTTP").

Both check the same facts, read from the update root at the moment of the install: the
board, the security floor, the highest confirmed version, `allow-downgrade` and the
trusted keys. Only one install runs at a time on a device, whichever path it came by
(an exclusive lock on `incoming/install.lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from firmware.update.image import ImageError, key_id, load_public_key, verify_image
from firmware.update.slots import SlotStore
from firmware.update.version import parse_version

# Present in the update root: the owner, at the device (a shell, the SD card), allows
# installing an image older than the highest confirmed one. Nothing over USB or HTTP
# writes it.
ALLOW_DOWNGRADE_FILE = "allow-downgrade"
INCOMING = "incoming"
LOCK_NAME = "install.lock"


@dataclass(frozen=True)
class Installed:
    slot: str
    version: str
    message: str


def image_board(board_setting: str) -> str:
    """The board name an image is built for, from `[device] board` (a profile name, or
    a path to a profile file: its stem)."""
    return Path(board_setting).stem


def load_trusted(root: Path) -> dict[bytes, Ed25519PublicKey]:
    keys: dict[bytes, Ed25519PublicKey] = {}
    for path in sorted((root / "keys").glob("*.pub")):
        key = load_public_key(path.read_bytes())
        keys[key_id(key)] = key
    return keys


def downgrade_allowed(root: Path) -> bool:
    return (root / ALLOW_DOWNGRADE_FILE).is_file()


def install_floor(store: SlotStore) -> str:
    """The lowest version this device installs: the security floor, raised to the
    highest confirmed version unless downgrades are allowed at the device."""
    state = store.state()
    if downgrade_allowed(store.root):
        return state.floor
    return max(state.floor, state.highest, key=parse_version)


@contextlib.contextmanager
def install_lock(root: Path) -> Iterator[None]:
    """Held while an image is verified and installed; `busy` if another install holds it."""
    incoming = root / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    with open(incoming / LOCK_NAME, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImageError("busy", "another firmware install is running") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def verify_and_install(
    store: SlotStore,
    data: bytes,
    *,
    board: str,
    trusted: Mapping[bytes, Ed25519PublicKey],
) -> Installed:
    """Verify `data` (docs/image-format.md) and put it in the inactive slot on trial.
    Raises ImageError, with nothing written, for any image the device must refuse."""
    with install_lock(store.root):
        image = verify_image(data, trusted, board=board, security_floor=install_floor(store))
        version = image.manifest.version
        state = store.state()
        for slot in (state.trial, state.active):
            info = store.slot_info(slot) if slot else None
            if slot and info is not None and info.get("digest") == image.digest.hex():
                # Power went after the install but before the sender heard of it: the
                # repeated upload finds the image already in place.
                return Installed(slot, version, f"version {version} is already in slot {slot}")
        slot = store.install(image)
        return Installed(
            slot,
            version,
            f"installed {version} in slot {slot}; it runs on trial after the next restart",
        )
