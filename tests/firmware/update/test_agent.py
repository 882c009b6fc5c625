"""The update agent's protocol core: every refusal leaves the running firmware untouched."""

from __future__ import annotations

import hashlib
import json
import stat
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.update.agent import MAX_CHUNK, DeviceIdentity, UpdateAgent
from firmware.update.image import key_id
from firmware.update.protocol import Kind, Packet, data_payload, decode, encode_json, parse_ack
from tests.firmware.update.images import BOARD, ImageKit

CHUNK = 4096


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> ImageKit:
    return ImageKit(Ed25519PrivateKey.generate(), tmp_path_factory.mktemp("trees"))


@pytest.fixture(scope="module")
def v1(kit: ImageKit) -> bytes:
    return kit.build("1.0.0", min_version="1.0.0")


@pytest.fixture(scope="module")
def v2(kit: ImageKit) -> bytes:
    return kit.build("1.1.0", min_version="1.0.0")


def new_agent(root: Path, kit: ImageKit, *, free: int = 10**10) -> UpdateAgent:
    public = kit.key.public_key()
    return UpdateAgent(
        root,
        DeviceIdentity(BOARD, "1.0.0", "a"),
        trusted_keys={key_id(public): public},
        free_bytes=lambda: free,
    )


def ask(agent: UpdateAgent, kind: Kind, body: dict[str, object]) -> Packet:
    (frame,) = agent.handle(Packet(kind, 1, json.dumps(body).encode()))
    return decode(frame[:-1])


def send(agent: UpdateAgent, image: bytes, upto: int | None = None, start: int = 0) -> int:
    offset = start
    end = len(image) if upto is None else upto
    while offset < end:
        raw = image[offset : offset + CHUNK]
        (frame,) = agent.handle(
            Packet(Kind.DATA, 2, data_payload(offset, len(raw), zlib.compress(raw)))
        )
        offset = parse_ack(decode(frame[:-1]).payload)
    return offset


def begin(agent: UpdateAgent, image: bytes) -> Packet:
    body = {"size": len(image), "sha256": hashlib.sha256(image).hexdigest()}
    return ask(agent, Kind.BEGIN, body | {"chunk_size": CHUNK, "compression": "zlib"})


def upload(agent: UpdateAgent, image: bytes) -> Packet:
    assert begin(agent, image).kind is Kind.READY
    send(agent, image)
    return ask(agent, Kind.END, {})


def snapshot(root: Path) -> dict[str, bytes]:
    """Everything that makes up the installed firmware and the boot decision."""
    files = {}
    for path in sorted((root / "slots").rglob("*")):
        if path.is_file():
            files[str(path.relative_to(root))] = path.read_bytes()
    boot = root / "boot.json"
    files["boot.json"] = boot.read_bytes() if boot.exists() else b""
    return files


@pytest.fixture
def installed(tmp_path: Path, kit: ImageKit, v1: bytes) -> UpdateAgent:
    agent = new_agent(tmp_path, kit)
    assert upload(agent, v1).kind is Kind.DONE
    assert agent.store.boot() == "b" and agent.store.confirm("b")
    return agent


def test_update_installs_into_inactive_slot_on_trial(installed: UpdateAgent, v2: bytes) -> None:
    done = upload(installed, v2)
    assert done.kind is Kind.DONE, done.json()
    assert done.json()["slot"] == "a" and done.json()["version"] == "1.1.0"
    state = installed.store.state()
    assert (state.active, state.trial) == ("b", "a")
    slot_init = installed.root / "slots/a/controller/firmware/__init__.py"
    assert "1.1.0" in slot_init.read_text()
    assert installed.session() is None


def refuse(agent: UpdateAgent, image: bytes, code: str) -> None:
    before = snapshot(agent.root)
    answer = upload(agent, image)
    assert answer.kind is Kind.ERROR, answer.json()
    assert answer.json()["code"] == code, answer.json()
    assert snapshot(agent.root) == before
    assert agent.session() is None  # a refused image is not kept around


