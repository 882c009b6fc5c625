"""Supervisor link messages, controller side: types, codes and payload layouts as data
(docs/supervisor-link.md). Little-endian; temperatures in centi-°C, TEMP_INVALID for a
sensor that is open or shorted."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import TypeVar

SENSORS = ("room", "intake", "exhaust", "board")
TEMP_INVALID = -32768

E = TypeVar("E", bound="IntEnum")


class MessageType(IntEnum):
    HEARTBEAT = 0x01
    SET_FAN = 0x02
    SET_POWER = 0x03
    CLEAR_TRIP = 0x04
    TELEMETRY = 0x81
    TRIP = 0x82
    ACK = 0x83


class TripCause(IntEnum):
    NONE = 0
    OVER_TEMP = 1
    FAN_STALL = 2
    SENSOR_OPEN = 3
    SENSOR_SHORT = 4
    TIP_OVER = 5
    HEARTBEAT_LOST = 6
    WATCHDOG_RESET = 7

    @property
    def code(self) -> str:
        """The short name used in alarm codes: "over_temp", "fan_stall", ..."""
        return self.name.lower()


class AckStatus(IntEnum):
    OK = 0
    BAD_PAYLOAD = 1
    UNKNOWN_TYPE = 2
    TRIPPED = 3
    NO_HEARTBEAT = 4
    CAUSE_ACTIVE = 5


class SensorStatus(IntEnum):
    OK = 0
    OPEN = 1
    SHORT = 2


class FanMode(IntEnum):
    AUTO = 0
    MANUAL = 1


FLAG_POWER_REQUESTED = 0x01
FLAG_POWER_ON = 0x02
FLAG_HEARTBEAT_OK = 0x04
FLAG_TIPPED = 0x08

TELEMETRY_FORMAT = struct.Struct("<I4hBHBBBBBBBH")
TRIP_FORMAT = struct.Struct("<BBhI")
ACK_FORMAT = struct.Struct("<BBBB")
SET_FAN_FORMAT = struct.Struct("<BB")
SET_POWER_FORMAT = struct.Struct("<B")


class PayloadError(ValueError):
    """A frame whose CRC was right but whose payload does not fit its type."""


def _check_length(kind: str, payload: bytes, layout: struct.Struct) -> None:
    if len(payload) != layout.size:
        raise PayloadError(f"{kind} payload is {len(payload)} bytes, expected {layout.size}")


def _enum_or_error(kind: str, enum: type[E], value: int) -> E:
    try:
        return enum(value)
    except ValueError:
        raise PayloadError(f"{kind}: unknown {enum.__name__} {value}") from None


def _celsius(centi: int) -> float | None:
    return None if centi == TEMP_INVALID else centi / 100.0


def _centi(celsius: float | None) -> int:
    if celsius is None:
        return TEMP_INVALID
    return max(-32767, min(32767, round(celsius * 100)))


@dataclass(frozen=True)
class Telemetry:
    uptime_ms: int
    temperatures_c: dict[str, float | None]  # None: sensor open or shorted
    sensor_status: dict[str, SensorStatus]
    fan_rpm: int
    fan_duty_pct: int
    fan_mode: FanMode
    fan_manual_pct: int
    power_requested: bool
    power_on: bool
    heartbeat_ok: bool
    tipped: bool
    trip_cause: TripCause
    trip_detail: int
    faults: frozenset[TripCause]  # conditions present now; a trip clears only without them
    link_errors: int

    @property
    def tripped(self) -> bool:
        return self.trip_cause != TripCause.NONE

    def encode(self) -> bytes:
        status_bits = 0
        for index, name in enumerate(SENSORS):
            status_bits |= self.sensor_status[name] << (2 * index)
        flags = (
            (FLAG_POWER_REQUESTED if self.power_requested else 0)
            | (FLAG_POWER_ON if self.power_on else 0)
            | (FLAG_HEARTBEAT_OK if self.heartbeat_ok else 0)
            | (FLAG_TIPPED if self.tipped else 0)
        )
        fault_bits = 0
        for cause in self.faults:
            fault_bits |= 1 << (cause - 1)
        return TELEMETRY_FORMAT.pack(
            self.uptime_ms,
            *(_centi(self.temperatures_c[name]) for name in SENSORS),
            status_bits,
            self.fan_rpm,
            self.fan_duty_pct,
            self.fan_mode,
            self.fan_manual_pct,
            flags,
            self.trip_cause,
            self.trip_detail,
            fault_bits,
            self.link_errors,
        )

    @classmethod
    def decode(cls, payload: bytes) -> Telemetry:
        _check_length("telemetry", payload, TELEMETRY_FORMAT)
        (uptime, t0, t1, t2, t3, status_bits, rpm, duty, mode, manual, flags, cause, detail,
         fault_bits, link_errors) = TELEMETRY_FORMAT.unpack(payload)  # fmt: skip
        statuses = {
            name: _enum_or_error("telemetry", SensorStatus, (status_bits >> (2 * i)) & 0b11)
            for i, name in enumerate(SENSORS)
        }
        faults = frozenset(
            _enum_or_error("telemetry", TripCause, bit + 1)
            for bit in range(8)
            if fault_bits >> bit & 1
        )
        return cls(
            uptime_ms=uptime,
            temperatures_c={
                name: _celsius(c) for name, c in zip(SENSORS, (t0, t1, t2, t3), strict=True)
            },
            sensor_status=statuses,
            fan_rpm=rpm,
            fan_duty_pct=duty,
            fan_mode=_enum_or_error("telemetry", FanMode, mode),
            fan_manual_pct=manual,
            power_requested=bool(flags & FLAG_POWER_REQUESTED),
            power_on=bool(flags & FLAG_POWER_ON),
            heartbeat_ok=bool(flags & FLAG_HEARTBEAT_OK),
            tipped=bool(flags & FLAG_TIPPED),
            trip_cause=_enum_or_error("telemetry", TripCause, cause),
            trip_detail=detail,
            faults=faults,
            link_errors=link_errors,
        )


@dataclass(frozen=True)
class TripReport:
    cause: TripCause
    detail: int  # sensor index (SENSORS order) for temperature and sensor trips
    value: int  # centi-°C for over_temp, rpm for fan_stall, else 0
    uptime_ms: int

    @property
    def sensor(self) -> str | None:
        sensor_causes = (TripCause.OVER_TEMP, TripCause.SENSOR_OPEN, TripCause.SENSOR_SHORT)
        if self.cause in sensor_causes and self.detail < len(SENSORS):
            return SENSORS[self.detail]
        return None

    def encode(self) -> bytes:
        return TRIP_FORMAT.pack(self.cause, self.detail, self.value, self.uptime_ms)

    @classmethod
    def decode(cls, payload: bytes) -> TripReport:
        _check_length("trip", payload, TRIP_FORMAT)
        cause, detail, value, uptime = TRIP_FORMAT.unpack(payload)
        return cls(_enum_or_error("trip", TripCause, cause), detail, value, uptime)


@dataclass(frozen=True)
class Ack:
    acked_type: int
    acked_seq: int
    status: AckStatus
    detail: int  # for TRIPPED and CAUSE_ACTIVE: the TripCause in the way

    @property
    def ok(self) -> bool:
        return self.status == AckStatus.OK

    def encode(self) -> bytes:
        return ACK_FORMAT.pack(self.acked_type, self.acked_seq, self.status, self.detail)

    @classmethod
    def decode(cls, payload: bytes) -> Ack:
        _check_length("ack", payload, ACK_FORMAT)
        acked_type, acked_seq, status, detail = ACK_FORMAT.unpack(payload)
        return cls(acked_type, acked_seq, _enum_or_error("ack", AckStatus, status), detail)


def encode_set_fan(duty_pct: int | None) -> bytes:
    """None: the supervisor's automatic curve; else a manual duty of 0..100 %."""
    if duty_pct is None:
        return SET_FAN_FORMAT.pack(FanMode.AUTO, 0)
    if not 0 <= duty_pct <= 100:
        raise ValueError(f"fan duty {duty_pct} % is outside 0..100")
    return SET_FAN_FORMAT.pack(FanMode.MANUAL, duty_pct)


def encode_set_power(enable: bool) -> bytes:
    return SET_POWER_FORMAT.pack(1 if enable else 0)
