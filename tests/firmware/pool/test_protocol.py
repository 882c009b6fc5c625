"""The line parser, message validation and share encoding, including hostile input."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.pool.messages import (
    parse_difficulty,
    parse_notify,
    parse_reconnect,
)
from firmware.pool.protocol import (
    LineFramer,
    ProtocolError,
    Request,
    Response,
    decode_line,
    describe_error,
    encode_request,
    reject_reason,
)
from firmware.pool.session import StratumSession
from firmware.pool.work import JobTemplate, submit_params
from tests.firmware.pool.offline_session import offline_session
from tests.firmware.pool.test_real_traffic import SLUSH

SUBMIT = re.compile(
    r'\{"id": \d+, "method": "mining.submit", "params": \["[^"\\]+", "[ -~]{1,64}", '
    r'"(?:[0-9a-f]{2}){1,16}", "[0-9a-f]{8}", "[0-9a-f]{8}"(?:, "[0-9a-f]{8}")?\]\}\n\Z'
)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        ([21, "Job not found", None], "Job not found (21)"),
        ([23, "Low difficulty share"], "Low difficulty share (23)"),
        ("Stale share", "Stale share"),
        ({"code": 22, "message": "Duplicate share"}, "Duplicate share (22)"),
        ({"code": -1}, "error -1"),
        ([None, None], "[null,null]"),
        (42, "42"),
    ],
)
def test_every_error_form_becomes_readable_text(error: Any, text: str) -> None:
    assert describe_error(error) == text


def test_reject_reason_forms() -> None:
    rejected = decode_line(b'{"id": 5, "result": false, "reject-reason": "Above target"}')
    assert isinstance(rejected, Response) and reject_reason(rejected) == "Above target"
    silent_false = decode_line(b'{"id": 6, "result": false, "error": null}')
    assert isinstance(silent_false, Response)
    assert reject_reason(silent_false) == "rejected (no reason given)"
    accepted = decode_line(b'{"id": 7, "result": true, "error": null}')
    assert isinstance(accepted, Response) and reject_reason(accepted) is None


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1,2]",
        b'{"id": 1}',
        b'{"method": 5}',
        b'{"method": "mining.notify", "params": 7}',
        b'{"id": "abc", "result": true}',
        b'{"id": 1, "result": NaN}',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
def test_malformed_lines_raise_protocol_error(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_line(line)


@pytest.mark.parametrize(
    "params",
    [
        [],
        ["j", "00" * 31, "", "", [], "20000000", "1d00ffff", "5f000000", True],
        ["j", "00" * 32, "zz", "", [], "20000000", "1d00ffff", "5f000000", True],
        ["j", "00" * 32, "", "", ["00" * 31], "20000000", "1d00ffff", "5f000000", True],
        ["j", "00" * 32, "", "", [], "2000000", "1d00ffff", "5f000000", True],
        ["j", "00" * 32, "", "", [], "20000000", "1d00ffff", "5f000000", "yes"],
        ["", "00" * 32, "", "", [], "20000000", "1d00ffff", "5f000000", True],
        ['a"b', "00" * 32, "", "", [], "20000000", "1d00ffff", "5f000000", True],
        ["j", "00" * 32, "0 0", "", [], "20000000", "1d00ffff", "5f000000", True],
        ["j", "00" * 32, "", "", ["00" * 32] * 33, "20000000", "1d00ffff", "5f000000", True],
    ],
)
def test_malformed_notify_is_refused(params: list[Any]) -> None:
    with pytest.raises(ProtocolError):
        parse_notify(params)


@pytest.mark.parametrize("params", [[], [0], [-1], ["1"], [float("inf")], [True], [1e-300]])
def test_bad_difficulty_is_refused(params: list[Any]) -> None:
    with pytest.raises(ProtocolError):
        parse_difficulty(params)


def test_fractional_difficulty_and_reconnect_forms() -> None:
    assert parse_difficulty([0.0001]) == 0.0001
    assert parse_reconnect([]) == (None, None, 0.0)
    assert parse_reconnect(["pool.example", "3334", 5]) == ("pool.example", 3334, 5.0)
    assert parse_reconnect(["", 99999, -3]) == (None, None, 0.0)


def test_framer_drops_oversized_lines_and_keeps_the_rest() -> None:
    framer = LineFramer(limit=16)
    assert framer.feed(b"short\n" + b"x" * 40) == [b"short"]
    assert framer.feed(b"y" * 10 + b"\nnext\r\n") == [b"next"]
    assert framer.dropped_lines == 1
    assert framer.feed(b"a" * 17 + b"\nb\n") == [b"b"]
    assert framer.dropped_lines == 2


@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=8),
    st.integers(1, 7),
)
def test_framer_reassembles_lines_split_anywhere(lines: list[bytes], chunk: int) -> None:
    stream = b"".join(line + b"\n" for line in lines)
    framer = LineFramer()
    out: list[bytes] = []
    for i in range(0, len(stream), chunk):
        out += framer.feed(stream[i : i + chunk])
    assert out == [line.rstrip(b"\r") for line in lines]


@given(st.binary(max_size=300))
def test_decode_line_never_raises_anything_but_protocol_error(line: bytes) -> None:
    try:
        message = decode_line(line)
    except ProtocolError:
        return
    assert isinstance(message, Request | Response)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _mutated_slush_params() -> st.SearchStrategy[list[Any]]:
    base = json.loads(SLUSH)["params"]
    return st.lists(json_values, min_size=9, max_size=9).flatmap(
        lambda noise: st.lists(st.booleans(), min_size=9, max_size=9).map(
            lambda keep: [b if k else n for b, n, k in zip(base, noise, keep, strict=True)]
        )
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    _mutated_slush_params(),
    st.integers(0, 2**64 - 1),
    st.integers(-(2**33), 2**33),
    st.integers(0, 2**32 - 1),
)
def test_any_notify_gives_a_valid_submit_or_is_refused(
    params: list[Any], extranonce2: int, nonce: int, version_bits: int
) -> None:
    try:
        notify = parse_notify(params)
    except ProtocolError:
        return
    job = JobTemplate(notify, bytes.fromhex("1165060344b679"), 8, 0x1FFFE000, 1, "u").job(
        extranonce2, 1.0, clean=True
    )
    try:
        params_out = submit_params("worker.1", job.tag, nonce, version_bits, job.version_mask)
    except ValueError:
        assert not 0 <= nonce < 2**32 or version_bits & ~0x1FFFE000
        return
    line = encode_request(9, "mining.submit", params_out)
    assert SUBMIT.match(line.decode()), line


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(
        st.binary(max_size=200)
        | json_values.map(
            lambda v: json.dumps({"id": None, "method": "mining.notify", "params": v}).encode()
        ),
        max_size=6,
    )
)
def test_a_session_survives_any_bytes_from_the_pool(chunks: list[bytes]) -> None:
    async def feed_all() -> StratumSession:
        async def on_work(session: StratumSession, clean: bool) -> None:
            job = session.next_job(clean=clean)
            assert job is not None
            line = encode_request(
                1, "mining.submit", submit_params("w", job.tag, 0, 0, job.version_mask)
            )
            assert SUBMIT.match(line.decode())

        session = offline_session(on_work)
        for chunk in [*chunks, SLUSH]:
            await session.feed(chunk + b"\n")
        return session

    session = asyncio.run(feed_all())
    assert session.template is not None  # the real notify at the end still works
    assert session.template.notify.job_id == "1f9a56282c"


HUGE = 10**400  # valid JSON; too large for a float


@pytest.mark.parametrize(
    "params", [[HUGE], [-HUGE], [0.0], [-0.5], [None], [[1]], [{"d": 1}], ["nan"]]
)
def test_difficulty_zero_negative_or_unrepresentable_is_refused(params: list[Any]) -> None:
    with pytest.raises(ProtocolError):
        parse_difficulty(params)


def test_reconnect_with_odd_numbers_is_read_without_failing() -> None:
    assert parse_reconnect(["h", 3334, HUGE]) == ("h", 3334, 0.0)
    assert parse_reconnect(["h", "²", 1]) == ("h", None, 1.0)  # "²".isdigit() is True
    assert parse_reconnect(["h", "9" * 5000, 1]) == ("h", None, 1.0)
    assert parse_reconnect(["h", HUGE, 1]) == ("h", None, 1.0)


def mining_state(session: StratumSession) -> tuple[object, ...]:
    """Everything a pool line can change that the session mines with."""
    return (
        session.difficulty,
        session.version_mask,
        session.template,
        session.subscription,
        session._pending_extranonce,
    )


POOL_METHODS = (
    "mining.notify",
    "mining.set_difficulty",
    "mining.set_version_mask",
    "mining.set_extranonce",
    "client.reconnect",
    "client.get_version",
    "mining.ping",
    "client.show_message",
    "mining.frobnicate",
)
hostile_values = st.one_of(
    json_values,
    st.sampled_from([HUGE, -HUGE, 2**64, 1e308, -1e-320, "²", "9" * 5000, "", "zz"]),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.sampled_from(POOL_METHODS),
    st.lists(hostile_values, max_size=10) | hostile_values,
    st.none() | st.integers(-5, 5) | st.just("x"),
)
def test_any_pool_call_is_handled_or_refused_without_killing_the_session(
    method: str, params: Any, msg_id: Any
) -> None:
    """Every method a pool can send, with any params: the session never fails (a bug
    there ends the connection: the heater would fail over on a pool's typo), and a line
    it refuses changes nothing it mines with."""

    async def feed() -> None:
        session = offline_session()
        ours, theirs = socket.socketpair()  # a real socket for the answers we write
        _, session._writer = await asyncio.open_connection(sock=ours)
        await session.feed(SLUSH + b"\n")
        before = mining_state(session)
        line = json.dumps({"id": msg_id, "method": method, "params": params}).encode()
        await session.feed(line + b"\n")
        if session.bad_lines:
            assert mining_state(session) == before
        ended = session._end_reason
        assert ended is None or ended.reconnect is not None  # only client.reconnect ends it
        session._writer.close()
        theirs.close()

    asyncio.run(feed())
