"""The HTTP API with the daemon's real settings and state shapes: what `/api/heater`
returns and accepts must be exactly what openapi.yaml says, and newer AxeOS clients'
PATCH keys (stratumTLS, stratumProtocol, ...) must work."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from firmware.api import OPENAPI_FILE
from firmware.api.axeos import parse_system_patch
from firmware.api.facade import PoolView
from tests.firmware.api.heater_double import HeaterDouble
from tests.firmware.api.test_http_api import BEARER, conforms, run_with_server

SPEC = yaml.safe_load(OPENAPI_FILE.read_text())
SCHEDULE = {
    "mon": [{"at": "06:30", "target_c": 21.0}, {"at": "22:30", "target_c": 17.5}],
    "sat": [{"at": "08:00", "target_c": 22.0}],
}
FULL_PATCH = {
    "mode": "auto",
    "preset": "none",
    "target_c": 20.5,
    "power_limit_w": 400,
    "schedule": SCHEDULE,
    "quiet_hours": {"from": "22:00", "to": "07:00", "limit_w": 200},
    "window_detection": False,
    "cheap_hours": ["00:00-07:00"],
    "comfort_band_c": 0.5,
}


def request_schema(path: str, method: str) -> dict:
    body = SPEC["paths"][path][method]["requestBody"]["content"]["application/json"]
    return {**body["schema"], "components": SPEC["components"]}


def test_every_settable_key_round_trips_and_matches_the_openapi_file():
    async def test(client, heater):
        async with client.get("/api/heater") as response:
            document = await response.json()
        conforms(document, "HeaterDocument")  # Settings/State are closed where they can be
        assert document["state"]["room_c"] is None and document["state"]["efficiency_j_th"] is None
        jsonschema.validate(FULL_PATCH, request_schema("/api/heater", "patch"))
        async with client.patch("/api/heater", json=FULL_PATCH, headers=BEARER) as response:
            assert response.status == 200, await response.text()
            reply = await response.json()
        conforms(reply, "PatchResult")
        assert reply["settings"]["schedule"] == SCHEDULE
        assert reply["settings"]["quiet_hours"] == {"from": "22:00", "to": "07:00", "limit_w": 200}
        async with client.get("/api/heater") as response:
            again = await response.json()
        conforms(again, "HeaterDocument")
        assert again["settings"] == reply["settings"]

    run_with_server(test, heater=HeaterDouble(room_c=None))


def test_the_flat_schedule_list_is_accepted_as_documented():
    flat = {"schedule": [{"day": "*", "at": "07:00", "target_c": 21.0}]}
    jsonschema.validate(flat, request_schema("/api/heater", "patch"))

    async def test(client, heater):
        async with client.patch("/api/heater", json=flat, headers=BEARER) as response:
            assert response.status == 200, await response.text()
            reply = await response.json()
        assert len(reply["settings"]["schedule"]) == 7  # every day, read back as the object
        conforms(reply, "PatchResult")

    run_with_server(test, heater=HeaterDouble(room_c=None))


# (body, the key the error names, whether openapi.yaml alone already refuses it: some
# limits are the board's or need two fields, which a schema cannot say)
BAD_SETTINGS = [
    ({"mode": "off", "schedule": {"mon": [{"at": "25:00", "target_c": 20}]}}, "at", True),
    ({"mode": "off", "schedule": {"funday": []}}, "funday", True),
    ({"target_c": 30.5}, "target_c", True),
    ({"target_c": 20.05}, "target_c", False),  # 0.1 °C steps
    ({"power_limit_w": 600}, "power_limit_w", False),  # above the board's 502.1 W
    ({"colour": "red"}, "colour", True),
    ({"mode": "off", "cheap_hours": ["07:00-07:00"]}, "cheap_hours", False),
    ({"mode": "off", "window_detection": "yes"}, "window_detection", True),
]


@pytest.mark.parametrize(("body", "named", "schema_refuses"), BAD_SETTINGS)
def test_a_bad_setting_is_400_naming_it_and_changes_nothing(body, named, schema_refuses):
    if schema_refuses:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(body, request_schema("/api/heater", "patch"))

    async def test(client, heater):
        before = heater.settings()
        async with client.patch("/api/heater", json=body, headers=BEARER) as response:
            assert response.status == 400
            reply = await response.json()
        conforms(reply, "Error")
        assert named in reply["error"]
        assert heater.settings() == before  # all-or-nothing: mode untouched as well

    run_with_server(test, heater=HeaterDouble(room_c=None))


def test_every_documented_endpoint_answers_as_the_openapi_file_says():
    async def test(client, heater):
        async with client.get("/api/system/asic") as response:
            conforms(await response.json(), "AsicInfo")
        for action in ("restart", "pause", "resume"):
            assert f"/api/system/{action}" in SPEC["paths"]
            async with client.post(f"/api/system/{action}") as response:
                assert response.status == 401
                conforms(await response.json(), "Error")
            async with client.post(f"/api/system/{action}", headers=BEARER) as response:
                assert response.status == 200
                conforms(await response.json(), "ActionResult")
        async with client.get("/") as response:
            assert response.content_type == "text/html"

    run_with_server(test, heater=HeaterDouble(room_c=None))


POOLS = (
    PoolView("stratum+tcp://pool.example:3333", "bc1q.heater"),
    PoolView("stratum+ssl://backup.example:4444", "bc1q.backup"),
)


def test_axeos_2_tls_and_protocol_keys_are_understood():
    # What AxeOS 2.x's own settings form sends for a TLS pool.
    patch = parse_system_patch(
        {
            "stratumURL": "tls.pool.example",
            "stratumPort": 4333,
            "stratumTLS": 1,
            "stratumCert": "",
            "stratumProtocol": "SV1",
            "fallbackStratumTLS": 0,
            "useFallbackStratum": 0,
            "displayOffset": 0,
        },
        POOLS,
    )
    assert patch.pools is not None
    assert patch.pools[0][0] == "stratum+ssl://tls.pool.example:4333"
    assert patch.pools[1][0] == "stratum+tcp://backup.example:4444"
    assert set(patch.ignored) == {"stratumCert", "stratumProtocol", "useFallbackStratum",
                                  "displayOffset"}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"stratumTLS": 2}, "custom pool certificate"),
        ({"stratumTLS": "yes"}, "must be 0"),
        ({"stratumURL": "stratum+tcp://p.example:1", "stratumTLS": 1}, "contradicts"),
        ({"stratumProtocol": "SV2"}, "Stratum V1 only"),
    ],
)
def test_unsupported_axeos_pool_options_are_refused(body, why):
    with pytest.raises(ValueError, match=why):
        parse_system_patch(body, POOLS)


def test_system_info_reports_tls_per_pool():
    async def test(client, heater):
        heater.pools = list(POOLS)
        async with client.get("/api/system/info") as response:
            info = await response.json()
        assert (info["stratumTLS"], info["fallbackStratumTLS"]) == (0, 1)
        conforms(info, "SystemInfo")

    run_with_server(test, heater=HeaterDouble(room_c=None))
