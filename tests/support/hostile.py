"""Hypothesis strategies for what broke Hearth's parsers in the hostile-input audit
(issue 13): huge integers, numbers that overflow a float (1e400), deep nesting,
megabyte payloads and bytes that are not UTF-8, mixed into otherwise plausible JSON.

    from tests.support.hostile import hostile_json_bytes, hostile_objects
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

# Keys a heater's parsers look for, so hostile values reach the checks behind them.
KEYS = (
    "id", "target_c", "mode", "preset", "max_power_w", "duration_s", "proto", "size",
    "sha256", "chunk_size", "compression", "settings", "pools", "stratumURL", "stratumPort",
    "stratumUser", "hostname", "method", "params", "result", "error",
)  # fmt: skip


def huge_integer_text() -> st.SearchStrategy[str]:
    """Integers of 19 to 5000 digits, as JSON text (Python would build them)."""
    return st.builds(
        lambda sign, digits: sign + "9" * digits, st.sampled_from(["", "-"]), st.integers(19, 5000)
    )


def overflowing_number_text() -> st.SearchStrategy[str]:
    """Numbers JSON allows that are no finite float: 1e400 parses to inf."""
    return st.sampled_from(
        ["1e400", "-1e400", "1e309", "2e308", "1E+999", "-0.1e99999", "NaN", "Infinity"]
    )


def deep_nesting_text() -> st.SearchStrategy[str]:
    return st.builds(
        lambda opener, depth: opener * depth,
        st.sampled_from(["[", '{"a":', "[{\"x\":"]),
        st.integers(33, 6000),
    )


def megabyte_text() -> st.SearchStrategy[str]:
    return st.builds(lambda n: '"' + "A" * n + '"', st.integers(60_000, 1_100_000))


def non_utf8_bytes() -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda head, bad, tail: head + bad + tail,
        st.binary(max_size=20),
        st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]),
        st.binary(max_size=20),
    )


def hostile_scalar_text() -> st.SearchStrategy[str]:
    return st.one_of(
        huge_integer_text(),
        overflowing_number_text(),
        st.sampled_from(["true", "null", '""', "0", "-0", "1e-400", '"\\ud800"']),
        st.integers(-(10**6), 10**6).map(str),
        st.text(max_size=30).map(json.dumps),
    )


def hostile_objects() -> st.SearchStrategy[str]:
    """JSON objects of known keys whose values are hostile scalars (as text, so numbers
    JSON allows but Python's own encoder never writes, like 1e400, get through)."""
    member = st.tuples(st.sampled_from(KEYS), hostile_scalar_text()).map(
        lambda kv: f"{json.dumps(kv[0])}: {kv[1]}"
    )
    return st.lists(member, max_size=6).map(lambda members: "{" + ", ".join(members) + "}")


def hostile_json_bytes(*, big: bool = True) -> st.SearchStrategy[bytes]:
    """Anything a peer could send as a JSON payload; `big=False` leaves out megabytes."""
    texts = [hostile_objects(), deep_nesting_text(), hostile_scalar_text()]
    if big:
        texts.append(megabyte_text())
    return st.one_of(
        st.one_of(*texts).map(lambda t: t.encode("utf-8", "surrogatepass")),
        non_utf8_bytes(),
        st.binary(max_size=200),
    )
