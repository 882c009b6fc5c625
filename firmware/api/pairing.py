"""The pairing endpoints (docs/http-api.md, "Pairing"; docs/discovery.md).

    GET    /api/pair/code                 owner: the open one-time code
    POST   /api/pair                      anyone on the LAN with the code: an MQTT login
    GET    /api/pair/clients              owner: the paired apps
    DELETE /api/pair/clients/<username>   owner: revoke one

`POST /api/pair` needs no credential (the code is the credential) but is refused
cross-site like every write, so a hostile web page cannot pair with a code it guessed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from firmware.inputs import bounded_text
from firmware.pairing import CodeRefused, PairingService, PairingUnavailable, TooManyTries
from firmware.pairing.request import parse_pair_request
from firmware.validation import Invalid

PAIRING_KEY = web.AppKey("pairing", PairingService)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BodyReader = Callable[[web.Request], Awaitable[object]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _unavailable(exc: PairingUnavailable) -> web.Response:
    return _error(409, str(exc))


async def get_code(request: web.Request) -> web.Response:
    try:
        return web.json_response(request.app[PAIRING_KEY].code())
    except PairingUnavailable as exc:
        return _unavailable(exc)


def post_pair(read_body: BodyReader) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        body = await read_body(request)
        try:
            code, client = parse_pair_request(body)
        except Invalid as exc:
            return _error(400, bounded_text(f"{exc.key}: {exc}", 512))
        try:
            return web.json_response(await request.app[PAIRING_KEY].pair(code, client))
        except PairingUnavailable as exc:
            return _unavailable(exc)
        except TooManyTries as exc:
            return _error(429, str(exc))
        except CodeRefused as exc:
            return _error(403, str(exc))
        except ValueError as exc:  # too many apps paired
            return _error(409, str(exc))

    return handler


async def get_clients(request: web.Request) -> web.Response:
    try:
        return web.json_response(request.app[PAIRING_KEY].clients())
    except PairingUnavailable as exc:
        return _unavailable(exc)


async def delete_client(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    try:
        revoked = await request.app[PAIRING_KEY].revoke(username)
    except PairingUnavailable as exc:
        return _unavailable(exc)
    if not revoked:
        return _error(404, f"no paired app {bounded_text(username, 64)!r}")
    return web.json_response({"ok": True, "revoked": username})


def add_pairing_routes(
    app: web.Application,
    pairing: PairingService,
    *,
    writer: Callable[[Handler], Handler],
    same_site: Callable[[Handler], Handler],
    read_body: BodyReader,
) -> None:
    """`writer` wraps owner-only endpoints (same-site and a credential), `same_site` the
    code exchange (same-site, no credential)."""
    app[PAIRING_KEY] = pairing
    app.router.add_get("/api/pair/code", writer(get_code))
    app.router.add_post("/api/pair", same_site(post_pair(read_body)))
    app.router.add_get("/api/pair/clients", writer(get_clients))
    app.router.add_delete("/api/pair/clients/{username}", writer(delete_client))
