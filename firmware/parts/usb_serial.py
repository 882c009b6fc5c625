"""A hashboard UART behind a USB-serial adapter, found by its USB ids rather than by a
/dev/ttyUSBn name that changes with plug order: `[asic] port = "usb:VID:PID"` (hex, as
`lsusb` prints them), optionally `usb:VID:PID:SERIAL` when two identical adapters are
plugged in. Ports are listed with pyserial's `serial.tools.list_ports`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from serial.tools import list_ports

USB_PORT = re.compile(
    r"^usb:(?P<vid>[0-9A-Fa-f]{4}):(?P<pid>[0-9A-Fa-f]{4})(?::(?P<serial>[^:\s]+))?$"
)


class UsbPortError(RuntimeError):
    """No port, or more than one, matches the USB ids; the message lists what is there."""


@dataclass(frozen=True)
class UsbPort:
    device: str  # /dev/ttyUSB0, /dev/ttyACM0
    vid: int
    pid: int
    serial_number: str
    description: str

    @property
    def ids(self) -> str:
        return f"{self.vid:04x}:{self.pid:04x}"


def usb_ports() -> list[UsbPort]:
    """Serial ports on USB (built-in UARTs carry no USB ids and are left out)."""
    return sorted(
        (
            UsbPort(p.device, p.vid, p.pid or 0, p.serial_number or "", p.description or "")
            for p in list_ports.comports()
            if p.vid is not None
        ),
        key=lambda port: port.device,
    )


def is_usb_spec(port: str) -> bool:
    return port.startswith("usb:")


def resolve_usb_port(spec: str, ports: list[UsbPort] | None = None) -> str:
    """The device path of the one USB-serial port `spec` (usb:VID:PID[:SERIAL]) names."""
    match = USB_PORT.fullmatch(spec)
    if match is None:
        raise UsbPortError(f"{spec!r}: usb:VID:PID or usb:VID:PID:SERIAL with 4-digit hex ids")
    vid, pid, serial = int(match["vid"], 16), int(match["pid"], 16), match["serial"]
    present = usb_ports() if ports is None else ports
    found = [
        p
        for p in present
        if p.vid == vid and p.pid == pid and (serial is None or p.serial_number == serial)
    ]
    if len(found) == 1:
        return found[0].device
    listing = ", ".join(f"{p.device} ({p.ids} {p.serial_number})".strip() for p in present)
    if not found:
        raise UsbPortError(
            f"no USB-serial port {spec[4:]} plugged in; present: {listing or 'none'}"
        )
    raise UsbPortError(
        f"{len(found)} USB-serial ports match {spec[4:]} ({listing}): add the adapter's "
        "serial number, usb:VID:PID:SERIAL"
    )
