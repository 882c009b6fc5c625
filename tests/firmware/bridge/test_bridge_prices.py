"""MQTT `prices` end to end through real brokers (Mosquitto and the embedded amqtt
broker, the owner's login): a table published by a second client reaches the real heat
controller through the real parser, moves the target (pre-heat on a cheap hour, coast on
a dear one), shows in the state's `prices` object and is answered on `result`; a bad
table is refused with its reason on `result` and changes nothing; JSON null clears."""

from __future__ import annotations

import datetime
import json

from firmware.bridge import DeviceTopics, decode_result
from firmware.heat import HeatSettings
from firmware.heat.tariff import BAND_MARGIN_C
from tests.firmware.bridge.conftest import Endpoint
from tests.firmware.bridge.harness import BridgeRunner
from tests.support.fake_heater import FakeHeater, monday_noon

TOPICS = DeviceTopics("hearth", "testheater")
TARGET_C, BAND_C = 20.0, 1.0
PREHEAT_C = TARGET_C + BAND_C - BAND_MARGIN_C  # just inside the band's top
COAST_C = TARGET_C - BAND_C / 2 + BAND_MARGIN_C  # just inside its bottom
NOON = 12  # the fake heater's local time: Monday 12:00


def table(prices: list[float], *, currency: str = "EUR", shift_h: int = 0) -> dict:
    """Hourly prices from Monday 00:00, local time, with the local UTC offset."""
    midnight = monday_noon().replace(hour=0).astimezone()
    return {
        "currency": currency,
        "unit": "kWh",
        "interval_s": 3600,
        "prices": [
            {"start": (midnight + datetime.timedelta(hours=h + shift_h)).isoformat(), "price": p}
            for h, p in enumerate(prices)
        ],
    }


def cheap_noon() -> dict:
    return table([0.30] * NOON + [0.05] + [0.30] * (23 - NOON))


def dear_noon() -> dict:
    return table([0.10] * NOON + [0.45] + [0.10] * (23 - NOON))


def publish_and_answer(obs, payload: bytes) -> dict:
    before = len(obs.seen(TOPICS.result))
    obs.publish(TOPICS.prices, payload)
    return decode_result(obs.wait_nth(TOPICS.result, before + 1).payload)


def latest_state(obs) -> dict:
    return obs.seen(TOPICS.state)[-1].json()


def test_a_table_moves_the_target_and_a_bad_one_changes_nothing(endpoint: Endpoint) -> None:
    heater = FakeHeater(HeatSettings(target_c=TARGET_C, comfort_band_c=BAND_C), room_c=20.0)
    with (
        BridgeRunner(endpoint.bridge_config(), heater=heater),
        endpoint.observer() as obs,
    ):
        obs.watch(TOPICS.state)
        obs.watch(TOPICS.result)
        assert obs.wait_for(TOPICS.state).json()["prices"] is None

        answer = publish_and_answer(obs, json.dumps(cheap_noon()).encode())
        assert answer == {"ok": True, "error": None, "request": "prices"}
        state = latest_state(obs)  # published before the answer
        assert state["target_c"] == PREHEAT_C
        assert state["prices"]["shift"] == "preheat"
        assert state["prices"]["currency"] == "EUR"
        assert state["prices"]["price"] == 0.05
        assert state["prices"]["rank"] is not None and state["prices"]["rank"] <= 0.1

        answer = publish_and_answer(obs, json.dumps(dear_noon()).encode())
        assert answer["ok"] is True
        state = latest_state(obs)
        assert state["target_c"] == COAST_C
        assert state["prices"]["shift"] == "coast"
        in_force = state

        overlapping = dear_noon()
        overlapping["prices"][5]["start"] = overlapping["prices"][4]["start"]
        gap = dear_noon()
        del gap["prices"][7]
        refusals = {
            b"{not json": "not usable JSON",
            b"[1, 2]": "expected a JSON object",
            json.dumps(overlapping).encode(): "intervals overlap",
            json.dumps(gap).encode(): "intervals missing",
            json.dumps(table([0.1] * 24, currency="XBT")).encode(): "currency = 'XBT'",
            json.dumps({**cheap_noon(), "unit": "therm"}).encode(): "unit = 'therm'",
            json.dumps({**cheap_noon(), "interval_s": 1800}).encode(): "interval_s = 1800",
        }
        for payload, reason in refusals.items():
            answer = publish_and_answer(obs, payload)
            assert answer["ok"] is False and answer["request"] == "prices"
            assert reason in answer["error"], (payload, answer)
        assert heater.price_tables[-1] is not None and len(heater.price_tables) == 2
        heater_state = json.loads(json.dumps(heater.state()))
        assert heater_state["target_c"] == in_force["target_c"]
        assert heater_state["prices"] == in_force["prices"]

        answer = publish_and_answer(obs, b"null")
        assert answer["ok"] is True
        state = latest_state(obs)
        assert state["prices"] is None and state["target_c"] == TARGET_C


def test_a_retained_table_is_taken_on_connect(endpoint: Endpoint) -> None:
    """A retained table (how an energy manager publishes the day's prices) reaches a
    heater that connects later, and stays retained."""
    heater = FakeHeater(HeatSettings(target_c=TARGET_C, comfort_band_c=BAND_C), room_c=20.0)
    with endpoint.observer() as obs:
        obs.publish(TOPICS.prices, json.dumps(cheap_noon()).encode(), retain=True)
        obs.watch(TOPICS.result)
        with BridgeRunner(endpoint.bridge_config(), heater=heater):
            assert decode_result(obs.wait_for(TOPICS.result).payload)["ok"] is True
            obs.watch(TOPICS.state)
            state = obs.wait_for(TOPICS.state, lambda m: m.json()["prices"] is not None).json()
            assert state["target_c"] == PREHEAT_C
        obs.watch(TOPICS.prices)
        assert obs.wait_for(TOPICS.prices).retain
        obs.publish(TOPICS.prices, b"", retain=True)
