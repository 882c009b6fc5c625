"""`POST /api/update` over a real socket with real signed images (tests/firmware/update's
ImageKit, the project's own build and sign tools) and a real update root: a good image
goes to the inactive slot on trial; every bad one is refused with nothing changed; only
the owner may upload; an oversize body is refused before a byte is stored; one upload at
a time; a stalled upload is dropped. Every answer conforms to openapi.yaml."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.api import ApiServer, WriteAuth, create_app
from firmware.api import update as web_update
from firmware.api.update import PART_NAME, WebUpdate
from firmware.config import Secret
from firmware.update.image import FOOTER, MAX_IMAGE_BYTES
from firmware.update.install import INCOMING
from firmware.update.slots import SlotStore
from hw.sim.device import factory_install
from tests.firmware.api.heater_double import HeaterDouble
from tests.firmware.update.images import BOARD, ImageKit
from tests.support.openapi import conforms, served_and_documented
from tests.support.waiting import eventually

TOKEN = "update-test-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
OCTETS = {"Content-Type": "application/octet-stream"}
# factory_install puts the first image in slot b (a fresh store's inactive slot).
RUNNING, INACTIVE = "b", "a"


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> ImageKit:
    return ImageKit(Ed25519PrivateKey.generate(), tmp_path_factory.mktemp("trees"))


@pytest.fixture(scope="module")
def images(kit: ImageKit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    good = kit.build("1.1.0", minimal=True)
    payload_middle = (len(good) - FOOTER.size) // 2
    tampered = bytearray(good)
    tampered[payload_middle] ^= 0x01
    stranger = ImageKit(Ed25519PrivateKey.generate(), tmp_path_factory.mktemp("stranger"))
    return {
        "first": kit.build("1.0.0", minimal=True),
        "good": good,
        "unsigned": good[: -FOOTER.size],
        "tampered": bytes(tampered),
        "wrong_key": stranger.build("1.1.0", minimal=True),
        "wrong_board": kit.build("1.1.0", minimal=True, board="bitaxe-ultra"),
        "downgrade": kit.build("0.9.0", minimal=True),
        "truncated": good[:-10],
    }


def update_root(tmp_path: Path, kit: ImageKit, first: bytes) -> Path:
    """A heater as it leaves the factory: 1.0.0 confirmed in slot b, the kit's key trusted."""
    root = tmp_path / "update"
    assert factory_install(root, first, [kit.key.public_key()], BOARD) == RUNNING
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Both slots, the boot decision and whatever is left in incoming/."""
    files = {}
    for folder in ("slots", INCOMING):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.name != "install.lock":
                files[str(path.relative_to(root))] = path.read_bytes()
    files["boot.json"] = (root / "boot.json").read_bytes()
    return files


def serve(root: Path, test, *, free_bytes=None, auth: WriteAuth | None = None) -> list[str]:
    """Run `test(client, update)` against a real server; returns the reboot requests."""
    reboots: list[str] = []
    auth = auth or WriteAuth(True, Secret(TOKEN), "", Secret(""))
    update = WebUpdate(root, BOARD, lambda: reboots.append("reboot"), free_bytes=free_bytes)

    async def main():
        server = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0, update=update)
        await server.start()
        try:
            timeout = aiohttp.ClientTimeout(total=60)
            base = f"http://127.0.0.1:{server.port}"
            async with aiohttp.ClientSession(base, timeout=timeout) as client:
                await test(client, update, server.port)
        finally:
            await server.stop()

    asyncio.run(main())
    return reboots


async def upload(client, image: bytes, headers=BEARER):
    async with client.post("/api/update", data=image, headers={**OCTETS, **headers}) as r:
        body = await r.json()
        if r.status == 200:
            conforms(body, "UpdateInstalled")
        elif r.status != 401 and "code" in body:
            conforms(body, "UpdateError")
        return r.status, body


def test_every_update_route_is_in_openapi(tmp_path) -> None:
    update = WebUpdate(tmp_path, BOARD, lambda: None)
    app = create_app(HeaterDouble(), WriteAuth(False, Secret(""), "", Secret("")), update=update)
    served, documented = served_and_documented(app, "/api/update")
    assert served and served == documented


def test_a_good_image_goes_to_the_inactive_slot_on_trial_and_a_restart_starts_it(
    tmp_path, kit, images
):
    root = update_root(tmp_path, kit, images["first"])

    async def test(client, update, port):
        async with client.post("/api/update/reboot", headers=BEARER) as r:
            assert r.status == 409  # nothing uploaded yet: nothing to start
        status, body = await upload(client, images["good"])
        assert status == 200, body
        assert body["slot"] == INACTIVE and body["version"] == "1.1.0"
        assert "on trial after the next restart" in body["message"]
        state = SlotStore(root).state()
        assert (state.active, state.trial, state.trial_boots) == (RUNNING, INACTIVE, 0)
        assert SlotStore(root).slot_info(INACTIVE)["version"] == "1.1.0"
        assert not (root / INCOMING / PART_NAME).exists()
        async with client.get("/api/update") as r:
            seen = await r.json()
        conforms(seen, "UpdateStatus")
        assert seen["restart_pending"] is True and seen["trial_version"] == "1.1.0"
        # The same image again (the answer was lost): already there, nothing rewritten.
        status, again = await upload(client, images["good"])
        assert status == 200 and "already in slot a" in again["message"]
        async with client.post("/api/update/reboot", headers=BEARER) as r:
            assert r.status == 200
            restarting = await r.json()
        conforms(restarting, "UpdateInstalled")
        assert restarting["message"] == "restarting into 1.1.0 (slot a) on trial"

    assert serve(root, test) == ["reboot"]
    # What the bootloader then does with it: one trial start of the uploaded slot.
    assert SlotStore(root).boot() == INACTIVE


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("unsigned", "unsigned"),
        ("tampered", "bad_signature"),
        ("wrong_key", "wrong_key"),
        ("wrong_board", "wrong_board"),
        ("downgrade", "downgrade"),
        ("truncated", "truncated"),
    ],
)
def test_a_bad_image_is_refused_and_changes_nothing(tmp_path, kit, images, kind, code):
    root = update_root(tmp_path, kit, images["first"])
    before = snapshot(root)

    async def test(client, update, port):
        status, body = await upload(client, images[kind])
        assert status == 400, body
        assert body["ok"] is False and body["code"] == code and body["error"]

    assert serve(root, test) == []
    assert snapshot(root) == before


def test_only_the_owner_may_upload_or_restart(tmp_path, kit, images):
    root = update_root(tmp_path, kit, images["first"])
    before = snapshot(root)

    async def test(client, update, port):
        for headers in ({}, {"Authorization": "Bearer not-the-token"}):
            status, body = await upload(client, images["good"], headers)
            assert status == 401, body
            async with client.post("/api/update/reboot", headers=headers) as r:
                assert r.status == 401
        # A hostile page in the owner's browser: refused whatever the credential.
        cross_site = {**BEARER, "Origin": "http://evil.example"}
        status, body = await upload(client, images["good"], cross_site)
        assert status == 403, body

    assert serve(root, test) == []
    assert snapshot(root) == before


async def raw_request(port: int, head: bytes, body: bytes = b"") -> tuple[int, dict]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body)
        await writer.drain()
        async with asyncio.timeout(30):
            status_line = await reader.readline()
            headers = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in headers.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            answer = json.loads(await reader.readexactly(length))
        return int(status_line.split()[1]), answer
    finally:
        writer.close()


def post_head(port: int, length: int) -> bytes:
    return (
        f"POST /api/update HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def test_an_oversize_or_unplaceable_upload_is_refused_before_a_byte_is_stored(
    tmp_path, kit, images
):
    root = update_root(tmp_path, kit, images["first"])
    before = snapshot(root)

    async def test(client, update, port):
        # Headers that announce more than an image may be: answered at once, the body
        # never read (none is sent).
        status, body = await raw_request(port, post_head(port, MAX_IMAGE_BYTES + 1))
        assert status == 413 and body["code"] == "too_large", body
        # No length: refused rather than read without a bound.
        chunked = post_head(port, 0).replace(b"Content-Length: 0", b"Transfer-Encoding: chunked")
        status, body = await raw_request(port, chunked, b"5\r\nhello\r\n0\r\n\r\n")
        assert status == 411, body

    assert serve(root, test) == []
    assert snapshot(root) == before

    async def full_disk(client, update, port):
        status, body = await upload(client, images["good"])
        assert status == 507 and body["code"] == "out_of_space", body

    assert serve(root, full_disk, free_bytes=lambda: 1000) == []
    assert snapshot(root) == before


def test_one_upload_at_a_time_and_a_stalled_one_is_dropped(tmp_path, kit, images, monkeypatch):
    monkeypatch.setattr(web_update, "READ_TIMEOUT_S", 1.0)
    root = update_root(tmp_path, kit, images["first"])
    before = snapshot(root)
    good = images["good"]

    async def busy(client) -> bool:
        async with client.get("/api/update") as r:
            return (await r.json())["busy"]

    async def test(client, update, port):
        # The first upload sends half its image, then nothing.
        stalled = asyncio.create_task(raw_request(port, post_head(port, len(good)), good[:4096]))
        await eventually(lambda: update.busy, timeout_s=15, what="the first upload running")
        status, body = await upload(client, good)
        assert status == 409 and body["code"] == "busy", body
        async with client.post("/api/update/reboot", headers=BEARER) as r:
            assert r.status == 409
        status, body = await stalled
        assert status == 408 and body["code"] == "timeout", body
        assert not await busy(client)
        assert snapshot(root) == before  # the partial upload is gone
        # Afterwards an upload goes through.
        status, body = await upload(client, good)
        assert status == 200, body

    serve(root, test)
    assert SlotStore(root).state().trial == INACTIVE


def test_an_upload_cut_off_midway_leaves_nothing_behind(tmp_path, kit, images):
    root = update_root(tmp_path, kit, images["first"])
    before = snapshot(root)
    good = images["good"]

    async def test(client, update, port):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(post_head(port, len(good)) + good[: len(good) // 2])
        await writer.drain()
        await eventually(lambda: update.busy, timeout_s=15, what="the upload running")
        writer.close()  # the browser tab closed mid-upload
        await eventually(lambda: not update.busy, timeout_s=15, what="the upload dropped")
        assert snapshot(root) == before
        status, body = await upload(client, good)
        assert status == 200, body

    serve(root, test)
