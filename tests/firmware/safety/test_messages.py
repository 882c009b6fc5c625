"""Supervisor link payloads, controller side: encode/decode round trips and rejection of
payloads that do not fit."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.safety.messages import (
    SENSORS,
    Ack,
    AckStatus,
    FanMode,
    PayloadError,
    SensorStatus,
    Telemetry,
    TripCause,
    TripReport,
    encode_set_fan,
    encode_set_power,
)

u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
centi = st.integers(-32767, 32767).map(lambda c: c / 100)


@st.composite
def telemetries(draw: st.DrawFn) -> Telemetry:
    statuses = {name: draw(st.sampled_from(SensorStatus)) for name in SENSORS}
    temps = {name: (draw(centi) if statuses[name] == SensorStatus.OK else None) for name in SENSORS}
    return Telemetry(
        uptime_ms=draw(st.integers(0, 2**32 - 1)),
        temperatures_c=temps,
        sensor_status=statuses,
        fan_rpm=draw(u16),
        fan_duty_pct=draw(st.integers(0, 100)),
        fan_mode=draw(st.sampled_from(FanMode)),
        fan_manual_pct=draw(st.integers(0, 100)),
        power_requested=draw(st.booleans()),
        power_on=draw(st.booleans()),
        heartbeat_ok=draw(st.booleans()),
        tipped=draw(st.booleans()),
        trip_cause=draw(st.sampled_from(TripCause)),
        trip_detail=draw(u8),
        faults=frozenset(draw(st.sets(st.sampled_from(list(TripCause)[1:])))),
        link_errors=draw(u16),
    )


@given(telemetries())
def test_telemetry_round_trip(telemetry: Telemetry) -> None:
    assert Telemetry.decode(telemetry.encode()) == telemetry


@given(st.sampled_from(TripCause), u8, st.integers(-32768, 32767), st.integers(0, 2**32 - 1))
def test_trip_round_trip(cause: TripCause, detail: int, value: int, uptime: int) -> None:
    report = TripReport(cause, detail, value, uptime)
    assert TripReport.decode(report.encode()) == report


@given(u8, u8, st.sampled_from(AckStatus), u8)
def test_ack_round_trip(acked_type: int, seq: int, status: AckStatus, detail: int) -> None:
    ack = Ack(acked_type, seq, status, detail)
    assert Ack.decode(ack.encode()) == ack


@given(st.binary())
def test_decoders_accept_or_raise_payload_error(payload: bytes) -> None:
    for decode in (Telemetry.decode, TripReport.decode, Ack.decode):
        with contextlib.suppress(PayloadError):
            decode(payload)


def test_unknown_codes_are_payload_errors() -> None:
    with pytest.raises(PayloadError, match="TripCause 99"):
        TripReport.decode(bytes([99, 0, 0, 0, 0, 0, 0, 0]))
    with pytest.raises(PayloadError, match="expected 4"):
        Ack.decode(b"\x00")


def test_trip_names_its_sensor() -> None:
    assert TripReport(TripCause.OVER_TEMP, 2, 7000, 0).sensor == "exhaust"
    assert TripReport(TripCause.TIP_OVER, 0, 0, 0).sensor is None
    assert TripCause.HEARTBEAT_LOST.code == "heartbeat_lost"


def test_command_payloads() -> None:
    assert encode_set_fan(None) == b"\x00\x00"
    assert encode_set_fan(55) == b"\x01\x37"
    assert encode_set_power(True) == b"\x01"
    with pytest.raises(ValueError, match=r"outside 0\.\.100"):
        encode_set_fan(101)
