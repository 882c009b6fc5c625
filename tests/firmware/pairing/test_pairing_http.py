"""Pairing over the real HTTP API with the real embedded broker: a one-time code is
exchanged for an app's own MQTT login, which paho then uses with the owner's topic
rights; wrong, expired and reused codes are refused, guessing is capped, and a revoked
login is refused by the broker and its open connection dropped."""

from __future__ import annotations

import asyncio
import json
import pathlib
import threading

import aiohttp
import pytest

from firmware.api import ApiServer, WriteAuth
from firmware.broker import EmbeddedBroker
from firmware.broker.app_logins import APPS_FILE
from firmware.config import Secret
from firmware.pairing import PairingCodes, PairingService
from firmware.pairing.codes import LIFETIME_S, MAX_TRIES
from firmware.pairing.service import MqttEndpoint
from tests.firmware.api.heater_double import HeaterDouble
from tests.support.mqtt_observer import MqttObserver

TOKEN = "test-token-0123456789"
OWNER = {"Authorization": f"Bearer {TOKEN}"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(tmp_path: pathlib.Path, test, *, embedded: bool = True) -> None:
    async def main() -> None:
        clock = Clock()
        broker = EmbeddedBroker(tmp_path, host="127.0.0.1", port=0) if embedded else None
        info = await broker.start() if broker else None
        endpoint = MqttEndpoint("127.0.0.1", info.port if info else 1883, False, "hearth")
        pairing = PairingService(
            PairingCodes(clock), broker, endpoint, device_id="h1", name="Living room"
        )
        auth = WriteAuth(True, Secret(TOKEN), "", Secret(""))
        server = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0, pairing)
        await server.start()
        try:
            async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as client:
                await test(client, clock, info)
        finally:
            await server.stop()
            if broker:
                await broker.stop()

    asyncio.run(main())


async def new_code(client: aiohttp.ClientSession) -> str:
    async with client.get("/api/pair/code", headers=OWNER) as response:
        assert response.status == 200
        body = await response.json()
    assert body["expires_in_s"] == LIFETIME_S
    assert len(body["code"]) == 6 and body["code"].isdigit()
    return body["code"]


async def pair(client: aiohttp.ClientSession, code: str, app: str = "Phone") -> tuple[int, dict]:
    async with client.post("/api/pair", json={"code": code, "client": app}) as response:
        return response.status, await response.json()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_gives_an_app_its_own_login_with_the_owners_rights(tmp_path):
    async def test(client, clock, info):
        code = await new_code(client)
        status, paired = await pair(client, code)
        assert status == 200, paired
        assert paired["id"] == "h1" and paired["name"] == "Living room"
        mqtt = paired["mqtt"]
        assert (mqtt["host"], mqtt["port"], mqtt["tls"], mqtt["prefix"]) == (
            "127.0.0.1", info.port, False, "hearth"
        )  # fmt: skip
        assert mqtt["username"] not in (info.username, info.heater_username)
        # Kept as a hash only: the password is nowhere on the heater.
        assert mqtt["password"] not in (tmp_path / APPS_FILE).read_text()

        def mqtt_checks() -> None:
            heater = MqttObserver(
                info.host, info.port, username=info.heater_username, password=info.heater_password
            )
            with (
                heater,
                MqttObserver(
                    info.host, info.port, username=mqtt["username"], password=mqtt["password"]
                ) as app,
            ):
                heater.watch("hearth/h1/#")
                app.publish("hearth/h1/state", b"forged")  # the heater's topic: dropped
                app.publish("hearth/h1/set", b'{"target_c": 22}')  # a command: delivered
                assert heater.wait_nth("hearth/h1/set", 1).payload == b'{"target_c": 22}'
                assert heater.seen("hearth/h1/state") == []

        await asyncio.to_thread(mqtt_checks)
        async with client.get("/api/pair/clients", headers=OWNER) as response:
            clients = await response.json()
        assert [(c["username"], c["client"]) for c in clients] == [(mqtt["username"], "Phone")]

    run(tmp_path, test)


def test_wrong_expired_and_reused_codes_are_refused(tmp_path):
    async def test(client, clock, info):
        code = await new_code(client)
        status, body = await pair(client, wrong(code))
        assert status == 403 and "wrong" in body["error"]
        assert (await pair(client, code))[0] == 200
        status, body = await pair(client, code)  # used once already
        assert status == 403 and "no pairing code is open" in body["error"]
        code = await new_code(client)
        clock.now += LIFETIME_S
        status, body = await pair(client, code)
        assert status == 403 and "expired" in body["error"]
        assert (
            not (tmp_path / APPS_FILE).exists()
            or len(json.loads((tmp_path / APPS_FILE).read_text())) == 1
        )

    run(tmp_path, test)


