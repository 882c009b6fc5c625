"""`hearth flash device` against a frozen device and bad images, and the device's
anti-rollback, with the real update agent (`serve`) on real ptys."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.update.agent import DeviceIdentity, UpdateAgent, serve
from firmware.update.image import key_id, split_image
from firmware.update.install import ALLOW_DOWNGRADE_FILE
from firmware.update.protocol import Kind, Packet
from firmware.update.slots import SlotStore
from host.flash.device import flash_image
from host.flash.link import FlashError, UpdateLink, open_port
from hw.sim.wire import PacedWire
from tests.firmware.update.images import BOARD, ImageKit


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> ImageKit:
    return ImageKit(Ed25519PrivateKey.generate(), tmp_path_factory.mktemp("trees"))


class RecordingAgent(UpdateAgent):
    """The real agent; it records what it was asked and can freeze after `freeze_after`
    DATA packets (a device whose firmware hung mid-upload: it reads nothing more)."""

    freeze_after: int | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kinds: list[Kind] = []
        self.thaw = threading.Event()

    def handle(self, packet: Packet) -> list[bytes]:
        self.kinds.append(packet.kind)
        data_seen = self.kinds.count(Kind.DATA)
        if self.freeze_after is not None and data_seen > self.freeze_after:
            self.thaw.wait(120)
            self.reboot_requested = True
            return []
        return super().handle(packet)


@pytest.fixture
def device(tmp_path: Path, kit: ImageKit) -> Iterator[tuple[RecordingAgent, PacedWire]]:
    public = kit.key.public_key()
    agent = RecordingAgent(
        tmp_path / "dev",
        DeviceIdentity(BOARD, "1.0.0", "a"),
        trusted_keys={key_id(public): public},
        free_bytes=lambda: 10**10,
    )
    wire = PacedWire(baud=None).start()
    thread = threading.Thread(target=serve, args=(agent, wire.device_path), daemon=True)
    thread.start()
    yield agent, wire
    agent.thaw.set()
    agent.reboot_requested = True
    thread.join(timeout=10)
    wire.stop()


def flash(wire: PacedWire, image: bytes, **link: float) -> None:
    port = open_port(wire.host_path)
    try:
        flash_image(UpdateLink(port, **link), image, resume=False, reboot=False)  # type: ignore[arg-type]
    finally:
        port.close()


def test_a_device_that_freezes_mid_upload_is_given_up_on_with_a_resume_hint(
    device: tuple[RecordingAgent, PacedWire], kit: ImageKit
) -> None:
    agent, wire = device
    agent.freeze_after = 2
    image = kit.build("1.1.0")
    started = time.monotonic()
    with pytest.raises(FlashError, match="--resume"):
        flash(wire, image, timeout_s=0.5, retries=3)
    # 3 silent rounds of 0.5 s, or one blocked write of WRITE_TIMEOUT_S: far below minutes.
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("damage", ["unsigned", "truncated", "tampered", "wrong_board", "stranger"])
def test_bad_images_are_refused_before_a_byte_is_uploaded(
    device: tuple[RecordingAgent, PacedWire], kit: ImageKit, tmp_path: Path, damage: str
) -> None:
    agent, wire = device
    image = kit.build("1.1.0")
    codes = {
        "unsigned": "unsigned",
        "truncated": "truncated",
        "tampered": "bad_signature",
        "wrong_board": "wrong_board",
        "stranger": "wrong_key",
    }
    if damage == "unsigned":
        image = split_image(image)[0]  # the archive as `hearth image build` leaves it
    elif damage == "truncated":
        image = image[:-5000]
    elif damage == "tampered":
        flipped = bytearray(image)
        flipped[len(image) // 3] ^= 0x10
        image = bytes(flipped)
    elif damage == "wrong_board":
        agent.identity = DeviceIdentity("bitaxe-gamma", "1.0.0", "a")
    else:
        stranger = ImageKit(Ed25519PrivateKey.generate(), tmp_path / "other")
        image = stranger.build("1.1.0", minimal=True)
    with pytest.raises(FlashError) as refused:
        flash(wire, image)
    assert refused.value.code == codes[damage], refused.value
    assert Kind.BEGIN not in agent.kinds and Kind.DATA not in agent.kinds


def install_and_confirm(agent: UpdateAgent, wire: PacedWire, image: bytes) -> None:
    flash(wire, image)
    store = SlotStore(agent.root)
    slot = store.state().trial
    assert slot is not None and store.boot() == slot and store.confirm(slot)


def test_anti_rollback_refuses_older_than_the_highest_confirmed_unless_allowed_at_the_device(
    device: tuple[RecordingAgent, PacedWire], kit: ImageKit
) -> None:
    agent, wire = device
    install_and_confirm(agent, wire, kit.build("1.2.0", minimal=True))
    older = kit.build("1.1.0", minimal=True)
    before = SlotStore(agent.root).state()
    with pytest.raises(FlashError) as refused:
        flash(wire, older)
    assert refused.value.code == "downgrade"
    assert "1.2.0" in str(refused.value)
    assert SlotStore(agent.root).state() == before
    # The owner allows it at the device (no USB request can create this file).
    (agent.root / ALLOW_DOWNGRADE_FILE).touch()
    install_and_confirm(agent, wire, older)
    state = SlotStore(agent.root).state()
    assert state.highest == "1.2.0"  # the record stays: removing the file re-arms it
