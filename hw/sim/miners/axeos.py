"""A Bitaxe as AxeOS's HTTP API shows it on port 80 (ESP-Miner's published REST API):
`GET /` (the web UI, titled AxeOS), `GET /api/system/info` (power in W, hashRate in
GH/s, temp, vrTemp, frequency, coreVoltage, fanrpm, ASICModel, uptimeSeconds...),
`PATCH /api/system` with a JSON object of settings (here `frequency`, taking effect at
once), `POST /api/system/restart`. Faults from the shared `SimMiner`: a refused
command answers 500, an ignored one 200 and no change, a missing reading leaves `power`
out, a wedged miner never answers, a rebooting one closes the connection.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from hw.sim.miners.miner import SimMiner

REBOOT_S = 2.0


class AxeOsServer:
    def __init__(self, miner: SimMiner, host: str = "127.0.0.3", port: int = 80) -> None:
        self.miner = miner
        self.host = host
        self.port = port
        self.started = miner.clock()
        self._runner: web.AppRunner | None = None
        self._release = asyncio.Event()  # lets wedged handlers end when the server stops

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/api/system/info", self._info)
        app.router.add_patch("/api/system", self._patch)
        app.router.add_post("/api/system/restart", self._restart)
        self._release.clear()
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _gate(self, request: web.Request) -> None:
        if self.miner.faults.wedged:
            await self._release.wait()
        if self.miner.rebooting and request.transport is not None:
            request.transport.close()
            raise web.HTTPServiceUnavailable()

    async def _index(self, request: web.Request) -> web.Response:
        await self._gate(request)
        return web.Response(text="<!doctype html><html><head><title>AxeOS</title></head></html>",
                            content_type="text/html")

    async def _info(self, request: web.Request) -> web.Response:
        await self._gate(request)
        m = self.miner
        info: dict[str, Any] = {
            "hashRate": m.hashrate_ghs(),
            "temp": 55.0,
            "vrTemp": 48.0,
            "frequency": m.setting,
            "coreVoltage": 1150,
            "fanrpm": 3800,
            "ASICModel": "BM1370",
            "asicCount": 1,
            "smallCoreCount": 2040,
            "hostname": "bitaxe-sim",
            "stratumURL": "127.0.0.1",
            "stratumPort": 3333,
            "stratumUser": "hearth.sim",
            "fallbackStratumURL": "",
            "fallbackStratumPort": 3333,
            "fallbackStratumUser": "",
            "version": "v2.4.0-sim",
            "macAddr": "02:c0:a8:00:01:03",
            "uptimeSeconds": int(m.clock() - self.started),
        }
        if not m.faults.missing_power:
            info["power"] = m.power_w()
        return web.json_response(info)

    async def _patch(self, request: web.Request) -> web.Response:
        await self._gate(request)
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="body is not JSON")
        if not isinstance(body, dict):
            return web.Response(status=400, text="body is not a JSON object")
        if "frequency" in body:
            value = body["frequency"]
            if not isinstance(value, int) or isinstance(value, bool):
                return web.Response(status=400, text="frequency must be an integer")
            error = self.miner.set_setting(value)
            if error is not None:
                return web.Response(status=500, text=error)
        return web.Response(status=200)

    async def _restart(self, request: web.Request) -> web.Response:
        await self._gate(request)
        self.miner.reboot(REBOOT_S)
        return web.Response(text="System will restart shortly.")
