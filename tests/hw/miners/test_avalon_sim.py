"""The simulated Avalon speaks cgminer's API as documented, to a plain socket client:
one JSON request per connection, a NUL-terminated answer, `+` joins report commands,
`ascset` with Canaan's worklevel / softoff / softon, and errors for bad values."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from hw.sim.miners import NANO3S, AvalonServer, SimMiner

HOST = "127.0.0.4"


async def ask(request: dict[str, Any]) -> dict[str, Any]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, 4028), 5)
    writer.write(json.dumps(request).encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert data.endswith(b"\x00")
    return json.loads(data[:-1])


def run(body: Any) -> None:
    async def main() -> None:
        server = AvalonServer(SimMiner(NANO3S), host=HOST)
        await server.start()
        try:
            await body(server)
        finally:
            await server.stop()

    asyncio.run(main())


def test_levels_soft_off_and_the_wall_watts() -> None:
    async def body(server: AvalonServer) -> None:
        ok = await ask({"command": "ascset", "parameter": "0,worklevel,set,0"})
        assert ok["STATUS"][0]["STATUS"] == "S"
        stats = await ask({"command": "estats"})
        mm = stats["STATS"][0]["MM ID0"]
        assert "WORKLEVEL[0]" in mm and "PS[0 1208 2474 52 1292 2477 68]" in mm
        now = int(time.time())
        off = await ask({"command": "ascset", "parameter": f"0,softoff,1:{now}"})
        assert "success" in off["STATUS"][0]["Msg"]
        assert server.miner.power_w() == NANO3S.standby_w
        later = await ask({"command": "ascset", "parameter": f"0,softon,1:{now + 3600}"})
        assert later["STATUS"][0]["STATUS"] == "S" and not server.miner.hashing()

    run(body)


def test_a_level_without_a_number_is_refused_and_changes_nothing() -> None:
    async def body(server: AvalonServer) -> None:
        answer = await ask({"command": "ascset", "parameter": "0,worklevel,set"})
        assert answer["STATUS"][0]["STATUS"] == "E"
        assert server.miner.setting == NANO3S.default and server.miner.commands == []

    run(body)


def test_joined_report_commands() -> None:
    async def body(server: AvalonServer) -> None:
        answer = await ask({"command": "version+summary"})
        assert answer["version"][0]["VERSION"][0]["PROD"] == "Avalon Nano3s"
        assert "SUMMARY" in answer["summary"][0]

    run(body)
