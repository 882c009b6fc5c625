"""Broker endpoints the bridge tests run against: the real Mosquitto and the embedded
amqtt broker, each started per test on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from firmware.bridge import BridgeConfig
from tests.support.embedded_broker import running_embedded_broker
from tests.support.mosquitto import MosquittoBroker, running_mosquitto
from tests.support.mqtt_observer import MqttObserver


@dataclass(frozen=True)
class Endpoint:
    kind: str
    host: str
    port: int
    username: str
    password: str
    mosquitto: MosquittoBroker | None = None
    # The embedded broker's heater user: the bridge's login (the owner's, username and
    # password above, may not write state); None = the same as the owner's.
    heater_login: tuple[str, str] | None = None

    @property
    def bridge_login(self) -> tuple[str, str]:
        return self.heater_login or (self.username, self.password)

    def bridge_config(self, **overrides: object) -> BridgeConfig:
        options: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "username": self.bridge_login[0],
            "password": self.bridge_login[1],
            "protocol": "3.1.1",
        }
        options.update(overrides)
        return BridgeConfig(**options)  # type: ignore[arg-type]

    def observer(self) -> MqttObserver:
        return MqttObserver(self.host, self.port, username=self.username, password=self.password)


@pytest.fixture(params=["mosquitto", "embedded"])
def endpoint(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    if request.param == "mosquitto":
        with running_mosquitto() as broker:
            yield Endpoint(
                "mosquitto", broker.host, broker.port, broker.username, broker.password, broker
            )
    else:
        with running_embedded_broker() as info:
            assert info.username is not None and info.password is not None
            assert info.heater_username is not None and info.heater_password is not None
            yield Endpoint(
                "embedded",
                info.host,
                info.port,
                info.username,
                info.password,
                heater_login=(info.heater_username, info.heater_password),
            )
