"""A simulated TPS546D24A, from the PMBus specification part II and the TPS546D24A
datasheet's command table: OPERATION, ON_OFF_CONFIG, CLEAR_FAULTS, VOUT_MODE (linear,
exponent -9), VOUT_COMMAND/MAX/MIN, VOUT_SCALE_LOOP, VIN_ON/OFF, the IOUT and OT
limits, VIN_UV_WARN_LIMIT, STATUS_BYTE/WORD and the status bytes (write 1 to clear a
bit, CLEAR_FAULTS clears them all), READ_VIN/VOUT/IOUT/TEMPERATURE_1, IC_DEVICE_ID.

The output slews to VOUT_COMMAND (clamped to VOUT_MIN..VOUT_MAX, setting the
VOUT_MAX_MIN warning) at `slew_v_per_s` while OPERATION is on and the input is above
VIN_ON (then VIN_OFF), and back to 0 when off. Over-current, over-temperature faults
turn it off and latch until CLEAR_FAULTS or OPERATION off-then-on. The board sets
`vin_v`, `load_a` and `temperature_c` (board.py).

Faults to inject: `inject(register, mask)` (latched status bits; fault bits also turn
the output off, as the part does), `force_reading(command, word)` (impossible
readings), `stop_answering()`.
"""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable

from hw.sim.parts.part import SimPart
from hw.sim.parts.pmbus_numbers import (
    linear11_value,
    linear11_word,
    ulinear16_value,
    ulinear16_word,
)

VOUT_MODE = 0x17  # linear, exponent -9 (datasheet default)
DEVICE_ID = b"TIT\x6d\x24A"
# exponents the part's ADC reports its readings with (LINEAR11)
READ_EXPONENT = {0x88: -5, 0x8C: -4, 0x8D: 0}
LINEAR11_COMMANDS = {
    0x29: ("scale_loop", 0.25),
    0x35: ("vin_on", 4.25),
    0x36: ("vin_off", 4.0),
    0x46: ("oc_fault", 62.0),
    0x4A: ("oc_warn", 55.0),
    0x4F: ("ot_fault", 150.0),
    0x51: ("ot_warn", 125.0),
    0x58: ("vin_uv_warn", 0.0),
}
ULINEAR16_COMMANDS = {0x21: ("command", 1.0), 0x24: ("vout_max", 5.5), 0x2B: ("vout_min", 0.5)}
STATUS = {0x7A: "vout", 0x7B: "iout", 0x7C: "input", 0x7D: "temperature", 0x7E: "cml"}
# bits that mean the part has shut its output down
SHUTDOWN_BITS = {"vout": 0x90, "iout": 0x80, "temperature": 0x80, "input": 0x80}


