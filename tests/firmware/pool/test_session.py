"""A StratumSession against a scripted pool: a plain asyncio server in this test that
plays the messages real pools send (not hw/sim/pool), and checks our answers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from firmware.pool import PoolConfig
from firmware.pool.session import SessionEnded, StratumSession
from firmware.work import Job
from tests.firmware.pool.test_real_traffic import SLUSH
from tests.support.waiting import eventually


class ScriptedPool:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.writer: asyncio.StreamWriter | None = None
        self.connected = asyncio.Event()
        self.lines: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.connected.set()
        while line := await reader.readline():
            message = json.loads(line)
            self.received.append(message)
            await self.lines.put(message)

    async def expect(self, method: str | None = None) -> dict[str, Any]:
        while True:
            message = await asyncio.wait_for(self.lines.get(), 5)
            if method is None or message.get("method") == method:
                return message

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def send(self, message: dict[str, Any] | bytes) -> None:
        assert self.writer is not None
        data = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.writer.write(data + b"\n")


async def _session_with(
    pool: ScriptedPool,
) -> tuple[StratumSession, list[Job], asyncio.Task[None], asyncio.Server]:
    server = await asyncio.start_server(pool.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    jobs: list[Job] = []

    async def on_work(session: StratumSession, clean: bool) -> None:
        job = session.next_job(clean=clean)
        assert job is not None
        jobs.append(job)

    session = StratumSession(
        PoolConfig(f"stratum+tcp://127.0.0.1:{port}", "worker", "pw"),
        1,
        on_work,
        clock=asyncio.get_running_loop().time,
        agent="hearth/test",
        response_timeout_s=2.0,
        silence_timeout_s=30.0,
        suggest_difficulty=0.5,
    )
    connecting = asyncio.create_task(session.connect())
    return session, jobs, connecting, server


async def test_handshake_and_every_pool_message() -> None:
    pool = ScriptedPool()
    session, jobs, connecting, server = await _session_with(pool)
    try:
        configure = await pool.expect("mining.configure")
        assert configure["params"][1]["version-rolling.mask"] == "1fffe000"
        subscribe = await pool.expect("mining.subscribe")
        assert subscribe["params"] == ["hearth/test"]
        pool.send({"id": configure["id"], "result": None, "error": [20, "Unknown method", None]})
        pool.send({"id": subscribe["id"], "result": [[], "1165060344b679", 8], "error": None})
        authorize = await pool.expect("mining.authorize")
        assert authorize["params"] == ["worker", "pw"]
        suggest = await pool.expect("mining.suggest_difficulty")
        assert suggest["params"] == [0.5]
        await pool.expect("mining.extranonce.subscribe")
        pool.send({"id": authorize["id"], "result": True, "error": None})
        await connecting
        assert session.version_mask == 0  # configure refused: no rolling

        pool.send({"id": None, "method": "mining.set_difficulty", "params": [0.0625]})
        pool.send(SLUSH)
        await eventually(lambda: len(jobs) >= 1, what="the first job")
        assert session.difficulty == 0.0625
        assert len(jobs) == 1 and jobs[0].clean and jobs[0].share_difficulty == 0.0625
        assert session.job_is_current("1f9a56282c")

        pool.send({"id": 7, "method": "mining.ping", "params": []})
        assert (await pool.expect())["result"] == "pong"
        pool.send({"id": 8, "method": "client.get_version", "params": []})
        assert (await pool.expect())["result"] == "hearth/test"
        pool.send({"id": 9, "method": "mining.frobnicate", "params": []})
        answer = await pool.expect()
        assert answer["id"] == 9 and answer["error"][0] == 20
        assert session.bad_lines == 1

        pool.send({"id": None, "method": "mining.set_extranonce", "params": ["aabbccdd", 4]})
        pool.send({"id": None, "method": "mining.set_version_mask", "params": ["00006000"]})
        notify = json.loads(SLUSH)
        notify["params"][0] = "second"
        notify["params"][8] = False
        pool.send(notify)
        await eventually(lambda: jobs[-1].tag.job_id == "second", what="the second job")
        second = jobs[-1]
        assert second.tag.job_id == "second" and not second.clean
        assert len(second.tag.extranonce2) == 4 and second.version_mask == 0x6000
        assert session.job_is_current("1f9a56282c")  # clean_jobs false keeps it valid

        submit = asyncio.create_task(session.request("mining.submit", ["worker", "second"]))
        request = await pool.expect("mining.submit")
        pool.send({"id": request["id"], "result": False, "reject-reason": "Above target"})
        response = await submit
        assert response.error == "Above target"

        pool.send({"id": None, "method": "client.reconnect", "params": ["", 3334, 2]})
        try:
            await session.wait_ended()
            raise AssertionError("the session should have ended")
        except SessionEnded as ended:
            assert ended.reconnect == (None, 3334, 2.0)
    finally:
        await session.close()
        pool.close()
        server.close()
        await server.wait_closed()


async def test_pool_that_never_answers_subscribe_fails_cleanly() -> None:
    pool = ScriptedPool()
    session, _, connecting, server = await _session_with(pool)
    try:
        await pool.expect("mining.subscribe")
        try:
            await connecting
            raise AssertionError("connect should fail")
        except SessionEnded as ended:
            assert "no answer to mining.subscribe" in ended.reason
    finally:
        await session.close()
        pool.close()
        server.close()
        await server.wait_closed()


async def test_refused_authorization_ends_the_session() -> None:
    pool = ScriptedPool()
    session, _, connecting, server = await _session_with(pool)
    try:
        subscribe = await pool.expect("mining.subscribe")
        pool.send({"id": subscribe["id"], "result": [[], "00", 4], "error": None})
        authorize = await pool.expect("mining.authorize")
        pool.send(
            {
                "id": authorize["id"],
                "result": None,
                "error": {"code": 24, "message": "Unauthorized worker"},
            }
        )
        try:
            await connecting
            raise AssertionError("connect should fail")
        except SessionEnded as ended:
            assert "Unauthorized worker (24)" in ended.reason
            assert "pw" not in ended.reason
    finally:
        await session.close()
        pool.close()
        server.close()
        await server.wait_closed()


async def test_silence_is_judged_on_the_injected_clock() -> None:
    now = [100.0]
    reads: list[float] = []

    def clock() -> float:
        reads.append(now[0])
        return now[0]

    async def on_work(session: StratumSession, clean: bool) -> None:
        return None

    session = StratumSession(
        PoolConfig("stratum+tcp://127.0.0.1:1", "w"),
        1,
        on_work,
        clock=clock,
        agent="t",
        silence_timeout_s=60.0,
    )
    waiting = asyncio.create_task(session.wait_ended(check_every_s=0.01))

    async def checked_twice_more() -> None:
        """The waiter read the session's clock twice more: it has looked at the silence."""
        seen = len(reads)
        await eventually(lambda: len(reads) >= seen + 2, what="the silence checked")

    await checked_twice_more()
    assert not waiting.done()  # no time has passed on the session's clock
    now[0] += 59.0
    await checked_twice_more()
    assert not waiting.done()
    now[0] += 2.0
    try:
        await asyncio.wait_for(waiting, 1)
        raise AssertionError("silence should end the session")
    except SessionEnded as ended:
        assert ended.reason == "pool silent for 61.0 s"
