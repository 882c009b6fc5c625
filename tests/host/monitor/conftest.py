"""Fixtures for the monitor tests: a real Mosquitto per test."""

from tests.support.mosquitto import mosquitto_broker  # noqa: F401
