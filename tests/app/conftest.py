"""Fixtures of the app's tests: real brokers (tests/support) and a private Xvfb display."""

from tests.app.ui.display import xvfb_display  # noqa: F401
from tests.support.embedded_broker import embedded_broker  # noqa: F401
from tests.support.mosquitto import mosquitto_broker  # noqa: F401
