"""`hearth flash supervisor` against the real MicroPython unix port on a pty (hw/sim/mpy_board):
files written over the raw REPL, verified by SHA-256 on the board, the board reset."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.update.supervisor_push import (
    BoardSession,
    SupervisorFlashError,
    install_supervisor,
    read_supervisor_files,
)
from host.cli import main
from hw.sim.mpy_board import MicroPythonBoard
from tests.firmware.update.images import ImageKit
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[3]
SUPERVISOR = REPO / "firmware" / "supervisor"

# The supervisor already on the board: it runs the MCU's watchdog (which nothing can stop)
# and loops until interrupted, like the real one.
OLD_MAIN = b"""import time
from machine import WDT
watchdog = WDT(timeout=1000)
while True:
    watchdog.feed()
    time.sleep_ms(20)
"""
OLD_FILES = {"main.py": OLD_MAIN, "board.py": b"OLD = True\n"}


@pytest.fixture
def board(tmp_path: Path) -> Iterator[MicroPythonBoard]:
    flash = tmp_path / "flash"
    flash.mkdir()
    for name, data in OLD_FILES.items():
        (flash / name).write_bytes(data)
    with MicroPythonBoard(flash) as running:
        yield running


def flash_contents(board: MicroPythonBoard) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in board.flash_dir.iterdir() if path.is_file()}


def test_installs_the_supervisor_verified_and_restarts_the_board(
    board: MicroPythonBoard, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["flash", "supervisor", "--port", board.port]) == 0
    out = capsys.readouterr().out
    expected = read_supervisor_files(SUPERVISOR)
    assert flash_contents(board) == expected  # board.py replaced, no temporary files left
    assert out.count("SHA-256 verified on the board") == len(expected)
    assert "supervisor installed and running" in out
    assert board.boots == 2  # reset once, and the new main.py is what runs now
    assert board.running_main
    assert board.watchdog_resets == 0


def test_a_file_corrupted_on_the_board_is_caught_and_rewritten(
    board: MicroPythonBoard, capsys: pytest.CaptureFixture[str]
) -> None:
    files = read_supervisor_files(SUPERVISOR)
    board.corrupt_write("supervisor.py.new", len(files["supervisor.py"]))
    assert main(["flash", "supervisor", "--port", board.port]) == 0
    out = capsys.readouterr().out
    assert board.corruptions == 1
    assert "supervisor.py (" in out and "writing it again" in out
    assert "1 rewritten after a bad hash" in out
    assert flash_contents(board) == files


def test_a_file_that_stays_corrupt_is_refused_and_the_old_supervisor_kept(
    board: MicroPythonBoard, capsys: pytest.CaptureFixture[str]
) -> None:
    files = read_supervisor_files(SUPERVISOR)
    board.corrupt_write("link.py.new", len(files["link.py"]), times=2)
    assert main(["flash", "supervisor", "--port", board.port]) == 1
    out = capsys.readouterr().out
    assert board.corruptions == 2
    assert "REFUSED (hash-mismatch)" in out and "link.py" in out
    assert flash_contents(board) == OLD_FILES  # nothing renamed, temporaries removed
    assert board.boots == 2 and board.running_main  # reset back into the old supervisor


def test_the_watchdog_is_fed_while_the_supervisor_is_stopped(board: MicroPythonBoard) -> None:
    session = BoardSession.open(board.port)
    try:
        session.interrupt_and_enter()
        session.free_bytes()
        time.sleep(1.5)  # longer than the old supervisor's watchdog timeout
        assert session.free_bytes() > 0
    finally:
        session.close()
    assert board.watchdog_resets == 0


def test_an_unfed_watchdog_would_reset_the_board_mid_flash(board: MicroPythonBoard) -> None:
    session = BoardSession.open(board.port, watchdog_ms=None)
    try:
        session.interrupt_and_enter()
        # Nobody feeds it: the old supervisor's watchdog resets the board.
        wait_until(lambda: board.watchdog_resets == 1, 20.0, "the watchdog reset")
        wait_until(lambda: board.boots == 2, 20.0, "the board booted again")
    finally:
        session.close()
    assert board.watchdog_resets == 1


def test_a_board_without_room_gets_nothing(board: MicroPythonBoard) -> None:
    class CrampedSession(BoardSession):
        def free_bytes(self) -> int:
            return 10_000  # what the real board reported is replaced by a nearly full flash

    session = CrampedSession(BoardSession.open(board.port)._transport)
    try:
        with pytest.raises(SupervisorFlashError) as refused:
            install_supervisor(session, read_supervisor_files(SUPERVISOR))
    finally:
        session.close()
    assert refused.value.code == "no-space"
    assert flash_contents(board) == OLD_FILES
    assert board.running_main


def test_the_real_board_reports_its_free_space(board: MicroPythonBoard) -> None:
    session = BoardSession.open(board.port)
    try:
        session.interrupt_and_enter()
        free = session.free_bytes()
        statvfs = os.statvfs(board.flash_dir)
        # the same filesystem, measured a moment apart while other processes write to it
        assert abs(free - statvfs.f_frsize * statvfs.f_bavail) < 64 << 20
        session.soft_reset()
    finally:
        session.close()


def test_a_supervisor_that_crashes_after_the_reset_is_reported(
    board: MicroPythonBoard, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "broken"
    source.mkdir()
    (source / "main.py").write_bytes(b"import missing_module\n")
    assert main(["flash", "supervisor", "--port", board.port, "--source", str(source)]) == 1
    out = capsys.readouterr().out
    assert "REFUSED (crashed)" in out and "missing_module" in out
    assert "did not start cleanly" in out


def test_no_board_answering_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    master, slave = os.openpty()  # a serial port with nothing behind it
    try:
        started = time.monotonic()
        assert main(["flash", "supervisor", "--port", os.ttyname(slave)]) == 1
        assert time.monotonic() - started < 30
    finally:
        os.close(master)
        os.close(slave)
    out = capsys.readouterr().out
    assert "REFUSED (no-board)" in out and "Nothing was written" in out


def test_the_compiled_files_of_a_signed_image_can_be_flashed(
    board: MicroPythonBoard, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kit = ImageKit(Ed25519PrivateKey.generate(), tmp_path / "images")
    image = tmp_path / "hearth-2.0.0.img"
    image.write_bytes(kit.build("2.0.0", minimal=True))
    assert main(["flash", "supervisor", "--port", board.port, "--image", str(image)]) == 0
    contents = flash_contents(board)
    assert contents["main.py"] == b"import limits\n"  # entry file as source
    assert contents["limits.mpy"].startswith(b"M")  # the rest compiled by mpy-cross
    assert contents["board.py"] == OLD_FILES["board.py"]  # not part of this image: untouched
    assert board.boots == 2  # reset, and its main.py imported limits.mpy without a traceback


def test_a_tampered_image_flashes_nothing(
    board: MicroPythonBoard, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kit = ImageKit(Ed25519PrivateKey.generate(), tmp_path / "images")
    signed = bytearray(kit.build("2.0.0", minimal=True))
    signed[len(signed) // 3] ^= 0x01
    image = tmp_path / "tampered.img"
    image.write_bytes(bytes(signed))
    assert main(["flash", "supervisor", "--port", board.port, "--image", str(image)]) == 1
    assert "not a valid image" in capsys.readouterr().out
    assert flash_contents(board) == OLD_FILES
    assert board.boots == 1
