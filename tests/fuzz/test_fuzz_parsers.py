"""Every parser that reads bytes from outside, fuzzed with what broke things in the
hostile-input audit (tests/support/hostile.py). Each must refuse with its own error type,
answer with bounded text, and never raise anything else (tests/fuzz/harness.py)."""

from __future__ import annotations

import contextlib
import json
import zlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import strategies as st

from firmware.api.axeos import PatchError, parse_system_patch
from firmware.api.facade import PoolView
from firmware.asic.frames import FrameError as AsicFrameError
from firmware.asic.frames import decode_host_frame
from firmware.asic.responses import ResponseParser
from firmware.bridge.commands import MAX_ECHO_CHARS, CommandError, decode_set, encode_result
from firmware.heat import SettingsLimits, apply_update
from firmware.heat.demand import parse_demand
from firmware.heat.settings import HeatSettings
from firmware.inputs import InputError, loads_strict
from firmware.pool import messages as stratum
from firmware.pool.protocol import LineFramer, ProtocolError, Request, decode_line
from firmware.safety import messages as link_messages
from firmware.safety.frames import FrameDecoder
from firmware.update.agent import DeviceIdentity, UpdateAgent
from firmware.update.image import ImageError, check_contents, key_id, parse_manifest, split_image
from firmware.update.protocol import Deframer, FrameError, Kind, Packet, decode
from tests.fuzz.harness import fuzz
from tests.support.hostile import hostile_json_bytes, hostile_objects, hostile_scalar_text

STRATUM_METHODS = (
    "mining.notify", "mining.set_difficulty", "client.reconnect", "mining.set_extranonce",
    "mining.set_version_mask", "client.show_message",
)  # fmt: skip
PARSERS = {
    "mining.notify": stratum.parse_notify,
    "mining.set_difficulty": stratum.parse_difficulty,
    "client.reconnect": stratum.parse_reconnect,
    "mining.set_extranonce": stratum.parse_extranonce,
    "mining.set_version_mask": stratum.parse_version_mask,
}


def stratum_lines() -> st.SearchStrategy[bytes]:
    params = st.lists(hostile_scalar_text(), max_size=10).map(lambda xs: "[" + ",".join(xs) + "]")
    request = st.builds(
        lambda method, p, ident: (
            f'{{"id": {ident}, "method": "{method}", "params": {p}}}'.encode()
        ),
        st.sampled_from(STRATUM_METHODS),
        params,
        hostile_scalar_text(),
    )
    return st.one_of(request, hostile_json_bytes(big=False))


def stratum_line(line: bytes) -> None:
    framer = LineFramer()
    for whole in framer.feed(line + b"\n"):
        message = decode_line(whole)
        if isinstance(message, Request) and message.method in PARSERS:
            PARSERS[message.method](message.params)


def test_stratum_lines() -> None:
    assert fuzz("stratum", stratum_lines(), stratum_line, (ProtocolError,)).crashes == 0


def bm13xx(data: bytes) -> None:
    for length in (9, 11):
        ResponseParser(length).feed(data)
    decode_host_frame(data)


def test_bm13xx_frames() -> None:
    frames = st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=40).map(lambda b: b"\xaa\x55" + b),
        st.binary(max_size=40).map(lambda b: b"\x55\xaa" + b),
    )
    assert fuzz("bm13xx", frames, bm13xx, (AsicFrameError,)).crashes == 0


LIMITS = SettingsLimits(max_power_w=400.0)


def mqtt_set(payload: bytes) -> None:
    try:
        command = decode_set(payload)
        request: object = command.request
        error = None
        try:
            apply_update(HeatSettings(), command.settings, LIMITS)
        except (ValueError, ArithmeticError) as exc:  # what the bridge answers with
            error = str(exc)
    except CommandError as exc:
        request, error = exc.request, str(exc)
    answer = encode_result(ok=error is None, error=error, request=request)
    assert len(answer) <= 2 * MAX_ECHO_CHARS + 1024, len(answer)


def test_mqtt_set() -> None:
    payloads = st.one_of(hostile_json_bytes(), hostile_objects().map(str.encode))
    assert fuzz("mqtt_set", payloads, mqtt_set, ()).crashes == 0


