"""The update agent against unauthenticated bytes and signed-but-uninstallable images:
it answers every request, never raises, and writes nothing it cannot finish."""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.update.agent import DeviceIdentity, UpdateAgent
from firmware.update.image import (
    FORMAT,
    MANIFEST_NAME,
    ImageError,
    check_contents,
    key_id,
    pack_footer,
    signed_message,
    split_image,
)
from firmware.update.protocol import Kind, Packet, data_payload, decode
from host.image.build import _deterministic_tar
from tests.firmware.update.images import BOARD
from tests.support.hostile import hostile_json_bytes

KEY = Ed25519PrivateKey.generate()


def new_agent(root: Path) -> UpdateAgent:
    public = KEY.public_key()
    return UpdateAgent(
        root,
        DeviceIdentity(BOARD, "1.0.0", "a"),
        trusted_keys={key_id(public): public},
        free_bytes=lambda: 10**10,
    )


def signed(files: dict[str, bytes], version: str = "1.1.0") -> bytes:
    manifest = {
        "format": FORMAT,
        "version": version,
        "min_version": "0.0.0",
        "board": BOARD,
        "files": [
            {"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
            for p, d in sorted(files.items())
        ],
    }
    entries = [(MANIFEST_NAME, json.dumps(manifest).encode()), *sorted(files.items())]
    payload = _deterministic_tar(entries)
    # Signed by the trusted key without `hearth image sign`'s own checks: what a careless
    # or compromised build machine could produce.
    signature = KEY.sign(signed_message(payload))
    return payload + pack_footer(payload, key_id(KEY.public_key()), signature)


def answer(agent: UpdateAgent, kind: Kind, payload: bytes) -> Packet:
    (frame,) = agent.handle(Packet(kind, 7, payload))
    return decode(frame[:-1])


def test_a_nested_hello_is_a_protocol_error_not_a_crash(tmp_path: Path) -> None:
    reply = answer(new_agent(tmp_path), Kind.HELLO, b"[" * 5000)
    assert reply.kind is Kind.ERROR and reply.json()["code"] == "protocol"


@pytest.mark.parametrize(
    "payload", [b'{"proto": 1e400}', b'{"proto": ' + b"9" * 5000 + b"}", b"\xff" * 10, b"{" * 40]
)
def test_unbounded_requests_are_refused_cleanly(tmp_path: Path, payload: bytes) -> None:
    agent = new_agent(tmp_path)
    for kind in (Kind.HELLO, Kind.BEGIN, Kind.END, Kind.PROVISION, Kind.ABORT):
        assert answer(agent, kind, payload).kind is Kind.ERROR


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.sampled_from(list(Kind)), payload=hostile_json_bytes())
def test_fuzzed_requests_never_crash_the_agent(tmp_path: Path, kind: Kind, payload: bytes) -> None:
    agent = new_agent(tmp_path)
    frames = agent.handle(Packet(kind, 1, payload))
    assert len(frames) == 1
    assert decode(frames[0][:-1]).kind in set(Kind)


def test_an_image_where_a_file_is_also_a_directory_is_refused_at_verify(tmp_path: Path) -> None:
    image = signed({"controller/x": b"file", "controller/x/y": b"inside"})
    with pytest.raises(ImageError, match="cannot be a directory"):
        check_contents(split_image(image)[0])
    agent = new_agent(tmp_path)
    digest = hashlib.sha256(image).hexdigest()
    ready = answer(
        agent,
        Kind.BEGIN,
        json.dumps(
            {"size": len(image), "sha256": digest, "chunk_size": 32768, "compression": "zlib"}
        ).encode(),
    )
    assert ready.kind is Kind.READY
    for offset in range(0, len(image), 32768):
        raw = image[offset : offset + 32768]
        agent.handle(Packet(Kind.DATA, 2, data_payload(offset, len(raw), zlib.compress(raw))))
    for _ in range(3):  # the agent crashed at END three times in a row
        reply = answer(agent, Kind.END, b"{}")
        assert reply.kind is Kind.ERROR
    assert not (tmp_path / "slots" / "a.new").exists()
    assert not (tmp_path / "slots" / "b.new").exists()


def test_a_name_the_slot_uses_itself_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="reserved"):
        check_contents(split_image(signed({"slot.json": b"{}"}))[0])
