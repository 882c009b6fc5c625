"""The host end of the update link: request/response over the framed protocol."""

from __future__ import annotations

import time
from typing import Protocol

import serial
from serial.tools import list_ports

from firmware.update.protocol import Deframer, Kind, Packet, encode, encode_json

# A frame (at most 64 kB) goes out in under a second at 921600 baud; a write blocked this
# long means the device stopped reading.
WRITE_TIMEOUT_S = 5.0
STOPPED = "the device stopped answering; run again with --resume"


class FlashError(RuntimeError):
    """Something the user must be told; `code` is the device's reason when it refused."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class Port(Protocol):
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes) -> int | None: ...
    @property
    def in_waiting(self) -> int: ...


def usb_serial_ports() -> list[str]:
    """USB serial ports present (a heater's USB gadget, a USB-UART adapter). Built-in
    UARTs (/dev/ttyS*, which Linux lists whether or not anything is wired to them) and
    other non-USB ports are left out: they are never the heater."""
    return sorted(p.device for p in list_ports.comports() if p.vid is not None)


def find_port(explicit: str | None) -> str:
    """The port to use: the one given, or the only USB serial port present."""
    if explicit:
        return explicit
    ports = usb_serial_ports()
    if len(ports) == 1:
        return ports[0]
    if not ports:
        raise FlashError("no USB serial port found: plug the heater in by USB, or give --port")
    raise FlashError(f"several USB serial ports found ({', '.join(ports)}): choose one with --port")


def open_port(url: str) -> serial.Serial:
    try:
        # serial_for_url gives a Serial for device paths and ptys, and a same-faced
        # class for socket:// and loop:// URLs.
        port: serial.Serial = serial.serial_for_url(
            url, baudrate=921600, timeout=0.05, write_timeout=WRITE_TIMEOUT_S
        )
    except (serial.SerialException, OSError) as exc:
        raise FlashError(f"cannot open {url}: {exc}") from None
    return port


class UpdateLink:
    def __init__(self, port: Port, *, timeout_s: float = 5.0, retries: int = 3) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self.retries = retries
        self.deframer = Deframer()
        self._seq = 0
        self._pending: list[Packet] = []

    def next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    def send(self, frame: bytes) -> None:
        try:
            self.port.write(frame)
        except serial.SerialTimeoutException:
            # A device that stopped reading: its input buffer is full and ours with it.
            raise FlashError(STOPPED) from None

    def poll(self, wait_s: float) -> list[Packet]:
        """Packets that arrived within `wait_s` (returns as soon as any have)."""
        deadline = time.monotonic() + wait_s
        while True:
            if self._pending:
                packets, self._pending = self._pending, []
                return packets
            data = self.port.read(self.port.in_waiting or 1)
            if data:
                self._pending.extend(self.deframer.feed(data))
            elif time.monotonic() >= deadline:
                return []

    def request(self, kind: Kind, body: dict[str, object]) -> dict[str, object]:
        """Send a control request and wait for its answer, resending on silence."""
        for _attempt in range(self.retries):
            seq = self.next_seq()
            self.send(encode_json(kind, seq, body))
            deadline = time.monotonic() + self.timeout_s
            while time.monotonic() < deadline:
                for packet in self.poll(deadline - time.monotonic()):
                    if packet.seq != seq or packet.kind is Kind.ACK:
                        continue
                    answer = packet.json()
                    if packet.kind is Kind.ERROR:
                        code = str(answer.get("code", "error"))
                        raise FlashError(str(answer.get("message", "device refused")), code)
                    return answer
        raise FlashError(f"the device did not answer {kind.name} (is the update agent running?)")

    def send_data(self, payload: bytes) -> None:
        self.send(encode(Kind.DATA, self.next_seq(), payload))
