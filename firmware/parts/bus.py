"""The I2C bus the board's parts hang on, opened from the config's `[asic] i2c_bus`.

    /dev/i2c-1, i2c-1 or 1     the Linux i2c-dev device, through smbus2 (a real board)
    socket://127.0.0.1:PORT    a simulated board's parts (hw/sim/i2c), as pyserial's
                               `socket://` reaches a simulated UART

Both give an `smbus2.SMBus`-shaped object: the drivers in firmware/parts/ never know
which. Every transaction is bounded in time: i2c-dev fails a transfer the part does not
acknowledge at once (EREMOTEIO) and the kernel's adapter timeout bounds a stuck one;
the socket transport waits at most `timeout_s`. A failure is an `OSError`, as smbus2
raises it, with the errno the part or the link gave.

The socket transport is one JSON object per line each way, loopback only:
    -> {"op": "read_word_data", "args": [36, 139]}
    <- {"ok": 1150}        or   {"errno": 121, "error": "no answer at 0x24"}
`op` is an smbus2 method name of `SMBusLike` (close aside); `args` its positional
arguments.
"""

from __future__ import annotations

import errno
import json
import re
import socket
import threading
from typing import Any, Protocol

DEFAULT_TIMEOUT_S = 0.5
SOCKET_SCHEME = "socket://"
DEVICE = re.compile(r"^(?:/dev/)?(?:i2c-)?(?P<number>[0-9]{1,3})$")
HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})$")


class SMBusLike(Protocol):
    """What the parts' drivers call: the smbus2.SMBus method names and arguments."""

    def read_byte(self, i2c_addr: int) -> int: ...
    def write_byte(self, i2c_addr: int, value: int) -> None: ...
    def read_byte_data(self, i2c_addr: int, register: int) -> int: ...
    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None: ...
    def read_word_data(self, i2c_addr: int, register: int) -> int: ...
    def write_word_data(self, i2c_addr: int, register: int, value: int) -> None: ...
    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]: ...
    def write_i2c_block_data(self, i2c_addr: int, register: int, data: list[int]) -> None: ...
    def close(self) -> None: ...


class BusSpecError(ValueError):
    """An `i2c_bus` value that names no bus this module can open."""


def check_bus_spec(spec: str) -> str:
    """`spec` unchanged if it names a bus `open_bus` can open, else BusSpecError saying
    what is allowed. Opens nothing."""
    if spec.startswith(SOCKET_SCHEME):
        match = HOST_PORT.fullmatch(spec[len(SOCKET_SCHEME) :])
        if match is None or not 0 < int(match["port"]) < 65536:
            raise BusSpecError(f"{spec!r}: socket://HOST:PORT with a port 1..65535")
        return spec
    if DEVICE.fullmatch(spec) is None:
        raise BusSpecError(
            f"{spec!r}: an i2c-dev bus (/dev/i2c-1, i2c-1 or 1) or socket://HOST:PORT"
        )
    return spec


def open_bus(spec: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> SMBusLike:
    """Open the bus `spec` names; raises BusSpecError for a bad name, OSError when the
    bus is not there (no /dev/i2c-N: I2C not enabled; no simulator listening)."""
    check_bus_spec(spec)
    if spec.startswith(SOCKET_SCHEME):
        host, _, port = spec[len(SOCKET_SCHEME) :].rpartition(":")
        return SocketBus(host, int(port), timeout_s=timeout_s)
    import smbus2  # only on a device with i2c-dev

    match = DEVICE.fullmatch(spec)
    assert match is not None
    bus: SMBusLike = smbus2.SMBus(int(match["number"]))
    return bus


class SocketBus:
    """An SMBus-shaped client of a simulated board's parts over a loopback socket.
    Thread-safe: one transaction at a time (the rail's poll and a set may overlap)."""

    def __init__(self, host: str, port: int, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.address = (host, port)
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._connect()

    def _connect(self) -> None:
        try:
            self._sock = socket.create_connection(self.address, timeout=self.timeout_s)
        except OSError as exc:
            raise OSError(
                exc.errno or errno.ECONNREFUSED,
                f"no I2C simulator at socket://{self.address[0]}:{self.address[1]}: {exc}",
            ) from None
        self._buffer = b""

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def _call(self, op: str, *args: Any) -> Any:
        request = json.dumps({"op": op, "args": list(args)}).encode() + b"\n"
        with self._lock:
            if self._sock is None:
                self._connect()  # after a broken link: the next transaction reconnects
            assert self._sock is not None
            try:
                self._sock.sendall(request)
                line = self._read_line(self._sock)
            except OSError as exc:
                self._sock.close()
                self._sock = None
                code = errno.ETIMEDOUT if isinstance(exc, TimeoutError) else exc.errno
                raise OSError(code or errno.EIO, f"I2C link {op}: {exc or 'timed out'}") from None
        try:
            reply = json.loads(line)
        except ValueError:
            raise OSError(errno.EPROTO, f"I2C link {op}: unreadable reply {line!r}") from None
        if not isinstance(reply, dict):
            raise OSError(errno.EPROTO, f"I2C link {op}: unreadable reply {line!r}")
        if "errno" in reply:
            raise OSError(int(reply["errno"]), str(reply.get("error", "I2C error")))
        return reply.get("ok")

    def _read_line(self, sock: socket.socket) -> bytes:
        while b"\n" not in self._buffer:
            chunk = sock.recv(4096)
            if not chunk:
                raise OSError(errno.ECONNRESET, "the I2C simulator closed the link")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def read_byte(self, i2c_addr: int) -> int:
        return int(self._call("read_byte", i2c_addr))

    def write_byte(self, i2c_addr: int, value: int) -> None:
        self._call("write_byte", i2c_addr, value)

    def read_byte_data(self, i2c_addr: int, register: int) -> int:
        return int(self._call("read_byte_data", i2c_addr, register))

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None:
        self._call("write_byte_data", i2c_addr, register, value)

    def read_word_data(self, i2c_addr: int, register: int) -> int:
        return int(self._call("read_word_data", i2c_addr, register))

    def write_word_data(self, i2c_addr: int, register: int, value: int) -> None:
        self._call("write_word_data", i2c_addr, register, value)

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]:
        return [int(b) for b in self._call("read_i2c_block_data", i2c_addr, register, length)]

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: list[int]) -> None:
        self._call("write_i2c_block_data", i2c_addr, register, list(data))
