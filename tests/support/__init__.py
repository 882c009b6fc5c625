"""Shared test helpers: real brokers started per test on free ports (see mosquitto.py)."""
