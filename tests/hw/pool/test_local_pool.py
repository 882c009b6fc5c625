"""The local pool, driven by a raw JSON-lines client over TCP (not firmware/pool)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import struct
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hw.sim.pool import SLUSH_790246, LocalPool
from hw.sim.pool.shares import PoolJob, ShareError, check_share

DIFF1 = 0xFFFF * 2**208


class RawClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.next_id = 1
        self.notifications: list[dict[str, Any]] = []

    async def call(self, method: str, params: list[Any]) -> dict[str, Any]:
        msg_id = self.next_id
        self.next_id += 1
        self.writer.write(json.dumps({"id": msg_id, "method": method, "params": params}).encode())
        self.writer.write(b"\n")
        while True:
            message = json.loads(await asyncio.wait_for(self.reader.readline(), 5))
            if message.get("id") == msg_id:
                return message
            self.notifications.append(message)

    async def notification(self, method: str) -> dict[str, Any]:
        for i, message in enumerate(self.notifications):
            if message.get("method") == method:
                return self.notifications.pop(i)
        while True:
            message = json.loads(await asyncio.wait_for(self.reader.readline(), 5))
            if message.get("method") == method:
                return message
            self.notifications.append(message)


@contextlib.asynccontextmanager
async def connected(pool: LocalPool) -> AsyncIterator[RawClient]:
    reader, writer = await asyncio.open_connection("127.0.0.1", pool.port)
    try:
        yield RawClient(reader, writer)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def running(difficulty: float = 1e-5) -> AsyncIterator[LocalPool]:
    pool = LocalPool(difficulty=difficulty)
    await pool.start()
    try:
        yield pool
    finally:
        await pool.stop()


def dsha(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def header(notify: list[Any], en1: str, en2: str, ntime: int, version: int) -> bytes:
    node = dsha(bytes.fromhex(notify[2] + en1 + en2 + notify[3]))
    for branch in notify[4]:
        node = dsha(node + bytes.fromhex(branch))
    prev = bytes.fromhex(notify[1])
    prev = b"".join(prev[i : i + 4][::-1] for i in range(0, 32, 4))
    return (
        struct.pack("<I", version)
        + prev
        + node
        + struct.pack(">I", ntime)[::-1]
        + (bytes.fromhex(notify[6])[::-1])
    )


def find_nonce(head76: bytes, difficulty: float, meets: bool = True) -> int:
    for nonce in range(1 << 24):
        value = int.from_bytes(dsha(head76 + struct.pack("<I", nonce)), "little")
        if (value <= DIFF1 / difficulty) == meets:
            return nonce
    raise AssertionError("no nonce")


async def handshake(client: RawClient, mask: str = "1fffe000") -> tuple[str, int, list[Any]]:
    configured = await client.call(
        "mining.configure", [["version-rolling"], {"version-rolling.mask": mask}]
    )
    assert configured["result"]["version-rolling"] is True
    subscribed = await client.call("mining.subscribe", ["raw-test"])
    _, en1, en2_size = subscribed["result"]
    assert (await client.call("mining.authorize", ["w", "x"]))["result"] is True
    difficulty = await client.notification("mining.set_difficulty")
    assert difficulty["params"] == [1e-5]
    notify = (await client.notification("mining.notify"))["params"]
    return en1, en2_size, notify


async def test_pool_accepts_a_real_share_and_rejects_bad_ones() -> None:
    async with running() as pool, connected(pool) as client:
        en1, en2_size, notify = await handshake(client)
        assert en2_size == 8 and len(en1) == 14  # the real template's extranonce sizes
        en2 = "00000000000000aa"
        ntime = int(notify[7], 16)
        vbits = 0x00002000
        head = header(notify, en1, en2, ntime, int(notify[5], 16) ^ vbits)
        nonce = find_nonce(head, 1e-5)
        share = ["w", notify[0], en2, notify[7], f"{nonce:08x}", f"{vbits:08x}"]
        assert (await client.call("mining.submit", share))["result"] is True
        duplicate = await client.call("mining.submit", share)
        assert duplicate["error"][0] == 22
        low = find_nonce(head, 1e-5, meets=False)
        weak = await client.call("mining.submit", [*share[:4], f"{low:08x}", share[5]])
        assert weak["error"][0] == 23
        unknown = await client.call("mining.submit", ["w", "nope", *share[2:]])
        assert unknown["error"][0] == 21
        outside = await client.call("mining.submit", [*share[:5], "00000001"])
        assert "mask" in outside["error"][1]
        garbled = await client.call("mining.submit", [*share[:2], "xyz", *share[3:]])
        assert garbled["error"][0] == 20
        assert pool.counters.accepted == 1 and pool.counters.stale == 1
        assert pool.counters.rejected == 4


async def test_clean_jobs_makes_older_jobs_stale() -> None:
    async with running() as pool, connected(pool) as client:
        en1, _, notify = await handshake(client)
        await pool.new_job(clean=True)
        fresh = (await client.notification("mining.notify"))["params"]
        assert fresh[8] is True and fresh[0] != notify[0]
        head = header(notify, en1, "00" * 8, int(notify[7], 16), int(notify[5], 16))
        old = ["w", notify[0], "00" * 8, notify[7], f"{find_nonce(head, 1e-5):08x}"]
        assert (await client.call("mining.submit", old))["error"][0] == 21


async def test_fractional_difficulty_change_is_sent() -> None:
    async with running() as pool, connected(pool) as client:
        await handshake(client)
        await pool.set_difficulty(0.125)
        message = await client.notification("mining.set_difficulty")
        assert message["params"] == [0.125]


async def test_set_version_mask_is_sent_and_checked_at_once() -> None:
    async with running() as pool, connected(pool) as client:
        en1, _, notify = await handshake(client)
        await pool.set_version_mask(0x00006000)
        message = await client.notification("mining.set_version_mask")
        assert message["params"] == ["00006000"]
        ntime = int(notify[7], 16)
        for vbits, accepted in ((0x00008000, False), (0x00004000, True)):
            head = header(notify, en1, "00" * 8, ntime, int(notify[5], 16) ^ vbits)
            share = ["w", notify[0], "00" * 8, notify[7], f"{find_nonce(head, 1e-5):08x}"]
            answer = await client.call("mining.submit", [*share, f"{vbits:08x}"])
            assert (answer["result"] is True) == accepted, answer


async def test_faults_refuse_then_listen_again_and_silence() -> None:
    async with running() as pool:
        await pool.refuse()
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", pool.port)
        await pool.start()
        async with connected(pool) as client:
            answer = await client.call("mining.subscribe", [])
            assert answer["result"][2] == 8
            pool.silent = True
            client.writer.write(b'{"id": 50, "method": "mining.subscribe", "params": []}\n')
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(client.reader.readline(), 0.3)


async def test_garbage_lines_are_really_sent() -> None:
    async with running() as pool:
        pool.garbage = True
        reader, writer = await asyncio.open_connection("127.0.0.1", pool.port, limit=1 << 20)
        try:
            writer.write(b'{"id": 1, "method": "mining.subscribe", "params": []}\n')
            lines = [await asyncio.wait_for(reader.readline(), 5) for _ in range(8)]
            assert lines[0].startswith(b"\x00\xff")
            assert json.loads(lines[-1])["id"] == 1
        finally:
            writer.close()


def test_cli_serves_until_stopped() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hw.sim.pool", "--port", "0", "--difficulty", "0.01"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("local pool listening on stratum+tcp://127.0.0.1:")
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(alphabet="0123456789abcdefxyz", max_size=18),
    lambda children: st.lists(children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200)
@given(st.lists(json_values, max_size=7))
def test_share_check_refuses_or_scores_any_params(params: list[Any]) -> None:
    template = SLUSH_790246
    job = PoolJob(
        "1",
        bytes.fromhex(template.prevhash),
        bytes.fromhex(template.coinb1),
        bytes.fromhex(template.coinb2),
        tuple(bytes.fromhex(b) for b in template.merkle_branches),
        template.version,
        template.nbits,
        template.ntime,
        1e-5,
    )
    try:
        difficulty = check_share(job, bytes(7), 8, 0x1FFFE000, params, 1e-5)
    except ShareError as error:
        assert error.code in (20, 22, 23)
        return
    assert difficulty >= 1e-5


async def test_pool_survives_garbage_from_a_client() -> None:
    async with running() as pool, connected(pool) as client:
        client.writer.write(b'\x00\xff garbage\n[1,2]\n{"method": 5}\n{}\n')
        answer = await client.call("mining.subscribe", [])
        assert answer["result"][2] == 8
        assert pool.clients == 1
