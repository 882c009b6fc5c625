"""`machine` for the MicroPython unix port: Pin, PWM, ADC, WDT, UART and Timer backed by a
simulated board, so the supervisor firmware runs unchanged on a PC.

Put this folder first on MICROPYPATH; it shadows the unix port's own `machine`. The
simulator (hw/sim/supervisor) talks to it through file descriptors named by environment
variables, all optional:

HEARTH_MPY_UART_FDS   "id:fd,id:fd"  UART id -> a pty master (non-blocking). Bytes the pty
                      cannot take are dropped, as on a real wire nobody listens to.
HEARTH_MPY_SIM_IN_FD  lines from the simulator (non-blocking pipe), the board's inputs:
                        adc <pin> <volts>     voltage on an ADC pin (ADC_VREF full scale)
                        pin <pin> <0|1>       level driven onto an input pin
                        tach <pin> <hz>       falling edges per second on a pin
                      End of file means the simulator is gone: the process exits.
HEARTH_MPY_SIM_OUT_FD lines to the simulator, the board's outputs:
                        pin <pin> <0|1>           an output pin changed
                        pwm <pin> <hz> <duty_u16> a PWM output changed
                        wdt <timeout_ms>          the watchdog was started
                        feed                      the watchdog was fed (at most every 100 ms)
HEARTH_MPY_RESET_CAUSE "wdt" to boot as after a watchdog reset; anything else: power-on.

The input fds must be O_NONBLOCK (the simulator sets them so): MicroPython's file read(n)
keeps reading until it has n bytes when the fd blocks.

Interrupts do not exist here: pending tachometer edges and timer ticks are delivered as
callbacks whenever the firmware calls into this module (it does, every main-loop pass).
"""

import os
import select
import sys
import time

# MicroPython has neither contextlib nor collections.abc; the annotations are not evaluated.
try:  # noqa: SIM105
    from collections.abc import Callable
except ImportError:
    pass

ADC_VREF = 3.3
PWRON_RESET = 1
WDT_RESET = 3
FEED_REPORT_MS = 100
MAX_EDGES_PER_SERVICE = 1000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _env_fd(name: str) -> int | None:
    value = os.getenv(name)
    return int(value) if value else None


class _SimulatedBoard:
    """Input levels from the simulator, output reports to it."""

    def __init__(self) -> None:
        self.adc_u16: dict[int, int] = {}
        self.levels: dict[int, int] = {}
        self.tach_hz: dict[int, float] = {}
        self.edge_debt: dict[int, float] = {}
        self.irq_pins: dict[int, Pin] = {}
        self.timers: list[Timer] = []
        self.last_service_ms = _now_ms()
        self.last_feed_report_ms = 0
        self._pending = b""
        in_fd = _env_fd("HEARTH_MPY_SIM_IN_FD")
        out_fd = _env_fd("HEARTH_MPY_SIM_OUT_FD")
        self._in = open(in_fd, "rb") if in_fd is not None else None  # noqa: SIM115
        self._out = open(out_fd, "wb") if out_fd is not None else None  # noqa: SIM115
        self._poll = select.poll()
        if self._in is not None:
            self._poll.register(self._in, select.POLLIN)

    def report(self, line: str) -> None:
        if self._out is not None:
            self._out.write((line + "\n").encode())

    def service(self) -> None:
        self._read_inputs()
        now = _now_ms()
        elapsed_ms = now - self.last_service_ms
        self.last_service_ms = now
        for pin_id, hz in self.tach_hz.items():
            pin = self.irq_pins.get(pin_id)
            debt = self.edge_debt.get(pin_id, 0.0) + hz * elapsed_ms / 1000.0
            edges = min(int(debt), MAX_EDGES_PER_SERVICE)
            self.edge_debt[pin_id] = debt - int(debt)
            if pin is not None and pin.handler is not None:
                for _ in range(edges):
                    pin.handler(pin)
        for timer in self.timers:
            timer.service(now)

    def _read_inputs(self) -> None:
        if self._in is None:
            return
        while self._poll.poll(0):
            chunk = self._in.read(4096)
            if chunk is None:
                break
            if not chunk:
                sys.exit(0)  # the simulator closed its end: the board is unplugged
            self._pending += chunk
        while b"\n" in self._pending:
            line, self._pending = self._pending.split(b"\n", 1)
            self._apply(line.decode().split())

    def _apply(self, words: list[str]) -> None:
        if len(words) != 3:
            return
        kind, pin_id, value = words[0], int(words[1]), words[2]
        if kind == "adc":
            volts = min(max(float(value), 0.0), ADC_VREF)
            self.adc_u16[pin_id] = int(volts / ADC_VREF * 65535 + 0.5)
        elif kind == "pin":
            self.levels[pin_id] = int(value)
        elif kind == "tach":
            self.tach_hz[pin_id] = float(value)


_board = _SimulatedBoard()


def reset_cause() -> int:
    return WDT_RESET if os.getenv("HEARTH_MPY_RESET_CAUSE") == "wdt" else PWRON_RESET


def disable_irq() -> int:
    return 0