def mqtt_demand(payload: bytes) -> None:
    try:
        parse_demand(payload)
    except ValueError as exc:
        assert len(str(exc)) < 1024


def test_mqtt_demand() -> None:
    payloads = st.one_of(hostile_json_bytes(), hostile_objects().map(str.encode))
    assert fuzz("mqtt_demand", payloads, mqtt_demand, ()).crashes == 0


CURRENT_POOLS = (PoolView("stratum+tcp://pool.example:3333", "bc1q.w", True),)


def http_body(raw: bytes) -> None:
    try:
        body = loads_strict(raw)
    except InputError:
        return
    try:
        parse_system_patch(body, CURRENT_POOLS)
    except PatchError as exc:
        assert len(str(exc)) < 1024
    if isinstance(body, dict):
        try:
            apply_update(HeatSettings(), body, LIMITS)
        except ValueError as exc:
            assert len(str(exc)) < 4096


def test_http_bodies() -> None:
    axeos_objects = st.lists(
        st.tuples(
            st.sampled_from(["stratumURL", "stratumPort", "stratumUser", "hostname",
                             "stratumTLS", "fallbackStratumURL", "stratumPassword"]),
            hostile_scalar_text(),
        ),
        max_size=5,
    ).map(lambda kv: ("{" + ",".join(f'"{k}": {v}' for k, v in kv) + "}").encode())  # fmt: skip
    bodies = st.one_of(hostile_json_bytes(), axeos_objects)
    assert fuzz("http_body", bodies, http_body, ()).crashes == 0


def supervisor_link(data: bytes) -> None:
    decoder = FrameDecoder()
    for frame in decoder.feed(data):
        for kind in (link_messages.Telemetry, link_messages.TripReport, link_messages.Ack):
            with contextlib.suppress(link_messages.PayloadError):
                kind.decode(frame.payload)


def test_supervisor_link_frames() -> None:
    streams = st.one_of(st.binary(max_size=400), st.binary(max_size=60).map(lambda b: b * 3))
    assert fuzz("supervisor_link", streams, supervisor_link, ()).crashes == 0


def image_and_manifest(data: bytes) -> None:
    with contextlib.suppress(ImageError):
        parse_manifest(data)
    try:
        payload, _footer = split_image(data)
        check_contents(payload)
    except ImageError:
        pass
    with contextlib.suppress(ImageError):
        check_contents(data)


def test_image_and_manifest() -> None:
    manifests = hostile_objects().map(
        lambda o: ('{"format": 1, "version": "1.0.0", "min_version": "0.0.0", "board": "b",'
                   ' "files": [' + o + "]}").encode()
    )  # fmt: skip
    data = st.one_of(st.binary(max_size=2000), hostile_json_bytes(big=False), manifests)
    assert fuzz("image_manifest", data, image_and_manifest, ()).crashes == 0


def update_protocol(data: bytes) -> None:
    for packet in Deframer().feed(data + b"\x00"):
        with contextlib.suppress(FrameError):
            packet.json()
    with contextlib.suppress(FrameError):
        decode(data)


def test_update_protocol_frames() -> None:
    data = st.one_of(st.binary(max_size=600), hostile_json_bytes(big=False))
    assert fuzz("update_protocol", data, update_protocol, ()).crashes == 0


def test_update_agent_requests(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate().public_key()
    agent = UpdateAgent(
        tmp_path,
        DeviceIdentity("sim-board", "1.0.0", "a"),
        trusted_keys={key_id(key): key},
        free_bytes=lambda: 10**10,
    )
    begin = json.dumps(
        {"size": 4096, "sha256": "0" * 64, "chunk_size": 4096, "compression": "zlib"}
    ).encode()

    def request(case: tuple[Kind, bytes]) -> None:
        kind, payload = case
        if kind is Kind.DATA:
            agent.handle(Packet(Kind.BEGIN, 1, begin))
            payload = payload[:8] + zlib.compress(payload[8:])
        frames = agent.handle(Packet(kind, 1, payload))
        assert len(frames) == 1 and decode(frames[0][:-1]).kind in set(Kind)

    cases = st.tuples(st.sampled_from(list(Kind)), hostile_json_bytes(big=False))
    assert fuzz("update_agent", cases, request, ()).crashes == 0
