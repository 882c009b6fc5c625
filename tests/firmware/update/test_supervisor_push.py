"""The update agent's supervisor push (firmware.update.supervisor_push) against the real
MicroPython unix port on a pty running a supervisor, as the MCU behind the internal line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.update.supervisor_push import (
    TEMP_SUFFIX,
    FileProgress,
    SupervisorFlashError,
    check_names,
    push_supervisor,
    read_supervisor_files,
    sha256_hex,
    stale_twins,
    supervisor_files,
)
from host.image.build import compile_supervisor
from hw.sim.mpy_board import MicroPythonBoard

REPO = Path(__file__).resolve().parents[3]
SUPERVISOR = REPO / "firmware" / "supervisor"
POWER_PIN = 22  # hw/sim/supervisor/sim.py: the board's hashboard power enable

# The running (old) supervisor: the real modules, with a main loop that has the hashboard
# powered, as in service, and drops power on the way out like firmware/supervisor/main.py.
POWERED_MAIN = b"""import time
from machine import WDT, Pin
power = Pin(22, Pin.OUT, value=0)
watchdog = WDT(timeout=1000)
power.value(1)
try:
    while True:
        watchdog.feed()
        time.sleep_ms(20)
finally:
    power.value(0)
"""


@pytest.fixture(scope="module")
def new_image_files() -> dict[str, bytes]:
    """A slot's files as the update agent holds them: the compiled supervisor under
    `supervisor/`, beside controller files that must not go to the MCU."""
    compiled = compile_supervisor(SUPERVISOR, "armv6m")
    files = {f"supervisor/{name}": data for name, data in compiled.items()}
    files["firmware/daemon/__init__.py"] = b""
    return files


@pytest.fixture
def board(tmp_path: Path) -> Iterator[MicroPythonBoard]:
    flash = tmp_path / "flash"
    flash.mkdir()
    for name, data in read_supervisor_files(SUPERVISOR).items():
        (flash / name).write_bytes(data)
    (flash / "main.py").write_bytes(POWERED_MAIN)
    with MicroPythonBoard(flash) as running:
        yield running


def flash_contents(board: MicroPythonBoard) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in board.flash_dir.iterdir() if path.is_file()}


def power_levels(board: MicroPythonBoard) -> list[int]:
    return [level for pin, level in board.pin_events() if pin == POWER_PIN]


def test_push_installs_the_compiled_supervisor_with_power_off_throughout(
    board: MicroPythonBoard, new_image_files: dict[str, bytes]
) -> None:
    levels_while_writing: list[list[int]] = []

    def watch(step: FileProgress) -> None:
        levels_while_writing.append(power_levels(board))

    result = push_supervisor(board.port, supervisor_files(new_image_files), progress=watch)
    assert result.ok, result.error
    assert result.rebooted
    expected = supervisor_files(new_image_files)
    assert flash_contents(board) == expected  # the old .py twins of the .mpy modules are gone
    assert [item.sha256 for item in result.files] == [sha256_hex(d) for d in expected.values()]
    # The old supervisor had the hashboard powered; it was off before the first byte went out
    # and stayed off at every step of the install.
    assert levels_while_writing[0][:2] == [0, 1]
    assert all(levels[-1] == 0 for levels in levels_while_writing)
    assert all(levels.count(1) == 1 for levels in levels_while_writing)
    assert board.boots == 2 and board.running_main  # the new supervisor runs
    assert board.watchdog_resets == 0


def test_a_failed_push_leaves_the_old_supervisor_running(
    board: MicroPythonBoard, new_image_files: dict[str, bytes]
) -> None:
    before = flash_contents(board)
    files = supervisor_files(new_image_files)
    board.corrupt_write("supervisor.mpy" + TEMP_SUFFIX, len(files["supervisor.mpy"]), times=2)
    result = push_supervisor(board.port, files)
    assert not result.ok
    assert result.code == "hash-mismatch" and "supervisor.mpy" in result.error
    assert flash_contents(board) == before  # not one file renamed, no temporaries left
    assert board.boots == 2 and board.running_main
    assert power_levels(board)[-1] == 1  # the old supervisor is back in charge of the power


def test_push_to_a_missing_port_reports_it() -> None:
    result = push_supervisor("/dev/hearth-no-such-port", {"main.py": b"pass\n"})
    assert not result.ok and result.code == "no-board"


def test_only_supervisor_files_of_a_slot_are_pushed(new_image_files: dict[str, bytes]) -> None:
    files = supervisor_files(new_image_files)
    assert "main.py" in files and "board.mpy" in files
    assert not any(name.startswith(("firmware/", "supervisor/")) for name in files)


@pytest.mark.parametrize("name", ["/main.py", "../main.py", "lib//x.py", "main.py.new", "./a"])
def test_unsafe_file_names_are_refused(name: str) -> None:
    with pytest.raises(SupervisorFlashError) as refused:
        check_names({name: b""})
    assert refused.value.code == "bad-name"


@given(
    st.from_regex(r"[a-z_]{1,12}(/[a-z_]{1,12}){0,2}", fullmatch=True),
    st.sampled_from([".py", ".mpy"]),
)
def test_a_module_replaces_its_other_suffix_twin(stem: str, suffix: str) -> None:
    other = ".mpy" if suffix == ".py" else ".py"
    assert stale_twins(stem + suffix) == [stem + other]
    check_names({stem + suffix: b""})  # every such name is accepted


def test_other_files_have_no_twins() -> None:
    assert stale_twins("wiring.json") == []
