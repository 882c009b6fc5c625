"""Message types and payload layouts of the supervisor link (docs/supervisor-link.md).

All multi-byte fields little-endian. Temperatures in centi-degrees Celsius (int16), with
TEMP_INVALID for a sensor that is open or shorted.
"""

import struct

from micropython import const

# controller -> supervisor
HEARTBEAT = const(0x01)
SET_FAN = const(0x02)
SET_POWER = const(0x03)
CLEAR_TRIP = const(0x04)
# supervisor -> controller
TELEMETRY = const(0x81)
TRIP = const(0x82)
ACK = const(0x83)

# Trip causes (TRIP.cause, TELEMETRY.trip_cause); bit (cause - 1) of TELEMETRY.faults.
CAUSE_NONE = const(0)
CAUSE_OVER_TEMP = const(1)
CAUSE_FAN_STALL = const(2)
CAUSE_SENSOR_OPEN = const(3)
CAUSE_SENSOR_SHORT = const(4)
CAUSE_TIP_OVER = const(5)
CAUSE_HEARTBEAT_LOST = const(6)
CAUSE_WATCHDOG_RESET = const(7)

# ACK.status
STATUS_OK = const(0)
STATUS_BAD_PAYLOAD = const(1)
STATUS_UNKNOWN_TYPE = const(2)
STATUS_TRIPPED = const(3)
STATUS_NO_HEARTBEAT = const(4)
STATUS_CAUSE_ACTIVE = const(5)

FAN_AUTO = const(0)
FAN_MANUAL = const(1)

# TELEMETRY.flags
FLAG_POWER_REQUESTED = const(0x01)
FLAG_POWER_ON = const(0x02)
FLAG_HEARTBEAT_OK = const(0x04)
FLAG_TIPPED = const(0x08)

TEMP_INVALID = const(-32768)

# uptime_ms, 4 temperatures, sensor status (2 bits each), fan rpm, fan duty %, fan mode,
# requested manual duty %, flags, trip cause, trip detail, faults bitmask, link errors
TELEMETRY_FORMAT = "<I4hBHBBBBBBBH"
# cause, detail (sensor index), value (centi-°C or rpm), uptime_ms
TRIP_FORMAT = "<BBhI"
# acked type, acked seq, status, detail
ACK_FORMAT = "<BBBB"
SET_FAN_FORMAT = "<BB"
SET_POWER_FORMAT = "<B"


def centi_celsius(celsius: float | None) -> int:
    if celsius is None:
        return TEMP_INVALID
    value = round(celsius * 100)
    return max(-32767, min(32767, value))


def pack_ack(acked_type: int, acked_seq: int, status: int, detail: int = 0) -> bytes:
    return struct.pack(ACK_FORMAT, acked_type, acked_seq, status, detail)


def pack_trip(cause: int, detail: int, value: int, uptime_ms: int) -> bytes:
    return struct.pack(TRIP_FORMAT, cause, detail, max(-32768, min(32767, value)), uptime_ms)
