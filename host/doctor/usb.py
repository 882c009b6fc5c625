"""USB-serial adapters present, by VID:PID, and whether `[asic] port = "usb:..."` finds one."""

from __future__ import annotations

from firmware.parts.usb_serial import (
    UsbPort,
    UsbPortError,
    is_usb_spec,
    resolve_usb_port,
    usb_ports,
)
from host.doctor.finding import INFO, OK, PROBLEM, Finding


def check_usb(port: str, ports: list[UsbPort] | None = None) -> tuple[list[Finding], str]:
    """Findings, and the port to probe (the device a usb: spec resolves to, else `port`)."""
    present = usb_ports() if ports is None else ports
    findings = [
        Finding(
            "usb",
            INFO,
            f"USB-serial {p.device}: {p.ids} {p.description} {p.serial_number}".rstrip(),
        )
        for p in present
    ]
    if not is_usb_spec(port):
        return findings, port
    try:
        device = resolve_usb_port(port, present)
    except UsbPortError as exc:
        return [*findings, Finding("usb", PROBLEM, str(exc))], ""
    return [*findings, Finding("usb", OK, f"{port} is {device}")], device
