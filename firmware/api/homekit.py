"""`GET /api/homekit` (owner): the Apple Home setup code and its `X-HM://` setup
payload, for the page's pairing card (docs/homekit.md). 404 when HomeKit is off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

HomeKitSetup = Callable[[], Mapping[str, object]]
HOMEKIT_KEY: web.AppKey[HomeKitSetup] = web.AppKey("homekit")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def get_homekit(request: web.Request) -> web.Response:
    return web.json_response(dict(request.app[HOMEKIT_KEY]()))


def add_homekit_routes(
    app: web.Application, setup: HomeKitSetup, *, writer: Callable[[Handler], Handler]
) -> None:
    """`writer` makes it owner-only: the setup code is a credential."""
    app[HOMEKIT_KEY] = setup
    app.router.add_get("/api/homekit", writer(get_homekit))
