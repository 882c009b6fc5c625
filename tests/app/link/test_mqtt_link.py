"""The MQTT link against real brokers: Debian's mosquitto and the heater's embedded amqtt."""

import contextlib
import json
import queue
import time
from collections.abc import Callable, Iterator

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from app.link.mqtt_link import MqttLink
from app.model.session import CONNECTED, DISCONNECTED, AppModel
from app.model.settings import AppSettings
from tests.app.contract_heater import ContractHeater
from tests.support.mosquitto import MosquittoBroker


class UiThread:
    """Stands in for Kivy's Clock: events queue up and run on the test's thread."""

    def __init__(self) -> None:
        self.events: queue.Queue[Callable[[], None]] = queue.Queue()

    def handoff(self, action: Callable[[], None]) -> None:
        self.events.put(action)

    def run_until(self, condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not reached")
            with contextlib.suppress(queue.Empty):
                self.events.get(timeout=min(remaining, 0.1))()


@pytest.fixture
def ui() -> UiThread:
    return UiThread()


def make_link(
    model: AppModel, ui: UiThread, host: str, port: int, user: str, password: str
) -> MqttLink:
    return MqttLink(model, ui.handoff, host=host, port=port, username=user, password=password)


@pytest.fixture
def heater(mosquitto_broker: MosquittoBroker) -> Iterator[ContractHeater]:
    heater = ContractHeater(
        mosquitto_broker.host,
        mosquitto_broker.port,
        username=mosquitto_broker.username,
        password=mosquitto_broker.password,
    ).start()
    yield heater
    heater.stop()


def test_discovers_a_heater_and_sends_a_set(
    mosquitto_broker: MosquittoBroker,
    heater: ContractHeater,
    ui: UiThread,
) -> None:
    model = AppModel(AppSettings())
    link = make_link(
        model,
        ui,
        mosquitto_broker.host,
        mosquitto_broker.port,
        mosquitto_broker.username,
        mosquitto_broker.password,
    )
    link.start()
    try:
        ui.run_until(lambda: model.selected is not None and model.selected.online(model.clock()))
        assert model.connection == CONNECTED and model.selected_id == "livingroom"
        request = model.set_target(23.4)
        assert heater.wait_for_set() == [{"target_c": 23.4}]
        selected = model.selected
        assert selected is not None
        ui.run_until(lambda: not selected.pending.is_pending("target_c"))
        assert selected.state is not None and selected.state.target_c == 23.4
        assert request is not None
    finally:
        link.stop()


def test_a_second_heater_and_one_going_offline(
    mosquitto_broker: MosquittoBroker,
    heater: ContractHeater,
    ui: UiThread,
) -> None:
    model = AppModel(AppSettings())
    link = make_link(
        model,
        ui,
        mosquitto_broker.host,
        mosquitto_broker.port,
        mosquitto_broker.username,
        mosquitto_broker.password,
    )
    link.start()
    other = ContractHeater(
        mosquitto_broker.host,
        mosquitto_broker.port,
        device_id="study",
        username=mosquitto_broker.username,
        password=mosquitto_broker.password,
    ).start()
    try:
        ui.run_until(lambda: set(model.heaters) == {"livingroom", "study"})
        other.stop(clean=False)  # dropped connection: the broker publishes its last will
        ui.run_until(lambda: model.heaters["study"].availability == "offline", timeout_s=40)
        assert not model.heaters["study"].online(model.clock())
        assert model.heaters["livingroom"].online(model.clock())
    finally:
        link.stop()


def test_malformed_state_over_the_wire_keeps_the_last_good_one(
    mosquitto_broker: MosquittoBroker,
    heater: ContractHeater,
    ui: UiThread,
) -> None:
    model = AppModel(AppSettings())
    link = make_link(
        model,
        ui,
        mosquitto_broker.host,
        mosquitto_broker.port,
        mosquitto_broker.username,
        mosquitto_broker.password,
    )
    link.start()
    try:
        ui.run_until(lambda: model.selected is not None and model.selected.state is not None)
        heater.publish_raw_state(b"\x00garbage")
        selected = model.selected
        assert selected is not None
        ui.run_until(lambda: selected.bad_payload is not None)
        assert selected.state is not None and selected.state.room_c == 19.8
    finally:
        link.stop()


def test_reconnects_by_itself_after_the_broker_restarts(
    mosquitto_broker: MosquittoBroker,
    ui: UiThread,
) -> None:
    model = AppModel(AppSettings())
    link = make_link(
        model,
        ui,
        mosquitto_broker.host,
        mosquitto_broker.port,
        mosquitto_broker.username,
        mosquitto_broker.password,
    )
    link.start()
    try:
        ui.run_until(lambda: model.connection == CONNECTED)
        mosquitto_broker.stop()
        ui.run_until(lambda: model.connection == DISCONNECTED)
        mosquitto_broker.start()
        heater = ContractHeater(
            mosquitto_broker.host,
            mosquitto_broker.port,
            username=mosquitto_broker.username,
            password=mosquitto_broker.password,
        ).start()
        try:
            # Subscriptions are renewed on reconnect, so the heater is found again.
            ui.run_until(lambda: model.connection == CONNECTED and bool(model.heaters), 40)
        finally:
            heater.stop()
    finally:
        link.stop()


def test_wrong_password_is_reported(mosquitto_broker: MosquittoBroker, ui: UiThread) -> None:
    model = AppModel(AppSettings())
    link = make_link(
        model, ui, mosquitto_broker.host, mosquitto_broker.port, mosquitto_broker.username, "wrong"
    )
    link.start()
    try:
        ui.run_until(
            lambda: (
                "password" in model.connection_detail
                or "refused" in model.connection_detail
                or "authori" in model.connection_detail
            )
        )
        assert model.connection == DISCONNECTED
    finally:
        link.stop()


def test_works_with_the_embedded_amqtt_broker(embedded_broker, ui: UiThread) -> None:
    info = embedded_broker
    # The heater logs in as the broker's heater user; the app with the owner's credentials.
    heater = ContractHeater(
        info.host, info.port, username=info.heater_username, password=info.heater_password
    ).start()
    model = AppModel(AppSettings())
    link = make_link(model, ui, info.host, info.port, info.username, info.password)
    link.start()
    try:
        ui.run_until(lambda: model.selected is not None and model.selected.state is not None)
        model.set_mode("auto")
        assert heater.wait_for_set() == [{"mode": "auto"}]
        result = json.dumps(heater.state)
        assert '"mode": "auto"' in result
    finally:
        link.stop()
        heater.stop()


def test_a_replaced_link_cannot_mark_the_new_one_lost(
    mosquitto_broker: MosquittoBroker, ui: UiThread
) -> None:
    model = AppModel(AppSettings())
    args = (
        mosquitto_broker.host,
        mosquitto_broker.port,
        mosquitto_broker.username,
        mosquitto_broker.password,
    )
    old = make_link(model, ui, *args)
    old.start()
    ui.run_until(lambda: model.connection == CONNECTED)
    old.stop()
    new = make_link(model, ui, *args)
    new.start()
    try:
        ui.run_until(lambda: model.connection == CONNECTED and model.publisher == new.publish)
        # A late callback of the replaced link's paho thread, after the new one connected.
        old.on_disconnect(old.client, None, None, ReasonCode(PacketTypes.DISCONNECT), None)
        with contextlib.suppress(TimeoutError):
            ui.run_until(lambda: model.connection != CONNECTED, timeout_s=1.0)
        assert model.connection == CONNECTED and model.publisher == new.publish
    finally:
        new.stop()
