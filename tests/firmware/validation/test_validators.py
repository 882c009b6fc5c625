"""The validation vocabulary: every validator returns a checked value or raises `Invalid`
naming the key path, the value (secrets masked) and what is allowed; no input, however
large, deep or malformed, gets anything else out of it (no OverflowError, RecursionError,
UnicodeError, or a message that cannot be printed)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.validation import (
    MASK,
    TARGET_MAX_C,
    TARGET_MIN_C,
    Invalid,
    Secret,
    Validator,
    all_of,
    boolean,
    device_id,
    integer,
    list_of,
    mode,
    nullable,
    number,
    one_of,
    pool_url,
    preset,
    secret,
    string,
    table,
    target_c,
    topic_prefix,
)


def nested(depth: int) -> object:
    value: object = []
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


# JSON/TOML-shaped garbage, plus the awkward extremes of each type.
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**4000),
    st.just(-(10**5000)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e400, -1e400, float("nan"), 1e308, 5e-324]),
    st.text(),
    st.text(min_size=5000, max_size=20000),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "é" * 100]),
    st.builds(nested, st.integers(1, 3000)),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=20,
    ),
)

SCALARS: list[Validator[Any]] = [
    boolean(),
    integer(0, 65535),
    integer(),
    number(0.0, 10000.0),
    number(),
    number(finite=False),
    number(5.0, 30.0, step=0.1),
    string(),
    string(min_len=1, max_len=32, blank=False),
    one_of("off", "heat", "auto"),
    one_of(115200, 1000000),
    pool_url(),
    device_id(),
    topic_prefix(),
    secret(),
    nullable(integer(1, 10)),
    mode(),
    preset(),
    target_c(),
    list_of(integer(0, 9), max_len=4),
    table({"a": integer(0, 9)}, {"b": string()}),
    all_of(integer(0, 100), one_of(1, 2, 3)),
]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(SCALARS), HOSTILE)
def test_any_input_is_checked_or_refused_with_a_printable_message(check, value) -> None:
    try:
        check(value)
    except Invalid as exc:
        message = str(exc)
        assert "allowed:" in message and len(message) < 2000
        message.encode("utf-8", "backslashreplace")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans()))
def test_numbers_accept_exactly_finite_values_in_range(value) -> None:
    check = number(-5.0, 1e6)
    valid = (
        not isinstance(value, bool)
        and not (isinstance(value, float) and not math.isfinite(value))
        and -5.0 <= value <= 1e6
    )
    if valid:
        assert check(value) == float(value)
    else:
        with pytest.raises(Invalid) as err:
            check(value)
        assert err.value.allowed == "a number -5.0..1000000.0"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=10**301, max_value=10**5000))
def test_huge_integers_are_refused_and_summarised(value) -> None:
    for check in (number(0, 10), number(-1e300, 1e300), integer(0, 65535)):
        for sign in (1, -1):
            with pytest.raises(Invalid) as err:
                check(sign * value)
            assert len(str(err.value)) < 200
    if value > 2**1024:  # beyond any float
        with pytest.raises(Invalid, match="an integer of"):
            number()(value)
    else:
        assert number()(value) == float(value)


def test_unbounded_number_refuses_what_a_float_cannot_hold() -> None:
    with pytest.raises(Invalid, match="an integer of"):
        number()(10**400)
    with pytest.raises(Invalid):
        number()(1e400)  # what TOML and JSON make of 1e400: inf
    assert number(finite=False)(1e400) == math.inf
    with pytest.raises(Invalid):
        number(finite=False)(float("nan"))


@settings(max_examples=200, deadline=None)
@given(st.floats(TARGET_MIN_C - 1, TARGET_MAX_C + 1))
def test_target_is_the_range_on_the_tenth_grid(value) -> None:
    on_grid = abs(round(value, 1) - value) <= 1e-6
    if TARGET_MIN_C <= value <= TARGET_MAX_C and on_grid:
        assert target_c()(value) == round(value, 1)
    else:
        with pytest.raises(Invalid, match=r"5\.0\.\.30\.0"):
            target_c()(value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_strings_refuse_lone_surrogates_and_honour_lengths(text) -> None:
    check = string(max_len=100)
    try:
        text.encode("utf-8")
        encodable = True
    except UnicodeEncodeError:
        encodable = False
    if encodable and len(text) <= 100:
        assert check(text) == text
    else:
        with pytest.raises(Invalid):
            check(text)
    with pytest.raises(Invalid, match="UTF-8"):
        check("ok\ud800")


def test_errors_name_the_path_the_value_and_what_is_allowed() -> None:
    schema = table({"pools": list_of(table({"url": pool_url()}))})
    with pytest.raises(Invalid) as err:
        schema({"pools": [{"url": "htp://x"}]})
    assert err.value.key == "pools[0].url" and err.value.path == ("pools", 0, "url")
    assert str(err.value).startswith("pools[0].url = 'htp://x': allowed: stratum+tcp://")
    assert "stratum+ssl://host:port" in err.value.allowed
    assert str(err.value.within("h.toml")).startswith("h.toml: pools[0].url")


def test_unknown_and_missing_keys() -> None:
    schema = table({"url": string()}, {"user": string(), "port": integer()})
    with pytest.raises(Invalid) as err:
        schema({"url": "u", "usr": "me"})
    assert err.value.key == "usr"
    assert err.value.allowed == "no such key (unknown); known keys: url, user, port"
    with pytest.raises(Invalid, match=r"url = None: allowed: a value \(missing\)"):
        schema({"user": "me"})
    with pytest.raises(Invalid, match="known keys"):
        schema({1: "x", "url": "u"})
    assert schema({"url": "u"}) == {"url": "u"}
    assert table({"a": integer()}, {"b": integer()}, defaults={"b": 3})({"a": 1}) == {
        "a": 1,
        "b": 3,
    }


def test_secrets_and_url_passwords_are_never_printed() -> None:
    with pytest.raises(Invalid) as err:
        secret(string(min_len=16))("hunter2")
    assert "hunter2" not in str(err.value) and MASK in str(err.value)
    with pytest.raises(Invalid) as err:
        table({"password": integer()})({"password": "p4ss"})  # a secret by its name
    assert "p4ss" not in str(err.value)
    with pytest.raises(Invalid) as err:
        pool_url()("stratum+tcp://me:p4ss@pool:3333")
    assert "p4ss" not in str(err.value) and "me:***@pool" in str(err.value)
    assert repr(secret()("p4ss")) == "Secret('***')" and secret()("") == Secret("")


def test_one_of_is_strict_about_types() -> None:
    with pytest.raises(Invalid, match=r"115200 \| 1000000"):
        one_of(115200, 1000000)(True)
    with pytest.raises(Invalid):
        one_of(1, 2)(1.0)
    with pytest.raises(Invalid, match=r"off \| heat \| auto"):
        mode()(["heat"])


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("stratum+tcp://pool.example.com:3333", True),
        ("stratum+ssl://10.0.0.2:443", True),
        ("stratum+tcp://[::1]:3333", True),
        ("stratum+tcp://pool:3333/", True),
        ("stratum+tcp://pool:65535", True),
        ("stratum+tcp://pool:65536", False),
        ("stratum+tcp://pool:0", False),
        ("stratum+tcp://pool:03333333", False),
        ("stratum+tcp://pool:３３３３", False),
        ("stratum+tcp://pool", False),
        ("stratum+tcp://po_ol:3333", False),
        ("stratum+tcp://pool:3333/x", False),
        ("stratum+tcp://pool:3333?x", False),
        (" stratum+tcp://pool:3333", False),
        ("STRATUM+TCP://pool:3333", False),
        ("http://pool:3333", False),
    ],
)
def test_the_pool_url_rule(url: str, ok: bool) -> None:
    if ok:
        assert pool_url()(url) == url
    else:
        with pytest.raises(Invalid, match="stratum"):
            pool_url()(url)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=70))
def test_device_id_is_lower_case_topic_safe(text) -> None:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789_-")
    valid = 0 < len(text) <= 64 and set(text) <= allowed and text[0] not in "_-"
    if valid:
        assert device_id()(text) == text
    else:
        with pytest.raises(Invalid, match="1-64 characters"):
            device_id()(text)


def test_long_values_are_shortened_and_a_long_password_still_masked() -> None:
    url = "stratum+tcp://me:" + "p" * 200 + "@pool:3333"
    with pytest.raises(Invalid) as err:
        pool_url()(url)
    assert "ppp" not in str(err.value) and "me:***@" in str(err.value)
    with pytest.raises(Invalid) as err:
        string(max_len=10)("x" * 1_000_000)
    assert "(1000000 characters)" in str(err.value) and len(str(err.value)) < 300
