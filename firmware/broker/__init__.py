"""The embedded MQTT broker the heater serves when no broker is configured.

amqtt in-process (MQTT 3.1.1 only), authentication on by default with credentials
generated once and kept in the state directory, so the app and Home Assistant can
connect to the heater directly.
"""

from firmware.broker.credentials import (
    CREDENTIALS_FILE,
    PASSWORD_FILE,
    BrokerCredentials,
    load_or_create_credentials,
    write_password_file,
)
from firmware.broker.embedded import BrokerInfo, EmbeddedBroker

__all__ = [
    "CREDENTIALS_FILE",
    "PASSWORD_FILE",
    "BrokerCredentials",
    "BrokerInfo",
    "EmbeddedBroker",
    "load_or_create_credentials",
    "write_password_file",
]
