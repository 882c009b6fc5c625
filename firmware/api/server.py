"""The local HTTP API (aiohttp): the AxeOS-compatible subset and Hearth's `/api/heater`.

Endpoints are listed in docs/http-api.md and, for `/api/heater`, described in
`openapi.yaml` next to this file (served at `/api/openapi.yaml`). Handlers keep no
per-request state, so memory stays flat however often Home Assistant polls.

Against a hostile LAN (docs/security.md): bodies are strict bounded JSON
(`firmware.inputs`; a firmware upload is a bounded binary stream, `update.py`), every
write is refused cross-site (`same_origin.py`) whatever its credential, an idle or
half-sent connection is closed after `IDLE_TIMEOUT_S`, and at most `MAX_CONNECTIONS`
are open at once (more are closed on accept).
"""

from __future__ import annotations

import asyncio
import json
import logging
import pathlib
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from firmware.api import axeos
from firmware.api.auth import WriteAuth
from firmware.api.facade import HeaterFacade
from firmware.api.history import add_history_routes
from firmware.api.homekit import HomeKitSetup, add_homekit_routes
from firmware.api.pairing import add_pairing_routes
from firmware.api.same_origin import cross_site_refusal
from firmware.api.update import WebUpdate, add_update_routes
from firmware.history import History
from firmware.inputs import InputError, bounded_text, loads_strict
from firmware.logs import RepeatFilter
from firmware.pairing import PairingService
from firmware.validation import MASK

log = logging.getLogger(__name__)
log.addFilter(RepeatFilter())

OPENAPI_FILE = pathlib.Path(__file__).with_name("openapi.yaml")
WEB_DIR = pathlib.Path(__file__).with_name("web")
# The page runs only its own files: no inline script, nothing from another origin.
PAGE_HEADERS = {
    # blob: images: the Apple Home QR code, fetched with the owner's header (docs/web.md)
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}
MAX_BODY_BYTES = 64 * 1024
# A request's headers must arrive, and an idle keep-alive connection is closed, within this.
IDLE_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 128
FACADE_KEY = web.AppKey("facade", HeaterFacade)
AUTH_KEY = web.AppKey("auth", WriteAuth)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status, headers=headers)


async def _json_body(request: web.Request) -> Any:
    """The request's JSON, or a 400 that says what is wrong with it."""
    raw = await request.read()
    if not raw.strip():
        raise web.HTTPBadRequest(
            text=json.dumps({"ok": False, "error": "empty body: send a JSON object"}),
            content_type="application/json",
        )
    try:
        return loads_strict(raw, max_bytes=MAX_BODY_BYTES)
    except InputError as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"ok": False, "error": f"body is not valid JSON: {exc}"}),
            content_type="application/json",
        ) from None


def _same_site(handler: Handler) -> Handler:
    """Wrap an endpoint that runs only same-site (`same_origin.py`), credential or not."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        refusal = cross_site_refusal(
            request.headers.get("Host"),
            request.headers.get("Origin"),
            request.headers.get("Sec-Fetch-Site"),
        )
        if refusal is not None:
            return _error(403, refusal)
        return await handler(request)

    return guarded


def _writer(handler: Handler) -> Handler:
    """Wrap a write endpoint: it runs only same-site and with a valid credential."""

    @_same_site
    async def guarded(request: web.Request) -> web.StreamResponse:
        auth = request.app[AUTH_KEY]
        if not auth.allows(request.headers.get("Authorization")):
            return _error(
                401,
                "writes need a credential (Authorization: Bearer <token> or Basic)",
                **{"WWW-Authenticate": auth.challenge()},
            )
        return await handler(request)

    return guarded


def _axeos_writer(handler: Handler) -> Handler:
    """An AxeOS write endpoint: like `_writer`, but open to the LAN (still same-site)
    when the owner turned `axeos_lan_writes` on, since AxeOS tools send no credential."""
    checked = _writer(handler)

    @_same_site
    async def guarded(request: web.Request) -> web.StreamResponse:
        if request.app[AUTH_KEY].axeos_open:
            return await handler(request)
        return await checked(request)

    return guarded


async def index(request: web.Request) -> web.FileResponse:
    """The heater's own page (docs/web.md): static files that read and write this API."""
    return web.FileResponse(WEB_DIR / "index.html", headers=PAGE_HEADERS)


async def system_info(request: web.Request) -> web.Response:
    return web.json_response(axeos.system_info(request.app[FACADE_KEY].miner_facts()))


async def system_asic(request: web.Request) -> web.Response:
    return web.json_response(axeos.asic_info(request.app[FACADE_KEY].miner_facts()))


async def patch_system(request: web.Request) -> web.Response:
    facade = request.app[FACADE_KEY]
    body = await _json_body(request)
    try:
        patch = axeos.parse_system_patch(body, facade.miner_facts().pools)
    except axeos.PatchError as exc:
        return _error(400, str(exc))
    try:
        if patch.pools is not None:
            await facade.apply_pools(patch.pools)
        if patch.hostname is not None:
            await facade.set_hostname(patch.hostname)
    except (ValueError, ArithmeticError) as exc:
        return _error(400, bounded_text(str(exc) or "a number is out of range", 512))
    return web.json_response(
        {"ok": True, "applied": list(patch.applied), "ignored": list(patch.ignored)}
    )


