"""The app's side of pairing (app/link/pairing.py) against the heater's real HTTP API and
embedded broker: a good code gives a login of its own in the shape openapi.yaml gives;
each refusal reaches the owner in words, with the heater's own reason. The pairing
routes the server has are the ones openapi.yaml documents."""

from __future__ import annotations

import asyncio
import pathlib
import threading
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from app.link.pairing import pair, pair_in_background
from app.model.found import FoundError, FoundHeater, Pairing
from firmware.api import ApiServer, WriteAuth, create_app
from firmware.broker import EmbeddedBroker
from firmware.config import Secret
from firmware.pairing import PairingCodes, PairingService
from firmware.pairing.codes import MAX_TRIES
from firmware.pairing.service import MqttEndpoint
from tests.firmware.api.heater_double import HeaterDouble
from tests.support.mosquitto import free_port
from tests.support.openapi import conforms, served_and_documented

TOKEN = "test-token-0123456789"
OWNER = {"Authorization": f"Bearer {TOKEN}"}
Test = Callable[[aiohttp.ClientSession, FoundHeater], Awaitable[None]]


def found_at(port: int) -> FoundHeater:
    return FoundHeater("h1", "Living room", "0.1.0", "127.0.0.1", port, "127.0.0.1", 1883,
                       False, "hearth", True)  # fmt: skip


def run(tmp_path: pathlib.Path, test: Test, *, embedded: bool = True) -> None:
    async def main() -> None:
        broker = EmbeddedBroker(tmp_path, host="127.0.0.1", port=0) if embedded else None
        info = await broker.start() if broker else None
        endpoint = MqttEndpoint("127.0.0.1", info.port if info else 1883, False, "hearth")
        pairing = PairingService(
            PairingCodes(lambda: 1000.0), broker, endpoint, device_id="h1", name="Living room"
        )
        server = ApiServer(
            HeaterDouble(), WriteAuth(True, Secret(TOKEN), "", Secret("")), "127.0.0.1", 0, pairing
        )
        await server.start()
        try:
            async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as client:
                await test(client, found_at(server.port))
        finally:
            await server.stop()
            if broker:
                await broker.stop()

    asyncio.run(main())


async def owner_code(client: aiohttp.ClientSession) -> str:
    async with client.get("/api/pair/code", headers=OWNER) as response:
        body = await response.json()
    conforms(body, "PairingCode")
    return str(body["code"])


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def refused(heater: FoundHeater, code: str) -> str:
    with pytest.raises(FoundError) as error:
        await asyncio.to_thread(pair, heater, code, "Phone", timeout=10)
    return str(error.value)


def test_the_code_gives_the_app_its_own_login(tmp_path: pathlib.Path) -> None:
    async def test(client: aiohttp.ClientSession, heater: FoundHeater) -> None:
        code = await owner_code(client)
        got = await asyncio.to_thread(pair, heater, code, "Phone", timeout=10)
        assert (got.device_id, got.name, got.host, got.tls, got.prefix) == (
            "h1", "Living room", "127.0.0.1", False, "hearth"
        )  # fmt: skip
        assert got.username.startswith("app-") and got.password
        async with client.get("/api/pair/clients", headers=OWNER) as response:
            apps = await response.json()
        conforms(apps[0], "PairedApp")
        assert [(a["username"], a["client"]) for a in apps] == [(got.username, "Phone")]
        conforms(
            {"id": got.device_id, "name": got.name, "mqtt": {
                "host": got.host, "port": got.port, "tls": got.tls, "username": got.username,
                "password": got.password, "prefix": got.prefix}},
            "PairAnswer",
        )  # fmt: skip
        # The code was good once: the same code again is refused, in words.
        assert "the code is wrong, used or expired" in await refused(heater, code)

    run(tmp_path, test)


def test_wrong_codes_and_guessing_are_told_in_words(tmp_path: pathlib.Path) -> None:
    async def test(client: aiohttp.ClientSession, heater: FoundHeater) -> None:
        code = await owner_code(client)
        message = await refused(heater, wrong(code))
        assert message.startswith("Pairing with Living room refused: the code is wrong")
        assert "(wrong pairing code)" in message  # the heater's own reason
        for _ in range(MAX_TRIES - 1):
            await refused(heater, wrong(code))
        assert "that code is burnt, ask the heater for a new one" in await refused(heater, code)

    run(tmp_path, test)


def test_a_heater_on_an_external_broker_says_why_it_cannot_pair(tmp_path: pathlib.Path) -> None:
    async def test(_client: aiohttp.ClientSession, heater: FoundHeater) -> None:
        message = await refused(heater, "123456")
        assert "the heater cannot pair now (this heater uses the external broker" in message

    run(tmp_path, test, embedded=False)


def test_an_unreachable_heater_and_a_mistyped_code_are_said_in_background() -> None:
    results: list[tuple[Pairing | None, str]] = []
    done = threading.Event()

    def handoff(action: Callable[[], None]) -> None:
        action()
        done.set()

    nobody = found_at(free_port())
    pair_in_background(nobody, "123456", "Phone", handoff, lambda p, e: results.append((p, e)))
    assert done.wait(15)
    done.clear()
    pair_in_background(nobody, "12 34", "Phone", handoff, lambda p, e: results.append((p, e)))
    assert done.wait(15)
    (none1, unreachable), (none2, mistyped) = results
    assert none1 is None and unreachable.startswith("Cannot reach Living room at http://127.0.0.1:")
    assert none2 is None and "type the 6 digits shown on the heater" in mistyped


def test_every_pairing_route_is_in_openapi() -> None:
    pairing = PairingService(
        PairingCodes(lambda: 0.0), None, MqttEndpoint("h", 1883, False, "hearth"),
        device_id="h1", name="x",
    )  # fmt: skip
    app = create_app(HeaterDouble(), WriteAuth(False, Secret(""), "", Secret("")), pairing)
    served, documented = served_and_documented(app, "/api/pair")
    assert served and served == documented
