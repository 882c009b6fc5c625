"""The HTTP API over a real socket with a real aiohttp client: AxeOS (pyasic/hass-miner)
compatibility, auth, masking, bad JSON and conformance to openapi.yaml."""

from __future__ import annotations

import asyncio
import base64
import json

import aiohttp
import jsonschema
import pytest
import yaml

from firmware.api import ApiServer, WriteAuth
from firmware.config import Secret
from tests.firmware.api.heater_double import HeaterDouble
from tests.support.openapi import SPEC, conforms

TOKEN = "test-token-0123456789"
# Keys pyasic's BitAxe/ESPMiner backends and hass-miner index directly in system/info.
PYASIC_KEYS = {
    "hashRate": float,
    "power": float,
    "uptimeSeconds": int,
    "hostname": str,
    "fanrpm": int,
    "version": str,
    "macAddr": str,
    "temp": float,
    "vrTemp": float,
    "asicCount": int,
    "voltage": float,
    "smallCoreCount": int,
    "frequency": float,
    "stratumURL": str,
    "stratumPort": int,
    "stratumUser": str,
    "autofanspeed": int,
    "fanspeed": int,
    "ASICModel": str,
}


def schema(name: str) -> dict:
    return {**SPEC["components"]["schemas"][name], "components": SPEC["components"]}


def run_with_server(test, *, auth: WriteAuth | None = None, heater: HeaterDouble | None = None):
    heater = heater or HeaterDouble()
    auth = auth or WriteAuth(True, Secret(TOKEN), "owner", Secret("owner-pass"))

    async def main():
        server = ApiServer(heater, auth, "127.0.0.1", 0)
        await server.start()
        try:
            async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as client:
                await test(client, heater)
        finally:
            await server.stop()

    asyncio.run(main())
    return heater


BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_system_info_has_every_field_pyasic_indexes_with_the_right_types():
    async def test(client, heater):
        async with client.get("/api/system/info") as response:
            assert response.status == 200
            info = await response.json()
        for key, kind in PYASIC_KEYS.items():
            assert key in info, key
            assert isinstance(info[key], kind) or (kind is float and isinstance(info[key], int))
        assert info["stratumURL"] == "pool.example"  # bare host, as ESP-Miner reports it
        assert info["stratumPort"] == 3333
        assert info["fallbackStratumURL"] == "backup.example"
        assert info["macAddr"].upper() == "02:00:00:12:34:56"
        # pyasic's expected hashrate: smallCoreCount × asicCount × frequency in MH/s
        expected_ghs = info["smallCoreCount"] * info["asicCount"] * info["frequency"] / 1000
        assert expected_ghs == pytest.approx(heater.miner_facts().expected_hashrate_ghs, rel=1e-3)
        conforms(info, "SystemInfo")
        text = json.dumps(info)
        assert "pool-secret" not in text
        async with client.get("/api/system/asic") as response:
            asic = await response.json()
        assert asic["ASICModel"] == "BM1370" and asic["asicCount"] == 24
        assert 525.0 in asic["frequencyOptions"]
        # Per-chip health: the one failing chip of 24 can be found.
        assert len(asic["chips"]) == 24
        assert [c["index"] for c in asic["chips"] if not c["responding"]] == [5]
        assert asic["chips"][5]["hwErrors"] == 3 and asic["chips"][4]["hashRate"] == 1071.0
        conforms(asic, "AsicInfo")
        async with client.get("/") as response:
            assert "AxeOS-compatible" in await response.text()

    run_with_server(test)


def test_measured_fields_come_from_the_parts_and_are_null_without_them():
    async def measured(client, heater):
        async with client.get("/api/system/info") as response:
            info = await response.json()
        assert info["power"] == 398.9 and info["powerMeasured"] == 1
        assert info["voltage"] == 12050.0  # input mV
        assert info["current"] == 33100.0  # the input current, mA
        assert info["coreVoltageActual"] == 1148  # READ_VOUT, not the planned 1150
        assert info["coreVoltage"] == 1150
        assert info["vrTemp"] == 48.0
        assert info["nominalVoltage"] == 12
        conforms(info, "SystemInfo")

    async def bare(client, heater):
        heater.measured = None  # a board with no regulator or meter
        async with client.get("/api/system/info") as response:
            info = await response.json()
        for key in ("voltage", "current", "coreVoltageActual", "vrTemp", "nominalVoltage"):
            assert info[key] is None, key
        assert info["power"] == 400.0 and info["powerMeasured"] == 0  # the model
        conforms(info, "SystemInfo")

    run_with_server(measured)
    run_with_server(bare)