def _action(name: str, message: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        await getattr(request.app[FACADE_KEY], name)()
        return web.json_response({"ok": True, "message": message})

    return handler


def heater_document(facade: HeaterFacade) -> dict[str, object]:
    pools = [
        {"url": p.url, "user": p.user, "password": MASK if p.has_password else ""}
        for p in facade.miner_facts().pools
    ]
    return {"state": dict(facade.state()), "settings": dict(facade.settings()), "pools": pools}


async def get_heater(request: web.Request) -> web.Response:
    return web.json_response(heater_document(request.app[FACADE_KEY]))


async def patch_heater(request: web.Request) -> web.Response:
    facade = request.app[FACADE_KEY]
    body = await _json_body(request)
    if not isinstance(body, dict):
        return _error(400, "body must be a JSON object of settings")
    try:
        await facade.apply_settings(body)
    except (ValueError, ArithmeticError) as exc:
        return _error(400, bounded_text(str(exc) or "a number is out of range", 512))
    return web.json_response({"ok": True, "settings": dict(facade.settings())})


async def openapi(request: web.Request) -> web.Response:
    return web.Response(text=OPENAPI_FILE.read_text(encoding="utf-8"), content_type="text/yaml")


def create_app(
    facade: HeaterFacade,
    auth: WriteAuth,
    pairing: PairingService | None = None,
    history: History | None = None,
    homekit: HomeKitSetup | None = None,
    update: WebUpdate | None = None,
) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[FACADE_KEY] = facade
    app[AUTH_KEY] = auth
    if pairing is not None:
        add_pairing_routes(app, pairing, writer=_writer, same_site=_same_site, read_body=_json_body)
    if history is not None:
        add_history_routes(app, history)
    if homekit is not None:
        add_homekit_routes(app, homekit, writer=_writer)
    if update is not None:  # a streamed body: not bound by client_max_size
        add_update_routes(app, update, writer=_writer)
    app.router.add_get("/", index)
    app.router.add_static("/web/", WEB_DIR, append_version=False)
    app.router.add_get("/api/system/info", system_info)
    app.router.add_get("/api/system/asic", system_asic)
    app.router.add_patch("/api/system", _axeos_writer(patch_system))
    for action, message in (
        ("restart", "Restarting mining"),
        ("pause", "Mining paused"),
        ("resume", "Mining resumed"),
    ):
        app.router.add_post(f"/api/system/{action}", _axeos_writer(_action(action, message)))
    app.router.add_get("/api/heater", get_heater)
    app.router.add_patch("/api/heater", _writer(patch_heater))
    app.router.add_get("/api/openapi.yaml", openapi)
    return app


class CappedConnections:
    """The protocol factory of the listening socket: aiohttp's, for at most `limit` open
    connections. At the limit the oldest connection with no request in progress (a
    half-sent request, an idle keep-alive) is closed to make room, so a flood of
    half-open sockets cannot lock the owner out; with none idle, the newcomer is closed."""

    def __init__(self, server: web.Server, limit: int) -> None:
        self.server = server
        self.limit = limit

    def __call__(self) -> asyncio.BaseProtocol:
        # A handler closed a moment ago stays listed until its connection_lost runs.
        connections = [h for h in self.server.connections if h.transport is not None]
        if len(connections) >= self.limit:
            idle = [h for h in connections if not getattr(h, "_request_in_progress", False)]
            if not idle:
                log.warning("HTTP: %d requests in progress, refusing more", self.limit)
                return RefuseAtOnce()
            log.warning("HTTP: %d connections open, closing the oldest idle one", self.limit)
            idle[0].force_close()
        return self.server()


class RefuseAtOnce(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class ApiServer:
    """The app on a TCP port (`port=0` picks a free one; read `.port` after start)."""

    def __init__(
        self,
        facade: HeaterFacade,
        auth: WriteAuth,
        host: str,
        port: int,
        pairing: PairingService | None = None,
        history: History | None = None,
        homekit: HomeKitSetup | None = None,
        update: WebUpdate | None = None,
    ) -> None:
        self._app = create_app(facade, auth, pairing, history, homekit, update)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None

    async def start(self) -> None:
        runner = web.AppRunner(self._app, access_log=None, keepalive_timeout=IDLE_TIMEOUT_S)
        await runner.setup()
        server = runner.server
        if server is None:
            raise RuntimeError("HTTP: aiohttp runner has no server after setup")
        listener = await asyncio.get_running_loop().create_server(
            CappedConnections(server, MAX_CONNECTIONS), self.host, self.port, reuse_address=True
        )
        self._runner, self._listener = runner, listener
        for sock in listener.sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                self.port = sock.getsockname()[1]
                break
        log.info("HTTP API on http://%s:%d/", self.host, self.port)

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
