"""The supervisor's decisions, free of hardware: what trips, what the power and fan outputs
are, what goes on the link. main.py feeds it samples and frames with the current
time.ticks_ms() and applies its outputs.
"""

import struct
import time

import fan
import limits
import messages as msg
import thermistor
from link import encode_frame

try:
    from typing import TYPE_CHECKING
except ImportError:  # MicroPython has no typing module; annotations are never evaluated
    TYPE_CHECKING = False
if TYPE_CHECKING:
    # time.ticks_ms() values are opaque: only ticks_diff/ticks_add may do arithmetic on them
    from _mpy_shed.time_mp import _TicksMs as Ticks

    Thermistor = tuple[str, int, str, float]  # name, ADC pin, NTC part, series ohms


class Supervisor:
    def __init__(
        self, now_ms: Ticks, sensors: tuple[Thermistor, ...], watchdog_reset: bool = False
    ) -> None:
        # sensors: the rows of wiring.THERMISTORS
        self._sensors = sensors
        self._trip_c = [limits.TRIP_C[row[0]] for row in sensors]
        self._fan_curve_sensors = [
            i for i, row in enumerate(sensors) if row[0] in fan.CURVE_SENSORS
        ]
        self._uptime_ms = 0
        self._last_poll_ms = now_ms
        self.temps_c: list[float | None] = [None] * len(sensors)
        self.sensor_status = [thermistor.SENSOR_OK] * len(sensors)
        self.fan_rpm = 0
        self.tipped = False
        self.power_requested = False
        self.fan_manual = False
        self.fan_manual_pct = 0
        self.fan_duty_pct = 0
        self.trip_cause = msg.CAUSE_NONE
        self.trip_detail = 0
        self.link_errors = 0
        self._last_heartbeat_ms: Ticks | None = None
        self._last_telemetry_ms = time.ticks_add(now_ms, -limits.TELEMETRY_MS)
        self._driven_since_ms: Ticks | None = None
        self._streaks: dict[int, int] = {}
        self._stall_windows = 0
        # Conditions present now (bit cause-1), with clear hysteresis: a trip is cleared only
        # when none remain.
        self._sensor_faults = 0
        self._fan_fault = 0
        self._tip_fault = 0
        self._tx_seq = 0
        self._outbox: list[bytes] = []
        if watchdog_reset:
            self._trip(now_ms, msg.CAUSE_WATCHDOG_RESET, 0, 0)

    # --- inputs -------------------------------------------------------------------------

    def observe_sensors(self, now_ms: Ticks, ratios: list[float]) -> None:
        """One ADC sample per thermistor, as divider ratios in [0, 1]."""
        faults = 0
        for index, ratio in enumerate(ratios):
            _name, _pin, part, series_ohm = self._sensors[index]
            status = thermistor.sensor_status(ratio)
            self.sensor_status[index] = status
            celsius = None
            if status == thermistor.SENSOR_OK:
                celsius = thermistor.celsius_from_ratio(ratio, part, series_ohm)
            self.temps_c[index] = celsius
            limit_c = self._trip_c[index]
            hot = celsius is not None and celsius >= limit_c
            warm = celsius is not None and celsius > limit_c - limits.CLEAR_HYSTERESIS_C
            centi = msg.centi_celsius(celsius)
            is_open = status == thermistor.SENSOR_OPEN
            is_short = status == thermistor.SENSOR_SHORT
            self._confirm(now_ms, msg.CAUSE_SENSOR_OPEN, index, is_open, 0)
            self._confirm(now_ms, msg.CAUSE_SENSOR_SHORT, index, is_short, 0)
            self._confirm(now_ms, msg.CAUSE_OVER_TEMP, index, hot, centi)
            if is_open:
                faults |= _bit(msg.CAUSE_SENSOR_OPEN)
            elif is_short:
                faults |= _bit(msg.CAUSE_SENSOR_SHORT)
            if warm:
                faults |= _bit(msg.CAUSE_OVER_TEMP)
        self._sensor_faults = faults

    def observe_tip(self, now_ms: Ticks, tipped: bool) -> None:
        self.tipped = tipped
        self._confirm(now_ms, msg.CAUSE_TIP_OVER, 0, tipped, 0)
        self._tip_fault = _bit(msg.CAUSE_TIP_OVER) if tipped else 0

    def observe_fan(self, now_ms: Ticks, rpm: int) -> None:
        """Fan speed over the last tachometer window."""
        self.fan_rpm = rpm
        driven = self._driven_since_ms is not None and (
            time.ticks_diff(now_ms, self._driven_since_ms) >= limits.FAN_SPINUP_MS
        )
        stalled = driven and rpm < limits.FAN_STALL_RPM
        self._stall_windows = self._stall_windows + 1 if stalled else 0
        if self._stall_windows >= limits.FAN_STALL_WINDOWS:
            self._trip(now_ms, msg.CAUSE_FAN_STALL, 0, rpm)
        self._fan_fault = _bit(msg.CAUSE_FAN_STALL) if stalled else 0

    def handle_frame(self, now_ms: Ticks, frame_type: int, seq: int, payload: bytes) -> None:
        if frame_type == msg.HEARTBEAT:
            self._last_heartbeat_ms = now_ms
            return
        if frame_type == msg.SET_FAN:
            status = self._set_fan(payload)
            self._ack(frame_type, seq, status, 0)
        elif frame_type == msg.SET_POWER:
            status, detail = self._set_power(now_ms, payload)
            self._ack(frame_type, seq, status, detail)
        elif frame_type == msg.CLEAR_TRIP:
            status, detail = self._clear_trip(now_ms, payload)
            self._ack(frame_type, seq, status, detail)
        else:
            self._ack(frame_type, seq, msg.STATUS_UNKNOWN_TYPE, 0)

    def poll(self, now_ms: Ticks) -> None:
        """Time-driven work: heartbeat watchdog, fan duty, periodic telemetry."""
        self._uptime_ms += time.ticks_diff(now_ms, self._last_poll_ms)
        self._last_poll_ms = now_ms
        if self._last_heartbeat_ms is not None and not self.heartbeat_ok(now_ms):
            self._trip(now_ms, msg.CAUSE_HEARTBEAT_LOST, 0, 0)
        self._update_fan_duty(now_ms)
        since = time.ticks_diff(now_ms, self._last_telemetry_ms)
        if since >= limits.TELEMETRY_MS:
            self._last_telemetry_ms = now_ms
            self._send(msg.TELEMETRY, self._telemetry(now_ms))

    # --- outputs ------------------------------------------------------------------------

    def power_output(self, now_ms: Ticks) -> bool:
        # A fault not yet confirmed does not cut the power (that is what confirmation is
        # for); once confirmed it trips, and the trip does.
        return (
            self.power_requested and self.trip_cause == msg.CAUSE_NONE and self.heartbeat_ok(now_ms)
        )

    def take_outbox(self) -> list[bytes]:
        frames = self._outbox
        self._outbox = []
        return frames

    def heartbeat_ok(self, now_ms: Ticks) -> bool:
        last = self._last_heartbeat_ms
        return last is not None and time.ticks_diff(now_ms, last) <= limits.HEARTBEAT_TIMEOUT_MS

    def faults(self) -> int:
        return self._sensor_faults | self._fan_fault | self._tip_fault

    # --- internals ----------------------------------------------------------------------

    def _confirm(self, now_ms: Ticks, cause: int, detail: int, present: bool, value: int) -> None:
        key = cause * 16 + detail
        if not present:
            self._streaks[key] = 0
            return
        streak = self._streaks.get(key, 0) + 1
        self._streaks[key] = streak
        if streak >= limits.CONFIRM_SAMPLES:
            self._trip(now_ms, cause, detail, value)

    def _trip(self, now_ms: Ticks, cause: int, detail: int, value: int) -> None:
        if self.trip_cause != msg.CAUSE_NONE:
            return
        self.trip_cause = cause
        self.trip_detail = detail
        self.power_requested = False
        self._send(msg.TRIP, msg.pack_trip(cause, detail, value, self._uptime(now_ms)))

    def _set_fan(self, payload: bytes) -> int:
        if len(payload) != struct.calcsize(msg.SET_FAN_FORMAT):
            return msg.STATUS_BAD_PAYLOAD
        mode, duty = struct.unpack(msg.SET_FAN_FORMAT, payload)
        if mode not in (msg.FAN_AUTO, msg.FAN_MANUAL) or duty > 100:
            return msg.STATUS_BAD_PAYLOAD
        self.fan_manual = mode == msg.FAN_MANUAL
        self.fan_manual_pct = duty
        return msg.STATUS_OK

    def _set_power(self, now_ms: Ticks, payload: bytes) -> tuple[int, int]:
        if len(payload) != struct.calcsize(msg.SET_POWER_FORMAT) or payload[0] > 1:
            return msg.STATUS_BAD_PAYLOAD, 0
        if payload[0] == 0:
            self.power_requested = False
            return msg.STATUS_OK, 0
        if self.trip_cause != msg.CAUSE_NONE:
            return msg.STATUS_TRIPPED, self.trip_cause
        if not self.heartbeat_ok(now_ms):
            return msg.STATUS_NO_HEARTBEAT, 0
        faults = self.faults()
        if faults:
            return msg.STATUS_CAUSE_ACTIVE, _lowest_cause(faults)
        self.power_requested = True
        return msg.STATUS_OK, 0

    def _clear_trip(self, now_ms: Ticks, payload: bytes) -> tuple[int, int]:
        if payload:
            return msg.STATUS_BAD_PAYLOAD, 0
        if self.trip_cause == msg.CAUSE_NONE:
            return msg.STATUS_OK, 0
        if not self.heartbeat_ok(now_ms):
            return msg.STATUS_NO_HEARTBEAT, msg.CAUSE_HEARTBEAT_LOST
        faults = self.faults()
        if faults:
            return msg.STATUS_CAUSE_ACTIVE, _lowest_cause(faults)
        self.trip_cause = msg.CAUSE_NONE
        self.trip_detail = 0
        self._streaks = {}
        self._stall_windows = 0
        return msg.STATUS_OK, 0

    def _update_fan_duty(self, now_ms: Ticks) -> None:
        if self.fan_manual:
            requested = self.fan_manual_pct
        else:
            hottest = None
            for index in self._fan_curve_sensors:
                celsius = self.temps_c[index]
                if celsius is None:  # not sampled yet, open or shorted: assume the worst
                    hottest = None
                    break
                if hottest is None or celsius > hottest:
                    hottest = celsius
            requested = fan.auto_duty_pct(hottest)
        duty = fan.effective_duty_pct(
            requested, self.trip_cause != msg.CAUSE_NONE, self.power_output(now_ms)
        )
        if duty >= limits.FAN_CHECK_DUTY_PCT:
            if self._driven_since_ms is None:
                self._driven_since_ms = now_ms
        else:
            self._driven_since_ms = None
            self._stall_windows = 0
        self.fan_duty_pct = duty

    def _telemetry(self, now_ms: Ticks) -> bytes:
        status_bits = 0
        for index, status in enumerate(self.sensor_status):
            status_bits |= status << (2 * index)
        flags = 0
        if self.power_requested:
            flags |= msg.FLAG_POWER_REQUESTED
        if self.power_output(now_ms):
            flags |= msg.FLAG_POWER_ON
        if self.heartbeat_ok(now_ms):
            flags |= msg.FLAG_HEARTBEAT_OK
        if self.tipped:
            flags |= msg.FLAG_TIPPED
        temps = [msg.centi_celsius(t) for t in self.temps_c]
        return struct.pack(
            msg.TELEMETRY_FORMAT,
            self._uptime(now_ms),
            temps[0],
            temps[1],
            temps[2],
            temps[3],
            status_bits,
            min(self.fan_rpm, 0xFFFF),
            self.fan_duty_pct,
            msg.FAN_MANUAL if self.fan_manual else msg.FAN_AUTO,
            self.fan_manual_pct,
            flags,
            self.trip_cause,
            self.trip_detail,
            self.faults(),
            min(self.link_errors, 0xFFFF),
        )

    def _ack(self, acked_type: int, acked_seq: int, status: int, detail: int) -> None:
        self._send(msg.ACK, msg.pack_ack(acked_type, acked_seq, status, detail))

    def _send(self, frame_type: int, payload: bytes) -> None:
        self._outbox.append(encode_frame(frame_type, self._tx_seq, payload))
        self._tx_seq = (self._tx_seq + 1) & 0xFF

    def _uptime(self, now_ms: Ticks) -> int:
        # Accumulated poll by poll: ticks_ms itself wraps after 2**30 ms on the RP2040.
        return (self._uptime_ms + time.ticks_diff(now_ms, self._last_poll_ms)) & 0xFFFFFFFF


def _bit(cause: int) -> int:
    return 1 << (cause - 1)


def _lowest_cause(faults: int) -> int:
    cause = 1
    while not faults & 1:
        faults >>= 1
        cause += 1
    return cause
