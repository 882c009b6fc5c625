"""The virtual heater of a board with simulated I2C parts, run in this process so a test
or benchmark can reach the simulators (inject a regulator fault, read the chain's own
state) while the unchanged hearthd runs against them as a subprocess. Readings come
from hearthd's HTTP API, as a client sees them."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp

from host.cli import build_parser
from host.sim.options import plan
from host.sim.virtual_heater import VirtualHeater

POLL_S = 0.05  # HTTP polling period while waiting for a condition


class PartsHeater:
    def __init__(self, heater: VirtualHeater, session: aiohttp.ClientSession) -> None:
        self.heater = heater
        self.session = session

    async def info(self) -> dict[str, Any]:
        async with self.session.get("/api/system/info") as response:
            return dict(await response.json())

    async def state(self) -> dict[str, Any]:
        async with self.session.get("/api/heater") as response:
            return dict((await response.json())["state"])

    async def patch_heater(self, changes: dict[str, Any]) -> None:
        token = (self.heater.state_dir / "http-token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        async with self.session.patch("/api/heater", json=changes, headers=headers) as response:
            assert response.status == 200, await response.text()

    async def wait_for(
        self, read: Callable[[], Any], accept: Callable[[Any], bool], timeout_s: float, what: str
    ) -> Any:
        """Poll `read()` until `accept(value)`; the last value in the error otherwise."""
        deadline = time.monotonic() + timeout_s
        value: Any = None
        while time.monotonic() < deadline:
            value = read()
            if asyncio.iscoroutine(value):
                value = await value
            if accept(value):
                return value
            await asyncio.sleep(POLL_S)
        raise TimeoutError(f"{what} not seen within {timeout_s:g} s; last: {value!r}")


@contextlib.asynccontextmanager
async def parts_heater(
    state_dir: pathlib.Path, board: str = "bitaxe-gamma", *, speed: float = 60.0
) -> AsyncIterator[PartsHeater]:
    """Run `hearth sim --board <board>` in this process until the block ends. The working
    directory must be `state_dir` (the MicroPython supervisor runs from it)."""
    args = build_parser().parse_args(
        ["sim", "--board", board, "--state-dir", str(state_dir), "--speed", str(speed),
         "--device-id", "parts"]
    )  # fmt: skip
    heater = VirtualHeater(plan(args), interactive=False)
    run = asyncio.create_task(heater.run())
    try:
        while heater.watcher is None:  # hearthd is ready once the banner's watcher runs
            if run.done():
                run.result()  # raises what stopped the start
                raise RuntimeError("the virtual heater ended during start-up")
            await asyncio.sleep(0.1)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{heater.http_port}") as session:
            yield PartsHeater(heater, session)
    finally:
        heater.request_stop()
        await asyncio.wait_for(run, 60)