def test_guessing_burns_the_code_until_the_owner_shows_a_new_one(tmp_path):
    async def test(client, clock, info):
        code = await new_code(client)
        for _ in range(MAX_TRIES):
            assert (await pair(client, wrong(code)))[0] == 403
        status, body = await pair(client, code)  # even the right code, now
        assert status == 429 and "new code" in body["error"]
        fresh = await new_code(client)
        assert (await pair(client, fresh))[0] == 200

    run(tmp_path, test)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"code": "12345", "client": "x"}, "code"),
        ({"code": "123456"}, "client"),
        ({"code": "123456", "client": "a\nb"}, "client"),
        ({"code": "123456", "client": "x" * 65}, "client"),
        (["123456"], "JSON object"),
    ],
)
def test_bad_pair_bodies_are_400_naming_the_key(tmp_path, body, needle):
    async def test(client, clock, info):
        await new_code(client)
        async with client.post("/api/pair", json=body) as response:
            assert response.status == 400
            assert needle in (await response.json())["error"]

    run(tmp_path, test)


def test_owner_endpoints_need_the_owner_and_pairing_is_same_site_only(tmp_path):
    async def test(client, clock, info):
        for method, path in [
            ("GET", "/api/pair/code"),
            ("GET", "/api/pair/clients"),
            ("DELETE", "/api/pair/clients/app-00000000"),
        ]:
            async with client.request(method, path) as response:
                assert response.status == 401, path
        code = await new_code(client)
        hostile = {"Origin": "http://evil.example"}
        async with client.post(
            "/api/pair", json={"code": code, "client": "x"}, headers=hostile
        ) as response:
            assert response.status == 403
        async with client.delete("/api/pair/clients/app-00000000", headers=OWNER) as response:
            assert response.status == 404

    run(tmp_path, test)


def test_a_revoked_login_is_refused_and_its_connection_dropped(tmp_path):
    async def test(client, clock, info):
        _, paired = await pair(client, await new_code(client))
        user, password = paired["mqtt"]["username"], paired["mqtt"]["password"]
        app = MqttObserver(info.host, info.port, username=user, password=password)
        dropped = threading.Event()
        app.client.on_disconnect = lambda *args: dropped.set()
        await asyncio.to_thread(app.start)
        app.client.reconnect_delay_set(60, 60)  # no reconnect inside the test
        try:
            async with client.delete(f"/api/pair/clients/{user}", headers=OWNER) as response:
                assert response.status == 200
            assert await asyncio.to_thread(dropped.wait, 10)
        finally:
            await asyncio.to_thread(app.stop)
        with pytest.raises(ConnectionRefusedError, match="Not authorized"):
            await asyncio.to_thread(
                MqttObserver(info.host, info.port, username=user, password=password).start
            )
        async with client.get("/api/pair/clients", headers=OWNER) as response:
            assert await response.json() == []

    run(tmp_path, test)


def test_with_an_external_broker_pairing_is_refused_with_the_reason(tmp_path):
    async def test(client, clock, info):
        async with client.get("/api/pair/code", headers=OWNER) as response:
            assert response.status == 409
            assert "external broker" in (await response.json())["error"]
        status, body = await pair(client, "123456")
        assert status == 409 and "by hand" in body["error"]

    run(tmp_path, test, embedded=False)


def test_paired_logins_survive_a_broker_restart(tmp_path):
    async def main() -> tuple[str, str]:
        broker = EmbeddedBroker(tmp_path, host="127.0.0.1", port=0)
        await broker.start()
        login, password = await broker.add_app("Tablet", 1_700_000_000)
        await broker.stop()
        return login.username, password

    user, password = asyncio.run(main())

    async def again() -> None:
        broker = EmbeddedBroker(tmp_path, host="127.0.0.1", port=0)
        info = await broker.start()
        try:
            app = MqttObserver(info.host, info.port, username=user, password=password)
            await asyncio.to_thread(app.start)
            await asyncio.to_thread(app.stop)
            assert [login.public() for login in broker.apps.all()] == [
                {"username": user, "client": "Tablet", "created": 1_700_000_000}
            ]
        finally:
            await broker.stop()

    asyncio.run(again())


def test_hearth_sim_prints_the_code_it_gets_from_the_heater(tmp_path):
    from host.sim.pairing_code import fetch_pairing_code

    async def test(client, clock, info):
        port = client._base_url.port
        printed = await asyncio.to_thread(fetch_pairing_code, port, TOKEN)
        code, _, rest = printed.partition(" ")
        assert len(code) == 6 and code.isdigit() and "valid 300 s" in rest
        assert (await pair(client, code))[0] == 200
        assert "none:" in await asyncio.to_thread(fetch_pairing_code, port, "wrong-token")

    run(tmp_path, test)
