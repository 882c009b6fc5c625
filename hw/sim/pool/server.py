"""A small stratum v1 pool for demos and tests, serving real block data.

Every connection gets its own extranonce1 and difficulty; jobs come from a real
template (block.py) with a fresh job id and ntime each round; every submitted share is
checked by rebuilding the header (shares.py). Faults on demand: refuse connections,
go silent, interleave garbage lines, reject every share, drop all clients, ask
clients to reconnect, ignore or refuse mining.configure.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

from hw.sim.pool.block import SLUSH_790246, BlockTemplate
from hw.sim.pool.shares import (
    ERR_JOB_NOT_FOUND,
    ERR_OTHER,
    ERR_UNAUTHORIZED,
    PoolJob,
    ShareError,
    check_share,
)

log = logging.getLogger(__name__)

BIP320_MASK = 0x1FFFE000
MAX_LINE = 16 * 1024
# Lines a broken pool might send: binary noise, JSON of the wrong shapes, a huge line.
GARBAGE_LINES = (
    b"\x00\xff\xfe garbage \x80\n",
    b'{"id": "x", "result": [1, 2, 3]}\n',
    b'{"method": "mining.notify", "params": ["j", "zz", 1, 2, {}, 3, 4, 5, "yes"]}\n',
    b'{"method": "mining.set_difficulty", "params": [-5]}\n',
    b'{"method": "mining.unknown_thing", "params": [], "id": 99}\n',
    b"[1, 2, 3]\n",
    b"A" * 70_000 + b"\n",
)


@dataclass(eq=False)
class Client:
    writer: asyncio.StreamWriter
    extranonce1: bytes
    difficulty: float
    version_mask: int = 0
    subscribed: bool = False
    authorized: bool = False
    user: str = ""
    jobs: dict[str, PoolJob] = field(default_factory=dict)


@dataclass
class Counters:
    accepted: int = 0
    rejected: int = 0
    stale: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    accepted_difficulty: float = 0.0
    connections: int = 0
    version_rolled: int = 0  # accepted shares whose header used rolled version bits


class LocalPool:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        difficulty: float = 1.0,
        *,
        job_interval_s: float = 30.0,
        template: BlockTemplate = SLUSH_790246,
        version_mask: int = BIP320_MASK,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.difficulty = difficulty
        self.job_interval_s = job_interval_s
        self.template = template
        self.version_mask = version_mask
        self._ssl_context = ssl_context
        self.counters = Counters()
        # Fault toggles (set them any time).
        self.silent = False  # read but never answer or send anything
        self.garbage = False  # send garbage lines before each real message
        self.reject_shares: str | None = None  # reject every share with this reason
        self.answer_submits = True  # False: take shares and never answer them
        self.configure_mode = "answer"  # "answer", "ignore" (never answer) or "error"
        self._server: asyncio.Server | None = None
        self._clients: set[Client] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._job_counter = itertools.count(1)
        self._extranonce_counter = itertools.count(1)
        self._current: PoolJob | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._started_at = time.time()
        self._fences: dict[str, asyncio.Future[int]] = {}
        self._fence_counter = itertools.count(1)

    @property
    def url(self) -> str:
        scheme = "stratum+ssl" if self._ssl_context else "stratum+tcp"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def clients(self) -> int:
        return len(self._clients)

    async def start(self) -> int:
        """Listen (again, on the same port after a refuse/stop); returns the port."""
        if self._server is None:
            self._server = await asyncio.start_server(
                self._serve,
                self.host,
                self.port,
                limit=MAX_LINE,
                reuse_address=True,
                ssl=self._ssl_context,
            )
            self.port = self._server.sockets[0].getsockname()[1]
        if self._current is None:
            self._current = self._make_job()
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick())
        return self.port

    async def stop(self) -> None:
        """Stop listening and drop every client (the pool 'dies')."""
        await self.refuse()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None

    async def refuse(self) -> None:
        """Close the listening socket (new connections are refused) and drop clients."""
        if self._server is not None:
            self._server.close()
            self._server = None
        await self.drop_clients()

    async def drop_clients(self) -> None:
        for client in list(self._clients):
            client.writer.close()
        # Closing the transports ends each connection's read loop by itself.
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
        self._clients.clear()

    async def new_job(self, *, clean: bool = True) -> str:
        """Broadcast a new job (clean=True: a new block, older jobs are now stale)."""
        self._current = self._make_job()
        for client in list(self._clients):
            if clean:
                client.jobs.clear()
            await self._send_job(client, clean)
        return self._current.job_id

    async def set_difficulty(self, difficulty: float) -> None:
        self.difficulty = difficulty
        for client in list(self._clients):
            client.difficulty = difficulty
            await self._send(
                client, {"id": None, "method": "mining.set_difficulty", "params": [difficulty]}
            )

    async def set_version_mask(self, mask: int) -> None:
        """mining.set_version_mask to every client that negotiated rolling; as BIP310
        says, shares are checked against the new mask at once."""
        self.version_mask = mask
        for client in list(self._clients):
            if client.version_mask:
                client.version_mask = mask
                await self._send(
                    client,
                    {"id": None, "method": "mining.set_version_mask", "params": [f"{mask:08x}"]},
                )

    async def fence(self, timeout: float = 10.0) -> int:
        """Send client.get_version to every client and wait for each answer. A client
        handles its lines in order, so a share that reaches us after the answer was sent
        after everything before the fence (a clean notify, say) was handled. Returns the
        stale count at the moment the last answer arrived."""
        loop = asyncio.get_running_loop()
        waits = []
        for client in list(self._clients):
            fence_id = f"fence-{next(self._fence_counter)}"
            self._fences[fence_id] = loop.create_future()
            waits.append(self._fences[fence_id])
            await self._send(client, {"id": fence_id, "method": "client.get_version", "params": []})
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)
        finally:
            for fence_id in [k for k, f in self._fences.items() if f in waits]:
                del self._fences[fence_id]
        return self.counters.stale

    async def ask_reconnect(self, port: int, wait_s: float = 0.0) -> None:
        await self.send_reconnect([self.host, port, wait_s])

    async def send_raw(self, data: bytes) -> None:
        """Bytes as they are to every client (a flood of junk lines, say)."""
        for client in list(self._clients):
            client.writer.write(data)
            with contextlib.suppress(ConnectionError, OSError):
                await client.writer.drain()

    async def send_reconnect(self, params: list[object]) -> None:
        """client.reconnect with any params, as a hostile pool may send them."""
        for client in list(self._clients):
            await self._send(client, {"id": None, "method": "client.reconnect", "params": params})

    # -- per connection ------------------------------------------------------------

    def _make_job(self) -> PoolJob:
        t = self.template
        elapsed = int(time.time() - self._started_at)
        return PoolJob(
            job_id=f"{next(self._job_counter):x}",
            prevhash=bytes.fromhex(t.prevhash),
            coinb1=bytes.fromhex(t.coinb1),
            coinb2=bytes.fromhex(t.coinb2),
            branches=tuple(bytes.fromhex(b) for b in t.merkle_branches),
            version=t.version,
            nbits=t.nbits,
            ntime=t.ntime + elapsed,
            difficulty=self.difficulty,
        )

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.job_interval_s)
            if not self.silent:
                await self.new_job(clean=False)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.counters.connections += 1
        en1 = next(self._extranonce_counter).to_bytes(self.template.extranonce1_size, "big")
        client = Client(writer, en1, self.difficulty)
        self._clients.add(client)
        try:
            while True:
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.LimitOverrunError:
                    log.warning("client sent an oversized line; dropping it")
                    break
                except asyncio.IncompleteReadError:
                    break
                if self.silent:
                    continue
                await self._handle(client, line)
        except (ConnectionError, OSError):
            pass
        finally:
            self._clients.discard(client)
            self._tasks.discard(task)
            writer.close()

    async def _handle(self, client: Client, line: bytes) -> None:
        try:
            request = json.loads(line)
            fence = self._fences.get(str(request.get("id"))) if "method" not in request else None
            if fence is not None:
                if not fence.done():
                    fence.set_result(self.counters.stale)
                return
            msg_id, method, params = request.get("id"), request["method"], request["params"]
            if not isinstance(params, list):
                raise TypeError("params must be a list")
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("malformed line from client: %.80r", line)
            return
        if method == "mining.configure":
            await self._configure(client, msg_id, params)
        elif method == "mining.subscribe":
            client.subscribed = True
            result = [
                [["mining.set_difficulty", "1"], ["mining.notify", "1"]],
                client.extranonce1.hex(),
                self.template.extranonce2_size,
            ]
            await self._reply(client, msg_id, result)
        elif method == "mining.authorize":
            client.authorized = bool(params) and isinstance(params[0], str) and bool(params[0])
            client.user = str(params[0]) if client.authorized else ""
            await self._reply(client, msg_id, client.authorized)
            if client.authorized:
                await self._send(
                    client,
                    {"id": None, "method": "mining.set_difficulty", "params": [client.difficulty]},
                )
                await self._send_job(client, clean=True)
        elif method == "mining.submit":
            await self._submit(client, msg_id, params)
        elif method in ("mining.suggest_difficulty", "mining.extranonce.subscribe"):
            await self._reply(client, msg_id, True)
        else:
            await self._reply(client, msg_id, None, [ERR_OTHER, "Unknown method", None])

    async def _configure(self, client: Client, msg_id: Any, params: list[Any]) -> None:
        if self.configure_mode == "ignore":
            return
        if self.configure_mode == "error":
            await self._reply(client, msg_id, None, [ERR_OTHER, "Method not found", None])
            return
        requested = 0
        if len(params) > 1 and isinstance(params[1], dict):
            with contextlib.suppress(ValueError, TypeError):
                requested = int(params[1].get("version-rolling.mask", "0"), 16)
        client.version_mask = requested & self.version_mask
        result = {"version-rolling": True, "version-rolling.mask": f"{client.version_mask:08x}"}
        await self._reply(client, msg_id, result)

    async def _submit(self, client: Client, msg_id: Any, params: list[Any]) -> None:
        if not client.authorized:
            await self._reject(client, msg_id, ERR_UNAUTHORIZED, "Unauthorized worker")
            return
        if not self.answer_submits:
            return
        if self.reject_shares is not None:
            await self._reject(client, msg_id, ERR_OTHER, self.reject_shares)
            return
        job = client.jobs.get(str(params[1])) if len(params) > 1 else None
        if job is None:
            self.counters.stale += 1
            await self._reply(
                client, msg_id, None, [ERR_JOB_NOT_FOUND, "Job not found (stale)", None]
            )
            return
        try:
            check_share(
                job,
                client.extranonce1,
                self.template.extranonce2_size,
                client.version_mask,
                params,
                min(job.difficulty, client.difficulty),
            )
        except ShareError as exc:
            await self._reject(client, msg_id, exc.code, exc.message)
            return
        self.counters.accepted += 1
        self.counters.accepted_difficulty += min(job.difficulty, client.difficulty)
        if len(params) > 5 and int(str(params[5]), 16):
            self.counters.version_rolled += 1
        await self._reply(client, msg_id, True)

    async def _reject(self, client: Client, msg_id: Any, code: int, message: str) -> None:
        self.counters.rejected += 1
        self.counters.reasons[message] = self.counters.reasons.get(message, 0) + 1
        await self._reply(client, msg_id, None, [code, message, None])

    async def _send_job(self, client: Client, clean: bool) -> None:
        if not client.authorized or self._current is None:
            return
        job = self._current
        # Each client's copy carries the difficulty that client had when the job went out.
        own = PoolJob(**{**job.__dict__, "difficulty": client.difficulty, "seen": set()})
        client.jobs[job.job_id] = own
        params = [
            job.job_id,
            job.prevhash.hex(),
            job.coinb1.hex(),
            job.coinb2.hex(),
            [b.hex() for b in job.branches],
            f"{job.version:08x}",
            f"{job.nbits:08x}",
            f"{job.ntime:08x}",
            clean,
        ]
        await self._send(client, {"id": None, "method": "mining.notify", "params": params})

    async def _reply(self, client: Client, msg_id: Any, result: Any, error: Any = None) -> None:
        await self._send(client, {"id": msg_id, "result": result, "error": error})

    async def _send(self, client: Client, message: dict[str, Any]) -> None:
        if self.silent or client.writer.is_closing():
            return
        data = b""
        if self.garbage:
            data += b"".join(GARBAGE_LINES)
        data += json.dumps(message).encode() + b"\n"
        client.writer.write(data)
        with contextlib.suppress(ConnectionError, OSError):
            await client.writer.drain()
