"""`GET /api/homekit` and `GET /api/homekit/qr.svg` on the real HTTP server: owner-only,
404 with HomeKit off (the QR code also while it is not running), as openapi.yaml
documents them; and `hearth sim`'s banner line, read the same way. (The QR code is read
back by a real decoder, from the page as Chromium draws it, in test_pairing.py.)"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import aiohttp

from firmware.api import ApiServer, WriteAuth
from firmware.api.server import create_app
from firmware.config import Secret
from host.sim.pairing_code import fetch_homekit_setup
from tests.firmware.api.heater_double import HeaterDouble
from tests.support.openapi import conforms, served_and_documented

TOKEN = "homekit-test-token-0123456789"
SETUP = {
    "enabled": True,
    "running": True,
    "setup_code": "314-15-926",
    "setup_uri": "X-HM://0091X6NAYAB12",
    "paired": False,
    "port": 51826,
}
NOT_RUNNING = {"enabled": True, "running": False}


async def get(server: ApiServer, path: str, token: str | None) -> tuple[int, object, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.get(f"http://127.0.0.1:{server.port}{path}", headers=headers) as r,
    ):
        body = await r.json() if r.content_type == "application/json" else await r.read()
        return r.status, body, r.headers.get("Cache-Control", "")


def test_the_setup_code_and_its_qr_code_are_the_owners_to_see():
    async def scenario():
        auth = WriteAuth(True, Secret(TOKEN), "", Secret(""))
        on = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0, homekit=lambda: SETUP)
        idle = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0, homekit=lambda: NOT_RUNNING)
        off = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0)
        for server in (on, idle, off):
            await server.start()
        try:
            for path in ("/api/homekit", "/api/homekit/qr.svg"):
                assert (await get(on, path, None))[0] == 401
                assert (await get(off, path, TOKEN))[0] == 404
            status, body, _ = await get(on, "/api/homekit", TOKEN)
            assert (status, body) == (200, SETUP)
            conforms(body, "HomeKitSetup")
            conforms((await get(idle, "/api/homekit", TOKEN))[1], "HomeKitSetup")
            status, svg, cache = await get(on, "/api/homekit/qr.svg", TOKEN)
            assert status == 200 and cache == "no-store"
            root = ET.fromstring(svg)
            assert root.tag == "{http://www.w3.org/2000/svg}svg" and int(root.get("width")) > 0
            status, refused, _ = await get(idle, "/api/homekit/qr.svg", TOKEN)
            assert status == 404 and "not running" in refused["error"]
            banner = await asyncio.to_thread(fetch_homekit_setup, on.port, TOKEN)
            assert banner == "314-15-926  X-HM://0091X6NAYAB12 (not paired yet)"
        finally:
            for server in (on, idle, off):
                await server.stop()

    asyncio.run(scenario())


def test_every_homekit_route_is_in_openapi() -> None:
    auth = WriteAuth(False, Secret(""), "", Secret(""))
    app = create_app(HeaterDouble(), auth, homekit=lambda: SETUP)
    served, documented = served_and_documented(app, "/api/homekit")
    assert served and served == documented