class SimTps546(SimPart):
    name = "TPS546D24A"

    def __init__(
        self,
        address: int = 0x24,
        *,
        slew_v_per_s: float = 1000.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(address)
        self._clock = clock
        self.slew_v_per_s = slew_v_per_s
        self.lock = threading.RLock()
        self.operation = 0x00
        self.on_off_config = 0x1F
        self.values: dict[str, float] = {
            name: default
            for name, default in (*LINEAR11_COMMANDS.values(), *ULINEAR16_COMMANDS.values())
        }
        self.status = dict.fromkeys(STATUS.values(), 0)
        self.latched_off = False
        self.forced: dict[int, int] = {}
        self.vin_v = 5.0
        self.load_a = 0.0
        self.temperature_c = 25.0
        # the output as (time, volts, target): read without a lock by vout_v()
        self._ramp = (clock(), 0.0, 0.0)

    # -- physics ------------------------------------------------------------------

    def vout_v(self, now: float | None = None) -> float:
        """The output now, from the last ramp (safe to call from any thread)."""
        t0, v0, target = self._ramp
        t = self._clock() if now is None else now
        step = self.slew_v_per_s * max(0.0, t - t0)
        return min(target, v0 + step) if target >= v0 else max(target, v0 - step)

    def converting(self) -> bool:
        return bool(self.operation & 0x80) and not self.latched_off and self._input_ok()

    def _input_ok(self) -> bool:
        running = self._ramp[2] > 0  # hysteresis: VIN_ON to start, VIN_OFF to stop
        return self.vin_v >= self.values["vin_off" if running else "vin_on"]

    def _retarget(self) -> None:
        now = self._clock()
        target = self.values["command"] if self.converting() else 0.0
        self._ramp = (now, self.vout_v(now), target)

    def step(self) -> None:
        """Apply the board's inputs: limits, faults, and where the output is heading."""
        with self.lock:
            v = self.values
            if self.vin_v < v["vin_uv_warn"]:
                self.status["input"] |= 0x20
            low_input = bool(self.operation & 0x80) and not self._input_ok()
            self.status["input"] = (self.status["input"] & ~0x08) | (0x08 if low_input else 0)
            if self.converting():
                if self.load_a > v["oc_fault"]:
                    self.status["iout"] |= 0x80
                    self.latched_off = True
                elif self.load_a > v["oc_warn"]:
                    self.status["iout"] |= 0x20
            if self.temperature_c > v["ot_fault"]:
                self.status["temperature"] |= 0x80
                self.latched_off = True
            elif self.temperature_c > v["ot_warn"]:
                self.status["temperature"] |= 0x40
            self._retarget()

    def power_good(self) -> bool:
        return self.converting() and self.vout_v() >= 0.9 * self.values["command"]

    # -- faults -------------------------------------------------------------------

    def inject(self, register: str, mask: int) -> None:
        """Set status bits as the part would on a fault (register: vout, iout, input,
        temperature, cml); a shutdown fault also turns the output off."""
        with self.lock:
            self.status[register] |= mask
            if mask & SHUTDOWN_BITS.get(register, 0):
                self.latched_off = True
            self._retarget()

    def force_reading(self, command: int, word: int | None) -> None:
        """READ_* `command` answers `word` from now on (None: the real reading again)."""
        with self.lock:
            if word is None:
                self.forced.pop(command, None)
            else:
                self.forced[command] = word

    # -- registers ----------------------------------------------------------------

    def status_word(self) -> int:
        s = self.status
        low = 0x00 if self.converting() else 0x40
        low |= 0x20 if s["vout"] & 0x80 else 0
        low |= 0x10 if s["iout"] & 0x80 else 0
        low |= 0x08 if s["input"] & 0x10 else 0
        low |= 0x04 if s["temperature"] else 0
        low |= 0x02 if s["cml"] else 0
        high = 0x80 if s["vout"] else 0
        high |= 0x40 if s["iout"] else 0
        high |= 0x20 if s["input"] else 0
        high |= 0x08 if not self.power_good() else 0
        return high << 8 | low

    def _unsupported(self, register: int) -> OSError:
        self.status["cml"] |= 0x80
        return OSError(errno.EREMOTEIO, f"TPS546D24A: no command 0x{register:02x}")

    def _reading(self, register: int) -> int:
        if register in self.forced:
            return self.forced[register]
        now = self._clock()
        on = self.converting()
        if register == 0x8B:
            return ulinear16_word(self.vout_v(now), VOUT_MODE)
        value = {
            0x88: self.vin_v,
            0x8C: self.load_a if on else 0.0,
            0x8D: self.temperature_c,
        }[register]
        return linear11_word(value, READ_EXPONENT[register])

    def read(self, register: int, length: int) -> bytes:
        with self.lock:
            if register == 0x01:
                word = self.operation
            elif register == 0x02:
                word = self.on_off_config
            elif register == 0x20:
                word = VOUT_MODE
            elif register in LINEAR11_COMMANDS:
                word = linear11_word(self.values[LINEAR11_COMMANDS[register][0]], -6)
            elif register in ULINEAR16_COMMANDS:
                word = ulinear16_word(self.values[ULINEAR16_COMMANDS[register][0]], VOUT_MODE)
            elif register == 0x78:
                word = self.status_word() & 0xFF
            elif register == 0x79:
                word = self.status_word()
            elif register in STATUS:
                word = self.status[STATUS[register]]
            elif register in (0x88, 0x8B, 0x8C, 0x8D):
                word = self._reading(register)
            elif register == 0xAD:
                return (bytes((len(DEVICE_ID),)) + DEVICE_ID + bytes(length))[:length]
            else:
                raise self._unsupported(register)
            return (word.to_bytes(2, "little") + bytes(length))[:length]

    def write(self, register: int, data: bytes) -> None:
        with self.lock:
            word = int.from_bytes(data[:2], "little")
            if register == 0x01:
                was_on = bool(self.operation & 0x80)
                self.operation = data[0]
                if not was_on and self.operation & 0x80:
                    self.latched_off = False  # off-then-on restarts after a latched fault
            elif register == 0x02:
                self.on_off_config = data[0]
            elif register in LINEAR11_COMMANDS:
                self.values[LINEAR11_COMMANDS[register][0]] = linear11_value(word)
            elif register == 0x21:
                volts = ulinear16_value(word, VOUT_MODE)
                low, high = self.values["vout_min"], self.values["vout_max"]
                if not low <= volts <= high:
                    self.status["vout"] |= 0x08
                    volts = min(high, max(low, volts))
                self.values["command"] = volts
            elif register in ULINEAR16_COMMANDS:
                self.values[ULINEAR16_COMMANDS[register][0]] = ulinear16_value(word, VOUT_MODE)
            elif register in STATUS:
                self.status[STATUS[register]] &= ~data[0]
            else:
                raise self._unsupported(register)
            self._retarget()

    def send(self, command: int) -> None:
        with self.lock:
            if command != 0x03:
                raise self._unsupported(command)
            self.status = dict.fromkeys(STATUS.values(), 0)
            self.latched_off = False
            self.step()