def test_patch_system_matches_keys_case_insensitively_and_accepts_scheme_and_port():
    async def test(client, heater):
        body = {
            "STRATUMurl": "stratum+ssl://new.pool.example:4334",
            "stratumuser": "bc1q.new",
            "stratumPassword": "new-secret",
            "autoFanspeed": 1,
            "Frequency": 600,
        }
        async with client.patch("/api/system", json=body, headers=BEARER) as response:
            assert response.status == 200
            reply = await response.json()
        assert reply["ok"] is True
        assert sorted(reply["ignored"]) == ["Frequency", "autoFanspeed"]
        conforms(reply, "SystemPatchResult")
        assert heater.pools[0].url == "stratum+ssl://new.pool.example:4334"
        assert heater.passwords[0] == "new-secret"
        assert heater.pools[1].url == "stratum+tcp://backup.example:4444"  # untouched
        async with client.get("/api/system/info") as response:
            info = await response.json()
        assert (info["stratumURL"], info["stratumPort"], info["stratumUser"]) == (
            "new.pool.example",
            4334,
            "bc1q.new",
        )
        # pyasic's as_bitaxe() style: bare host and a separate port
        body = {"stratumURL": "other.example", "stratumPort": 3335, "hostname": "den-heater"}
        async with client.patch("/api/system", json=body, headers=BEARER) as response:
            assert response.status == 200
        assert heater.pools[0].url == "stratum+ssl://other.example:3335"
        assert heater.passwords[0] == "new-secret"  # password kept when not sent
        assert heater.hostname == "den-heater"

    run_with_server(test)


@pytest.mark.parametrize(
    "body",
    [
        {"stratumPort": 0},
        {"stratumPort": "abc"},
        {"stratumURL": "http://pool:80"},
        {"stratumURL": ""},
        {"hostname": "bad host!"},
        {"noSuchSetting": 1},
        {"stratumURL": "a.example", "STRATUMURL": "b.example"},
        [1, 2],
    ],
)
def test_bad_patch_system_is_400_with_a_message_and_changes_nothing(body):
    async def test(client, heater):
        before = (list(heater.pools), heater.hostname)
        async with client.patch("/api/system", json=body, headers=BEARER) as response:
            assert response.status == 400
            reply = await response.json()
        assert reply["ok"] is False and reply["error"]
        conforms(reply, "Error")
        assert (list(heater.pools), heater.hostname) == before

    run_with_server(test)


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b"[" * 100000])
def test_bad_json_is_a_clear_400(raw):
    async def test(client, heater):
        for path in ("/api/system", "/api/heater"):
            async with client.patch(path, data=raw, headers=BEARER) as response:
                assert response.status in (400, 413)
                if response.status == 400:
                    reply = await response.json()
                    assert reply["ok"] is False and "JSON" in reply["error"]

    run_with_server(test)


def test_writes_need_a_credential_reads_do_not():
    basic = base64.b64encode(b"owner:owner-pass").decode()
    wrong_basic = base64.b64encode(b"owner:nope").decode()

    async def test(client, heater):
        async with client.get("/api/heater") as response:
            assert response.status == 200
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": f"Basic {wrong_basic}"},
            {"Authorization": "Basic !!!"},
        ):
            async with client.patch("/api/heater", json={"target_c": 22}, headers=headers) as r:
                assert r.status == 401
                assert "WWW-Authenticate" in r.headers
            async with client.post("/api/system/pause", headers=headers) as r:
                assert r.status == 401
        assert heater.settings()["target_c"] == 21.0 and heater.actions == []
        async with client.patch(
            "/api/heater", json={"target_c": 22.5}, headers={"Authorization": f"Basic {basic}"}
        ) as r:
            assert r.status == 200
        for action in ("pause", "resume", "restart"):
            async with client.post(f"/api/system/{action}", headers=BEARER) as r:
                assert r.status == 200
                assert (await r.json())["ok"] is True
        assert heater.actions == ["pause", "resume", "restart"]

    heater = run_with_server(test)
    assert heater.settings()["target_c"] == 22.5


def test_owner_can_turn_write_auth_off():
    async def test(client, heater):
        async with client.patch("/api/heater", json={"mode": "off"}) as r:
            assert r.status == 200

    heater = run_with_server(test, auth=WriteAuth(False, Secret(""), "", Secret("")))
    assert heater.settings()["mode"] == "off"


def test_heater_endpoint_conforms_to_openapi_and_masks_pool_passwords():
    async def test(client, heater):
        async with client.get("/api/heater") as response:
            document = await response.json()
        conforms(document, "HeaterDocument")
        assert [p["password"] for p in document["pools"]] == ["***", "***"]
        assert "pool-secret" not in json.dumps(document)
        async with client.patch(
            "/api/heater", json={"target_c": 23.4, "preset": "comfort"}, headers=BEARER
        ) as response:
            assert response.status == 200
            reply = await response.json()
        conforms(reply, "PatchResult")
        assert reply["settings"]["target_c"] == 23.4
        async with client.patch(
            "/api/heater", json={"target_c": 40, "mode": "off"}, headers=BEARER
        ) as response:
            assert response.status == 400
            reply = await response.json()
        conforms(reply, "Error")
        assert "target_c" in reply["error"]
        assert heater.settings()["mode"] == "heat"  # all-or-nothing
        async with client.get("/api/openapi.yaml") as response:
            assert yaml.safe_load(await response.text())["openapi"].startswith("3.")

    run_with_server(test)


def test_openapi_document_is_itself_valid_json_schema():
    for name in SPEC["components"]["schemas"]:
        jsonschema.Draft202012Validator.check_schema(schema(name))
