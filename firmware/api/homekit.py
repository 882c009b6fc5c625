"""`GET /api/homekit` (owner): the Apple Home setup code and its `X-HM://` setup
payload, for the page's pairing card; `GET /api/homekit/qr.svg` (owner): that payload as
the QR code the Home app scans (docs/homekit.md). 404 when HomeKit is off; the QR code
is 404 too while the accessory is not running (there is no payload to draw)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from firmware.homekit.setup_qr import setup_qr_svg

HomeKitSetup = Callable[[], Mapping[str, object]]
HOMEKIT_KEY: web.AppKey[HomeKitSetup] = web.AppKey("homekit")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def get_homekit(request: web.Request) -> web.Response:
    return web.json_response(dict(request.app[HOMEKIT_KEY]()))


async def get_homekit_qr(request: web.Request) -> web.Response:
    uri = request.app[HOMEKIT_KEY]().get("setup_uri")
    if not isinstance(uri, str):
        return web.json_response({"error": "HomeKit is not running"}, status=404)
    return web.Response(
        body=setup_qr_svg(uri),
        content_type="image/svg+xml",
        headers={"Cache-Control": "no-store"},  # a credential: never kept by a cache
    )


def add_homekit_routes(
    app: web.Application, setup: HomeKitSetup, *, writer: Callable[[Handler], Handler]
) -> None:
    """`writer` makes both owner-only: the setup code is a credential."""
    app[HOMEKIT_KEY] = setup
    app.router.add_get("/api/homekit", writer(get_homekit))
    app.router.add_get("/api/homekit/qr.svg", writer(get_homekit_qr))
