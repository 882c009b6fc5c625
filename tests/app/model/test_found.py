"""Heaters found over mDNS and the pairing answer: both come from the network, so each
is checked key by key and refused with a reason, never half-used; the model lists them,
walks the owner through the code and connects with the login pairing gave."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.found import (
    FoundError,
    Pairing,
    check_code,
    found_from_service,
    pairing_from_answer,
)
from app.model.session import AppModel
from app.model.settings import AppSettings

SERVICE = "Living room._hearth._tcp.local."
TXT = {
    b"id": b"den",
    b"name": b"Living room",
    b"v": b"0.1.0",
    b"mqtt": b"192.168.1.20:1883",
    b"tls": b"0",
    b"prefix": b"hearth",
    b"pair": b"1",
}
ANSWER = {
    "id": "den",
    "name": "Living room",
    "mqtt": {
        "host": "192.168.1.20",
        "port": 1883,
        "tls": False,
        "username": "app-0123abcd",
        "password": "s3cret",
        "prefix": "hearth",
    },
}


def txt(**changes: bytes | None) -> dict[bytes, bytes | None]:
    data = dict(TXT)
    for key, value in changes.items():
        if value is None:
            data.pop(key.encode(), None)
        else:
            data[key.encode()] = value
    return data


def answer(**mqtt: object) -> dict[str, object]:
    return {**ANSWER, "mqtt": {**ANSWER["mqtt"], **mqtt}}  # type: ignore[dict-item]


def test_an_advertisement_as_docs_discovery_md_gives_it() -> None:
    heater = found_from_service(SERVICE, ["192.168.1.20"], 8080, txt())
    assert (heater.device_id, heater.name, heater.version) == ("den", "Living room", "0.1.0")
    assert (heater.mqtt_host, heater.mqtt_port, heater.tls) == ("192.168.1.20", 1883, False)
    assert heater.pairing_open and heater.prefix == "hearth"
    assert heater.pair_url == "http://192.168.1.20:8080/api/pair"


def test_defaults_and_the_wildcard_broker_address() -> None:
    heater = found_from_service(
        SERVICE,
        ["10.0.0.7"],
        80,
        txt(name=None, v=None, prefix=None, pair=b"0", tls=b"1", mqtt=b"0.0.0.0:8883"),
    )
    assert heater.name == "Living room"  # the instance name, without the service type
    assert heater.mqtt_host == "10.0.0.7"  # bound to every address: where the API is
    assert (heater.mqtt_port, heater.tls, heater.prefix) == (8883, True, "hearth")
    assert not heater.pairing_open and heater.version == ""


def test_an_ipv6_address_is_bracketed_in_the_url() -> None:
    heater = found_from_service(SERVICE, ["fe80::1"], 8080, txt())
    assert heater.pair_url == "http://[fe80::1]:8080/api/pair"


@pytest.mark.parametrize(
    ("addresses", "port", "record", "reason"),
    [
        (["10.0.0.7"], 80, txt(id=None), "TXT id is missing"),
        (["10.0.0.7"], 80, txt(id=b"  "), "TXT id is missing"),
        ([], 80, txt(), "no address or port"),
        (["10.0.0.7"], None, txt(), "no address or port"),
        (["10.0.0.7"], 0, txt(), "no address or port"),
        (["10.0.0.7"], 80, txt(mqtt=None), "TXT mqtt"),
        (["10.0.0.7"], 80, txt(mqtt=b"host:99999"), "TXT mqtt"),
        (["10.0.0.7"], 80, txt(mqtt=b"host:x"), "TXT mqtt"),
        (["10.0.0.7"], 80, txt(prefix=b"hearth/#"), "TXT prefix"),
    ],
)
def test_an_advertisement_the_app_cannot_use_is_refused_with_why(
    addresses: list[str], port: int | None, record: dict[bytes, bytes | None], reason: str
) -> None:
    with pytest.raises(FoundError, match=reason):
        found_from_service(SERVICE, addresses, port, record)


@given(st.dictionaries(st.binary(max_size=12), st.none() | st.binary(max_size=40)))
def test_any_txt_record_is_used_or_refused_never_raises_otherwise(
    record: dict[bytes, bytes | None],
) -> None:
    try:
        heater = found_from_service(SERVICE, ["10.0.0.7"], 80, record)
    except FoundError:
        return
    assert heater.device_id and 1 <= heater.mqtt_port <= 65535


def test_codes_are_six_digits_spaces_forgiven() -> None:
    assert check_code(" 123 456 ") == "123456"
    for bad in ("12345", "1234567", "12a456", ""):
        with pytest.raises(FoundError, match="6 digits"):
            check_code(bad)


def test_the_pairing_answer_gives_the_apps_own_login() -> None:
    assert pairing_from_answer(ANSWER) == Pairing(
        "den", "Living room", "192.168.1.20", 1883, False, "app-0123abcd", "s3cret", "hearth"
    )


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([], "not an object"),
        ({"mqtt": "x"}, "not an object"),
        (answer(host=""), "mqtt.host"),
        (answer(username=None), "mqtt.username"),
        (answer(password=7), "mqtt.password"),
        (answer(port=True), "mqtt.port"),
        (answer(port=0), "mqtt.port"),
        (answer(port="1883"), "mqtt.port"),
        (answer(prefix="a/+"), "mqtt.prefix"),
        (answer(prefix=""), "mqtt.prefix"),
    ],
)
def test_a_pairing_answer_the_app_cannot_use_is_refused_by_key(
    document: object, reason: str
) -> None:
    with pytest.raises(FoundError, match=reason):
        pairing_from_answer(document)


def test_tls_only_when_it_says_true() -> None:
    assert pairing_from_answer(answer(tls=True)).tls
    assert not pairing_from_answer(answer(tls="yes")).tls


# -- the model: found list, the code, the login ---------------------------------------------
def model_with_found() -> tuple[AppModel, list[AppSettings]]:
    saved: list[AppSettings] = []
    model = AppModel(AppSettings(), clock=lambda: 1_750_000_000.0)
    model.on_settings = saved.append
    model.on_found(SERVICE, found_from_service(SERVICE, ["192.168.1.20"], 8080, txt()))
    model.on_found(
        "attic._hearth._tcp.local.",
        found_from_service(
            "attic._hearth._tcp.local.", ["192.168.1.21"], 8080, txt(name=b"Attic", pair=b"0")
        ),
    )
    return model, saved


def test_found_heaters_are_listed_by_name_and_go_when_they_leave() -> None:
    model, _ = model_with_found()
    assert [heater.name for _, heater in model.found_list()] == ["Attic", "Living room"]
    model.on_gone("attic._hearth._tcp.local.")
    assert [heater.name for _, heater in model.found_list()] == ["Living room"]
    model.on_found_refused("x: TXT id is missing")
    assert model.found_refused == ["x: TXT id is missing"]


def test_pairing_walks_the_owner_through_the_code_then_connects_with_its_login() -> None:
    model, saved = model_with_found()
    model.start_pairing("attic._hearth._tcp.local.")
    assert (
        model.pairing_message
        == "Open pairing on Attic's page, then type the 6-digit code it shows."
    )
    model.start_pairing(SERVICE)
    assert model.pairing_message == "Type the 6-digit code shown on Living room's page."
    heater = model.begin_pairing(SERVICE)
    assert heater is not None and model.pairing_message == "Pairing with Living room…"
    assert model.begin_pairing(SERVICE) is None  # one tap, one try: a second waits
    settings = model.paired(pairing_from_answer(ANSWER), "")
    assert settings is not None and saved == [settings] and model.settings == settings
    assert (settings.broker_host, settings.broker_port) == ("192.168.1.20", 1883)
    assert (settings.username, settings.password) == ("app-0123abcd", "s3cret")
    assert model.pairing_message == "Paired with Living room." and model.pairing_with is None


def test_a_refused_code_says_why_and_the_owner_may_try_again() -> None:
    model, saved = model_with_found()
    model.start_pairing(SERVICE)
    model.begin_pairing(SERVICE)
    assert model.paired(None, "Pairing with Living room refused: the code is wrong") is None
    assert model.pairing_message.endswith("the code is wrong") and saved == []
    assert model.pairing_with == SERVICE and model.begin_pairing(SERVICE) is not None


def test_a_heater_that_leaves_while_its_code_is_typed_is_dropped() -> None:
    model, _ = model_with_found()
    model.start_pairing(SERVICE)
    model.on_gone(SERVICE)
    assert model.pairing_with is None and "no longer on the network" in model.pairing_message
    assert model.begin_pairing(SERVICE) is None