def enable_irq(state: int = 0) -> None:
    del state


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(
        self, id: int, mode: int = -1, pull: int = -1, *, value: int | None = None
    ) -> None:
        self.id = id
        self.mode = mode
        self.pull = pull
        self.handler: Callable[[Pin], None] | None = None
        self._out_level = 0
        if value is not None:
            self.value(value)

    def value(self, level: int | None = None) -> int:
        _board.service()
        if level is None:
            if self.mode == Pin.OUT:
                return self._out_level
            default = 0 if self.pull == Pin.PULL_DOWN else 1 if self.pull == Pin.PULL_UP else 0
            return _board.levels.get(self.id, default)
        self._out_level = 1 if level else 0
        if self.mode == Pin.OUT:
            _board.report(f"pin {self.id} {self._out_level}")
        return self._out_level

    def __call__(self, level: int | None = None) -> int:
        return self.value(level)

    def on(self) -> None:
        self.value(1)

    def off(self) -> None:
        self.value(0)

    def irq(
        self,
        handler: "Callable[[Pin], None] | None" = None,
        trigger: int = IRQ_FALLING | IRQ_RISING,
        hard: bool = False,
    ) -> None:
        del trigger, hard  # the simulator only produces the edges the firmware counts
        self.handler = handler
        _board.irq_pins[self.id] = self


class ADC:
    def __init__(self, pin: Pin | int) -> None:
        self.pin_id = pin.id if isinstance(pin, Pin) else pin

    def read_u16(self) -> int:
        _board.service()
        return _board.adc_u16.get(self.pin_id, 32768)


class PWM:
    def __init__(self, pin: Pin, *, freq: int = 1000, duty_u16: int = 0) -> None:
        self.pin_id = pin.id
        self._freq = freq
        self._duty = duty_u16
        self._report()

    def freq(self, hz: int | None = None) -> int:
        if hz is not None:
            self._freq = hz
            self._report()
        return self._freq

    def duty_u16(self, duty: int | None = None) -> int:
        if duty is not None:
            self._duty = min(max(duty, 0), 65535)
            self._report()
        return self._duty

    def deinit(self) -> None:
        self.duty_u16(0)

    def _report(self) -> None:
        _board.service()
        _board.report(f"pwm {self.pin_id} {self._freq} {self._duty}")


class WDT:
    def __init__(self, id: int = 0, timeout: int = 5000) -> None:
        del id
        self.timeout = timeout
        _board.report(f"wdt {timeout}")

    def feed(self) -> None:
        _board.service()
        now = _now_ms()
        if now - _board.last_feed_report_ms >= FEED_REPORT_MS:
            _board.last_feed_report_ms = now
            _board.report("feed")


def _uart_fds() -> dict[int, int]:
    fds: dict[int, int] = {}
    for item in (os.getenv("HEARTH_MPY_UART_FDS") or "").split(","):
        if ":" in item:
            uart_id, fd = item.split(":")
            fds[int(uart_id)] = int(fd)
    return fds


class UART:
    def __init__(
        self,
        id: int,
        baudrate: int = 115200,
        *,
        tx: Pin | None = None,
        rx: Pin | None = None,
        timeout: int = 0,
        rxbuf: int = 256,
    ) -> None:
        del baudrate, tx, rx, timeout  # a pty has no baud rate; reads never block here
        self._rxbuf = rxbuf
        fd = _uart_fds().get(id)
        self._file = open(fd, "r+b") if fd is not None else None  # noqa: SIM115
        self._poll = select.poll()
        if self._file is not None:
            self._poll.register(self._file, select.POLLIN)
        self._pending = b""

    def _fill(self) -> None:
        _board.service()
        if self._file is None:
            return
        while len(self._pending) < self._rxbuf and self._poll.poll(0):
            try:
                chunk = self._file.read(self._rxbuf - len(self._pending))
            except OSError:  # the pty's other side is closed: nothing on the wire
                return
            if not chunk:
                return
            self._pending += chunk

    def any(self) -> int:
        self._fill()
        return len(self._pending)

    def read(self, count: int | None = None) -> bytes | None:
        self._fill()
        if not self._pending:
            return None
        if count is None:
            count = len(self._pending)
        data, self._pending = self._pending[:count], self._pending[count:]
        return data

    def write(self, data: bytes) -> int:
        _board.service()
        if self._file is None:
            return len(data)
        try:  # noqa: SIM105
            self._file.write(data)
        except OSError:  # pty full or closed: the bytes are lost on the wire
            pass
        return len(data)


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(
        self,
        id: int = -1,
        *,
        mode: int = PERIODIC,
        period: int = 1000,
        callback: "Callable[[Timer], None] | None" = None,
    ) -> None:
        del id
        self.mode = mode
        self.period = period
        self.callback = callback
        self.due_ms = _now_ms() + period
        _board.timers.append(self)

    def service(self, now_ms: int) -> None:
        if self.callback is None or now_ms < self.due_ms:
            return
        self.callback(self)
        if self.mode == Timer.PERIODIC:
            self.due_ms += self.period * max(1, (now_ms - self.due_ms) // self.period + 1)
        else:
            self.deinit()

    def deinit(self) -> None:
        self.callback = None
        if self in _board.timers:
            _board.timers.remove(self)
