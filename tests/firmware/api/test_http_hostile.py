"""The HTTP API against a hostile LAN, over real sockets: cross-site writes, DNS
rebinding, junk credentials, unbounded numbers, half-open and flooding connections."""

from __future__ import annotations

import asyncio
import base64
import logging
import select
import socket
import time

import pytest

import firmware.api.server as api_server
from firmware.api import ApiServer, WriteAuth
from firmware.config import Secret
from tests.firmware.api.heater_double import HeaterDouble
from tests.firmware.api.test_http_api import BEARER, TOKEN, run_with_server

BASIC = {"Authorization": "Basic " + base64.b64encode(b"owner:owner-pass").decode()}


def raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example", "Content-Type": "text/plain"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        # DNS rebinding: the hostile name resolves to the heater, so Origin equals Host.
        {"Host": "evil.example", "Origin": "http://evil.example"},
    ],
)
def test_cross_site_write_is_refused_with_nothing_changed(headers: dict[str, str]) -> None:
    async def test(client, heater):
        for auth in (BASIC, BEARER):
            async with client.post(
                "/api/system/pause", data="x", headers={**auth, **headers}
            ) as response:
                assert response.status == 403
                assert "refused" in (await response.json())["error"] or "Host" in (
                    await response.json()
                )["error"]
            async with client.patch(
                "/api/heater", data='{"target_c": 25}', headers={**auth, **headers}
            ) as response:
                assert response.status == 403
        assert heater.actions == [] and heater.settings()["target_c"] == 21.0

    run_with_server(test)


def test_same_origin_write_from_the_heaters_own_page_is_allowed() -> None:
    async def test(client, heater):
        host = client._base_url.authority
        for origin_host in (host, f"den.local:{client._base_url.port}"):
            headers = {**BASIC, "Host": origin_host, "Origin": f"http://{origin_host}"}
            async with client.post("/api/system/pause", headers=headers) as response:
                assert response.status == 200
        assert heater.actions == ["pause", "pause"]

    run_with_server(test)


def test_non_utf8_authorization_is_401_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        auth = WriteAuth(True, Secret(TOKEN), "owner", Secret("owner-pass"))
        server = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0)
        await server.start()
        try:
            reply = await asyncio.to_thread(
                raw_request,
                server.port,
                b"POST /api/system/pause HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Basic \xff\xfe\xc3\x28\r\nContent-Length: 0\r\n"
                b"Connection: close\r\n\r\n",
            )
        finally:
            await server.stop()
        assert reply.startswith(b"HTTP/1.1 401"), reply[:200]
        assert len(reply) < 2048

    with caplog.at_level(logging.ERROR):
        asyncio.run(main())
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"target_c": 1e400}',
        b'{"target_c": ' + b"9" * 4000 + b"}",
        b'{"stratumPort": ' + b"9" * 4000 + b"}",
        b'{"target_c": NaN}',
    ],
)
def test_unbounded_numbers_are_a_clear_400(raw: bytes) -> None:
    async def test(client, heater):
        for path in ("/api/heater", "/api/system"):
            async with client.patch(path, data=raw, headers=BEARER) as response:
                assert response.status == 400
                reply = await response.json()
                assert "out of range" in reply["error"] or "not a JSON number" in reply["error"]
                assert len(reply["error"]) < 600

    run_with_server(test)


@pytest.mark.parametrize(
    "body",
    [
        {"stratumURL": "a b"},
        {"stratumUser": "me\nX-Injected: 1"},
        {"stratumUser": "u" * 60_000},
        {"stratumPort": "3333"},
        {"hostname": "h" * 60_000},
    ],
)
def test_patch_system_refuses_bad_hosts_users_and_ports(body: dict[str, object]) -> None:
    async def test(client, heater):
        before = (list(heater.pools), heater.hostname)
        async with client.patch("/api/system", json=body, headers=BEARER) as response:
            assert response.status == 400
            assert len((await response.json())["error"]) < 600
        assert (list(heater.pools), heater.hostname) == before

    run_with_server(test)


SERVERS: list[ApiServer] = []


def open_connections() -> list[object]:
    runner = SERVERS[-1]._runner
    assert runner is not None and runner.server is not None
    return runner.server.connections


def run_server(test, monkeypatch: pytest.MonkeyPatch, **limits: float) -> None:
    for name, value in limits.items():
        monkeypatch.setattr(api_server, name, value)

    async def main() -> None:
        auth = WriteAuth(True, Secret(TOKEN), "owner", Secret("owner-pass"))
        server = ApiServer(HeaterDouble(), auth, "127.0.0.1", 0)
        SERVERS.append(server)
        await server.start()
        try:
            await asyncio.to_thread(test, server.port)
        finally:
            await server.stop()

    asyncio.run(main())


def test_half_sent_request_is_closed_after_the_idle_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def test(port: int) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            assert sock.recv(1) == b""  # closed by the server, well before our 30 s

    run_server(test, monkeypatch, IDLE_TIMEOUT_S=0.5)


def test_connection_flood_is_capped_and_the_owner_still_gets_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def test(port: int) -> None:
        held = []
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
            held.append(sock)
        # asyncio registers accepted sockets in tasks of their own: wait until it has.
        deadline = time.monotonic() + 10
        while len(open_connections()) < 4:
            assert time.monotonic() < deadline, "the server never saw the 4 sockets"
            time.sleep(0.01)
        try:
            # The cap is full of half-open requests: the oldest makes room for the owner.
            reply = raw_request(
                port, b"GET /api/heater HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            assert reply.startswith(b"HTTP/1.1 200")
            # One of them (the oldest the server registered) was closed to make room.
            readable, _, _ = select.select(held, [], [], 10)
            assert readable and readable[0].recv(1) == b""
        finally:
            for sock in held:
                sock.close()

    run_server(test, monkeypatch, MAX_CONNECTIONS=4)
