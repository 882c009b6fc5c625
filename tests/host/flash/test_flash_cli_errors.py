"""`hearth flash device` / `hearth provision`: which port is "the heater's", and a clear
one-line error, never a traceback, for a missing file, a missing port and a lost one."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from serial.tools.list_ports_common import ListPortInfo

from host.cli import main
from host.flash.link import FlashError, find_port


def port_info(device: str, usb: bool) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    if usb:
        info.vid, info.pid = 0x1D6B, 0x0104  # a Linux USB gadget (the heater's CDC-ACM)
    return info


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ListPortInfo]]:
    """What pyserial's list_ports reports on this pretend machine."""
    present: list[ListPortInfo] = []
    monkeypatch.setattr("host.flash.link.list_ports.comports", lambda: list(present))
    yield present


def test_builtin_uarts_are_never_taken_for_the_heater(ports: list[ListPortInfo]) -> None:
    # Linux lists /dev/ttyS0..3 on most PCs whether or not anything is wired to them.
    ports += [port_info(f"/dev/ttyS{i}", usb=False) for i in range(4)]
    with pytest.raises(FlashError, match="no USB serial port found"):
        find_port(None)
    ports.append(port_info("/dev/ttyACM0", usb=True))
    assert find_port(None) == "/dev/ttyACM0"
    ports.append(port_info("/dev/ttyUSB0", usb=True))
    with pytest.raises(
        FlashError, match=r"several USB serial ports found \(/dev/ttyACM0, /dev/ttyUSB0\)"
    ):
        find_port(None)
    assert find_port("/dev/ttyUSB0") == "/dev/ttyUSB0"  # --port always wins


@pytest.mark.parametrize(
    ("present", "message"),
    [
        (0, "no USB serial port found: plug the heater in by USB, or give --port"),
        (2, "several USB serial ports found (/dev/ttyACM0, /dev/ttyACM1): choose one with --port"),
    ],
)
def test_flash_and_provision_without_port(
    ports: list[ListPortInfo],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    present: int,
    message: str,
) -> None:
    ports += [port_info("/dev/ttyS0", usb=False)]
    ports += [port_info(f"/dev/ttyACM{i}", usb=True) for i in range(present)]
    image = tmp_path / "fw.img.signed"
    image.write_bytes(b"\0" * 64)
    assert main(["flash", "device", str(image)]) == 1
    out = capsys.readouterr().out
    assert f"hearth flash: {message}" in out and "Traceback" not in out
    assert main(["provision", "--device-name", "x"]) == 1
    assert f"hearth provision: {message}" in capsys.readouterr().out


def test_flash_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.img"
    assert main(["flash", "device", str(missing), "--port", "/dev/ttyACM9"]) == 1
    assert capsys.readouterr().out == (
        f"hearth flash: cannot read {missing}: No such file or directory\n"
    )
    image = tmp_path / "fw.img.signed"
    image.write_bytes(b"\0" * 64)
    assert main(["flash", "device", str(image), "--port", str(tmp_path / "ttyNOPE")]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"hearth flash: cannot open {tmp_path / 'ttyNOPE'}")
    assert "The running firmware was not changed." in out
    assert main(["flash", "supervisor", "--port", "/dev/ttyACM0", "--image", str(missing)]) == 1
    assert f"cannot read {missing}" in capsys.readouterr().out


def test_a_heater_unplugged_mid_way_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    image = tmp_path / "fw.img.signed"
    image.write_bytes(b"\0" * 64)

    def unplug() -> None:
        os.read(master, 256)  # the HELLO arrives: pull the cable
        os.close(master)

    thread = threading.Thread(target=unplug)
    thread.start()
    try:
        assert main(["flash", "device", str(image), "--port", path]) == 1
    finally:
        thread.join()
        os.close(slave)
    out = capsys.readouterr().out
    assert "hearth flash: lost the connection to the heater" in out
    assert "run again with --resume" in out
