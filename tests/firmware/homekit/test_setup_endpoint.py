"""`GET /api/homekit` on the real HTTP server: owner-only, 404 with HomeKit off; and
`hearth sim`'s banner line, read the same way."""

from __future__ import annotations

import asyncio

import aiohttp

from firmware.api import ApiServer, WriteAuth
from firmware.config import Secret
from host.sim.pairing_code import fetch_homekit_setup
from tests.firmware.api.heater_double import HeaterDouble

TOKEN = "homekit-test-token-0123456789"
SETUP = {
    "enabled": True,
    "running": True,
    "setup_code": "314-15-926",
    "setup_uri": "X-HM://0091X6NAYAB12",
    "paired": False,
}


async def get(server: ApiServer, token: str | None) -> tuple[int, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.get(f"http://127.0.0.1:{server.port}/api/homekit", headers=headers) as r,
    ):
        return r.status, await r.json() if r.content_type == "application/json" else None


def test_the_setup_code_is_the_owners_to_see():
    async def scenario():
        auth = WriteAuth(True, Secret(TOKEN), "", Secret(""))
        on = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0, homekit=lambda: SETUP)
        off = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0)
        await on.start()
        await off.start()
        try:
            assert (await get(on, None))[0] == 401
            assert await get(on, TOKEN) == (200, SETUP)
            assert (await get(off, TOKEN))[0] == 404
            banner = await asyncio.to_thread(fetch_homekit_setup, on.port, TOKEN)
            assert banner == "314-15-926  X-HM://0091X6NAYAB12 (not paired yet)"
        finally:
            await on.stop()
            await off.stop()

    asyncio.run(scenario())
