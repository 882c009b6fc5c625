"""A/B slots: trial boot, confirm, rollback, and an interrupted install."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.update.confirm import confirm_when_healthy
from firmware.update.image import VerifiedImage, key_id, verify_image
from firmware.update.slots import BootState, SlotStore
from host.image.sign import sign_image


def make_image(version: str, min_version: str = "0.0.0") -> VerifiedImage:
    files = {"controller/firmware/__init__.py": f"__version__ = {version!r}\n".encode()}
    manifest = {
        "format": 1, "version": version, "min_version": min_version, "board": "b",
        "files": [
            {"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
            for p, d in files.items()
        ],
    }  # fmt: skip
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in [("manifest.json", json.dumps(manifest).encode()), *files.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    key = Ed25519PrivateKey.generate()
    signed = sign_image(buffer.getvalue(), key)
    return verify_image(signed, {key_id(key.public_key()): key.public_key()}, board="b")


@pytest.fixture
def store(tmp_path: Path) -> SlotStore:
    store = SlotStore(tmp_path)
    assert store.install(make_image("1.0.0")) == "b"
    assert store.boot() == "b"
    assert store.confirm("b")
    return store


def running_version(store: SlotStore, slot: str) -> str:
    info = store.slot_info(slot)
    assert info is not None
    return info["version"]


def test_confirmed_update_becomes_active(store: SlotStore) -> None:
    slot = store.install(make_image("1.1.0", min_version="1.1.0"))
    assert slot == "a" and store.state().trial == "a"
    assert store.boot() == "a"
    assert store.confirm("a")
    assert store.state() == BootState(
        active="a", trial=None, trial_boots=0, floor="1.1.0", highest="1.1.0"
    )
    assert store.boot() == "a" and running_version(store, "a") == "1.1.0"


def test_unconfirmed_update_rolls_back_on_next_boot(store: SlotStore) -> None:
    store.install(make_image("1.1.0"))
    assert store.boot() == "a"  # the trial start
    assert store.boot() == "b"  # it never confirmed: back to the good slot
    assert store.state().trial is None
    assert not store.confirm("a")  # too late: a rolled-back slot cannot confirm
    assert store.boot() == "b" and running_version(store, "b") == "1.0.0"


def test_interrupted_install_leaves_active_slot_booting(store: SlotStore) -> None:
    # Simulate power lost mid-copy: a staging dir without its completion marker.
    staging = store.root / "slots" / "a.new" / "controller"
    staging.mkdir(parents=True)
    (staging / "half").write_bytes(b"x")
    assert store.boot() == "b"
    # And a slot dir without marker is never booted even if the state names it on trial.
    (store.root / "slots" / "a").mkdir()
    store._save(BootState(active="b", trial="a"))
    assert store.boot() == "b"
    assert store.state().trial is None


def test_corrupt_boot_state_falls_back_to_a_complete_slot(store: SlotStore) -> None:
    store.state_path.write_bytes(b"\x00garbage")
    assert store.boot() == "b"


def test_boot_state_validation() -> None:
    with pytest.raises(ValueError):
        BootState(active="c")
    with pytest.raises(ValueError):
        BootState(active="a", trial="a")
    with pytest.raises(ValueError):
        BootState(floor="one")


def test_confirm_waits_for_every_check_and_gives_up_at_the_limit(store: SlotStore) -> None:
    slot = store.install(make_image("1.1.0"))
    assert store.boot() == slot
    now = [0.0]

    async def tick(seconds: float) -> None:
        now[0] += seconds

    def crashes() -> bool:
        raise RuntimeError("a broken check")

    def run(checks, timeout_s):
        return asyncio.run(
            confirm_when_healthy(
                store, slot, checks, timeout_s=timeout_s, clock=lambda: now[0], sleep=tick
            )
        )

    ready_at = 3.0
    checks = [("up", lambda: True), ("late", lambda: now[0] >= ready_at), ("bad", crashes)]
    assert run(checks, 10.0) == (False, ["bad"])  # a crashing check fails; never confirmed
    assert now[0] >= 10.0 and store.state().trial == slot
    now[0] = 0.0
    assert run(checks[:2], 10.0) == (True, [])  # confirmed once "late" passed, not before
    assert ready_at <= now[0] < 10.0 and store.state().active == slot
    assert run(checks[:2], 10.0) == (False, [])  # no longer on trial: left alone