def test_refusals_change_nothing(installed: UpdateAgent, kit: ImageKit, v2: bytes) -> None:
    payload = v2[:-96]
    refuse(installed, payload, "unsigned")
    other = ImageKit(Ed25519PrivateKey.generate(), kit.tree)
    refuse(installed, other.build("1.1.0"), "wrong_key")
    flipped = bytearray(v2)
    flipped[len(v2) // 3] ^= 0x10
    refuse(installed, bytes(flipped), "bad_signature")
    refuse(installed, v2[:-5000], "truncated")


def test_wrong_board_and_downgrade(installed: UpdateAgent, kit: ImageKit) -> None:
    installed.identity = DeviceIdentity("bitaxe-gamma", "1.0.0", "b")
    refuse(installed, kit.build("1.1.0"), "wrong_board")
    installed.identity = DeviceIdentity(BOARD, "1.0.0", "b")
    refuse(installed, kit.build("0.9.0"), "downgrade")  # floor is 1.0.0 after v1 confirmed


def test_end_before_all_data_is_refused_and_resumable(installed: UpdateAgent, v2: bytes) -> None:
    begin(installed, v2)
    got = send(installed, v2, upto=3 * CHUNK)
    answer = ask(installed, Kind.END, {})
    assert answer.json()["code"] == "truncated"
    # The partial download survives: BEGIN with the same image resumes where it stopped.
    assert begin(installed, v2).json() == {"resume_from": got}
    send(installed, v2, start=got)
    assert ask(installed, Kind.END, {}).kind is Kind.DONE


def test_resume_discards_bytes_past_the_last_ack(installed: UpdateAgent, v2: bytes) -> None:
    begin(installed, v2)
    got = send(installed, v2, upto=2 * CHUNK)
    with open(installed.root / "incoming/image.part", "ab") as part:
        part.write(b"half-written chunk before the power went")
    assert begin(installed, v2).json() == {"resume_from": got}
    assert (installed.root / "incoming/image.part").stat().st_size == got
    send(installed, v2, start=got)
    assert ask(installed, Kind.END, {}).kind is Kind.DONE


def test_out_of_space_refused_up_front(tmp_path: Path, kit: ImageKit, v2: bytes) -> None:
    agent = new_agent(tmp_path, kit, free=len(v2))
    answer = begin(agent, v2)
    assert answer.kind is Kind.ERROR and answer.json()["code"] == "out_of_space"
    assert agent.session() is None


def test_bad_chunks(installed: UpdateAgent, v2: bytes) -> None:
    begin(installed, v2)
    # A chunk for a later offset is not an error: the ACK says where to continue.
    (frame,) = installed.handle(Packet(Kind.DATA, 3, data_payload(CHUNK, 10, zlib.compress(b"x"))))
    assert parse_ack(decode(frame[:-1]).payload) == 0
    bomb = zlib.compress(b"\0" * (CHUNK * 8))
    (frame,) = installed.handle(Packet(Kind.DATA, 4, data_payload(0, CHUNK, bomb)))
    assert decode(frame[:-1]).json()["code"] == "protocol"
    (frame,) = installed.handle(Packet(Kind.DATA, 5, data_payload(0, 10, b"not zlib")))
    assert decode(frame[:-1]).json()["code"] == "protocol"
    big = {"size": len(v2), "sha256": "0" * 64, "chunk_size": MAX_CHUNK + 1}
    assert ask(installed, Kind.BEGIN, big | {"compression": "zlib"}).kind is Kind.ERROR
    (frame,) = installed.handle(Packet(Kind.HELLO, 6, b"not json"))
    assert decode(frame[:-1]).json()["code"] == "protocol"
    assert encode_json(Kind.HELLO, 1, {})  # the device is still answering
    assert ask(installed, Kind.HELLO, {"proto": 1}).json()["active"] == "b"


def test_provisioning_validates_masks_and_merges(installed: UpdateAgent) -> None:
    good = {"device_name": "living-room", "pool_url": "stratum+tcp://pool.example:3333"}
    answer = ask(installed, Kind.PROVISION, {"settings": good | {"pool_password": "hunter22"}})
    assert answer.kind is Kind.DONE
    assert answer.json()["settings"] == good | {"pool_password": "***"}
    stored = installed.root / "state/provisioned.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    before = stored.read_bytes()
    for bad in (
        {"pool_url": "http://pool.example"},
        {"mqtt_port": 70000},
        {"wifi_password": "short"},
        {"colour": "red"},
        {"device_name": "living-room", "api_token": "x"},
    ):
        answer = ask(installed, Kind.PROVISION, {"settings": bad})
        assert answer.kind is Kind.ERROR and answer.json()["code"] == "invalid_settings"
        assert "short" not in answer.json()["message"]  # secrets never echoed
        assert stored.read_bytes() == before
    ask(installed, Kind.PROVISION, {"settings": {"mqtt_port": 8883}})
    assert json.loads(stored.read_bytes())["device_name"] == "living-room"
