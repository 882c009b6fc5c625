"""The heater's own history: minute samples for 48 h, hourly ones for 90 days."""

from firmware.history.recorder import MQTT_LEVELS, HistoryRecorder, encode, sample_of
from firmware.history.ring import FIELDS, HOURS, MINUTES, SPANS, History, Span

__all__ = [
    "FIELDS",
    "HOURS",
    "MINUTES",
    "MQTT_LEVELS",
    "SPANS",
    "History",
    "HistoryRecorder",
    "Span",
    "encode",
    "sample_of",
]
