"""hearthd started from a slot on trial: it installs the slot's supervisor over the MCU's
console, proves itself healthy (daemon up, chain enumerated, supervisor answering) and
confirms the slot, or exits 3 so the bootloader restores the previous firmware.

Real parts: signed images installed by the real SlotStore, the chain simulator and the
MicroPython supervisor on ptys, the MicroPython unix port as the MCU behind the console,
and hearthd itself as a subprocess where the exit status matters.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.board import load_board
from firmware.config import UpdateConfig, parse_config
from firmware.daemon.daemon import HeaterDaemon
from firmware.daemon.main import EXIT_OK, EXIT_TRIAL_FAILED
from firmware.daemon.slot_start import SlotStart
from firmware.update.agent import load_trusted
from firmware.update.boot_slot import BOOT_SLOT_ENV, booted_slot
from firmware.update.image import verify_image
from firmware.update.slots import SlotStore
from firmware.update.supervisor_push import IMAGE_FOLDER, PushResult, read_supervisor_files
from firmware.update.supervisor_sync import RECORD_NAME, files_digest, sync_supervisor
from hw.sim.chain import ChainSimulator
from hw.sim.device import factory_install
from hw.sim.mpy_board import MicroPythonBoard
from tests.firmware.update.images import BOARD as IMAGE_BOARD
from tests.firmware.update.images import ImageKit
from tests.support.supervisor import sim  # noqa: F401 (fixture)
from tests.support.waiting import eventually

REPO = Path(__file__).resolve().parents[3]
HEATER_BOARD = "bitaxe-ultra"
UNREACHABLE_POOL = "stratum+tcp://127.0.0.1:9"
# factory_install puts the first image in slot b (a fresh store's inactive slot).
OLD, NEW = "b", "a"


def trial_root(tmp_path: Path, *, crashing_supervisor: bool = False) -> Path:
    """An update root as after a flash: 1.0.0 confirmed in slot OLD, 1.1.0 installed in
    slot NEW and on trial, and the bootloader has just started NEW (its one trial start)."""
    key = Ed25519PrivateKey.generate()
    kit = ImageKit(key, tmp_path / "images")
    root = tmp_path / "update"
    assert (
        factory_install(root, kit.build("1.0.0", minimal=True), [key.public_key()], IMAGE_BOARD)
        == OLD
    )
    new = kit.build("1.1.0", minimal=True, crashing_supervisor=crashing_supervisor)
    store = SlotStore(root)
    assert store.install(verify_image(new, load_trusted(root), board=IMAGE_BOARD)) == NEW
    assert store.boot() == NEW
    return root


def slot_supervisor(root: Path, slot: str) -> dict[str, bytes]:
    return read_supervisor_files(root / "slots" / slot / IMAGE_FOLDER)


def flash_files(board: MicroPythonBoard) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in board.flash_dir.iterdir() if p.is_file()}


def config_data(tmp_path: Path, root: Path, **tables: dict[str, object]) -> dict[str, object]:
    data: dict[str, object] = {
        "device": {"id": "trial", "board": HEATER_BOARD, "state_dir": str(tmp_path / "state")},
        "pool": [{"url": UNREACHABLE_POOL, "user": "bc1qtest.trial"}],
        "mqtt": {"broker": "embedded", "embedded_port": 0},
        "http": {"port": 0},
        "update": {"root": str(root), "confirm_timeout_s": 60.0},
    }
    for name, values in tables.items():
        merged = dict(data.get(name, {}))  # type: ignore[call-overload]
        merged.update(values)
        data[name] = merged
    return data


# ---- the slot's supervisor -------------------------------------------------------------


def test_supervisor_sync_pushes_only_what_the_mcu_does_not_run(tmp_path):
    root = trial_root(tmp_path)
    pushed: list[dict[str, bytes]] = []

    def pusher(console, files):
        pushed.append(dict(files))
        return PushResult(ok=True)

    first = sync_supervisor(root, NEW, "console", pusher=pusher)
    again = sync_supervisor(root, NEW, "console", pusher=pusher)
    assert first.ok and first.pushed and pushed == [slot_supervisor(root, NEW)]
    assert again.ok and not again.pushed and len(pushed) == 1
    assert json.loads((root / RECORD_NAME).read_bytes())["digest"] == first.digest
    # The other slot's supervisor differs (limits.mpy names its version): pushed.
    back = sync_supervisor(root, OLD, "console", pusher=pusher)
    assert back.pushed and pushed[-1] == slot_supervisor(root, OLD)
    assert files_digest(slot_supervisor(root, OLD)) != files_digest(slot_supervisor(root, NEW))


def test_a_failed_push_is_not_recorded_so_the_next_start_tries_again(tmp_path):
    root = trial_root(tmp_path)
    failed = sync_supervisor(
        root, NEW, "c", pusher=lambda c, f: PushResult(ok=False, error="no", code="no-board")
    )
    assert not failed.ok and failed.code == "no-board"
    assert not (root / RECORD_NAME).exists()


def test_booted_slot_from_the_boot_chain_or_from_where_the_code_runs(tmp_path):
    root = tmp_path / "update"
    code = root / "slots" / "b" / "controller" / "firmware" / "__init__.py"
    assert booted_slot(root, env={BOOT_SLOT_ENV: "a"}, package_file=str(code)) == "a"
    assert booted_slot(root, env={BOOT_SLOT_ENV: "c"}, package_file=str(code)) is None
    assert booted_slot(root, env={}, package_file=str(code)) == "b"
    assert booted_slot(root, env={}, package_file=str(REPO / "firmware/__init__.py")) is None
    # The update root reached through a symlink still names the slot.
    link = tmp_path / "link"
    link.symlink_to(root, target_is_directory=True)
    code.parent.mkdir(parents=True)
    code.write_text("")
    assert booted_slot(link, env={}, package_file=str(code)) == "b"
    assert SlotStart(UpdateConfig(root=None)).slot is None


# ---- the health checks, in process -------------------------------------------------------


@pytest.fixture
def chain() -> Iterator[ChainSimulator]:
    simulator = ChainSimulator(load_board(HEATER_BOARD), share_bits=16)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


def test_a_healthy_trial_start_confirms_its_slot(tmp_path, monkeypatch, chain, sim):  # noqa: F811
    root = trial_root(tmp_path)
    monkeypatch.setenv(BOOT_SLOT_ENV, NEW)
    config = parse_config(
        config_data(
            tmp_path,
            root,
            asic={"port": chain.port, "ticket_difficulty": chain.ticket_difficulty},
            supervisor={"port": sim.port},
        )
    )

    async def scenario() -> None:
        daemon = HeaterDaemon(config)
        assert daemon.slot_start.slot == NEW and daemon.slot_start.on_trial
        assert [name for name, _ in daemon.health_checks()] == [
            "daemon up",
            "chain enumerated",
            "supervisor answering",
        ]
        await daemon.start()
        try:
            deadline = time.monotonic() + 30
            while SlotStore(root).state().active != NEW and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            state = SlotStore(root).state()
            assert (state.active, state.trial) == (NEW, None), daemon.slot_start.failing
            assert state.floor == "0.0.0"
            await eventually(lambda: daemon.slot_start.confirmed, what="the slot confirmed")
            assert not daemon.trial_failed.is_set()
            assert "update_trial" not in daemon.alarms and "update_unhealthy" not in daemon.alarms
            assert daemon.backend is not None and daemon.backend.stats().kind == "asic"
        finally:
            await daemon.stop()

    asyncio.run(scenario())


def test_a_trial_without_its_chain_is_not_confirmed_and_rolls_back(tmp_path, monkeypatch):
    root = trial_root(tmp_path)
    monkeypatch.setenv(BOOT_SLOT_ENV, NEW)
    # A hashboard that does not answer: the daemon falls back to the CPU and keeps heating
    # the room, but the new firmware has not shown that it drives the chain.
    controller, silent = os.openpty()
    config = parse_config(
        config_data(
            tmp_path, root, asic={"port": os.ttyname(silent)}, update={"confirm_timeout_s": 5.0}
        )
    )

    async def scenario() -> list[str]:
        daemon = HeaterDaemon(config)
        await daemon.start()
        try:
            assert "update_trial" in daemon.alarms
            await asyncio.wait_for(daemon.trial_failed.wait(), timeout=30)
            assert "update_unhealthy" in daemon.alarms
            return daemon.slot_start.failing
        finally:
            await daemon.stop()

    try:
        failing = asyncio.run(scenario())
    finally:
        os.close(controller)
        os.close(silent)
    assert failing == ["chain enumerated"]
    store = SlotStore(root)
    assert (store.state().active, store.state().trial) == (OLD, NEW)
    assert store.boot() == OLD  # the next power-on: the old firmware, the trial dropped
    assert store.state().trial is None


# ---- hearthd as the device runs it: the supervisor over the console ------------------------


def run_hearthd(tmp_path: Path, data: dict[str, object], slot: str, name: str):
    import tomli_w

    config = tmp_path / f"{name}.toml"
    config.write_text(tomli_w.dumps(data))
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed by the caller)
    process = subprocess.Popen(
        [sys.executable, "-m", "firmware.daemon.main", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, **{BOOT_SLOT_ENV: slot}),
        cwd=REPO,
    )
    return process, log


def wait_for(condition, timeout_s: float, what: str, log_path: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not within {timeout_s} s; log:\n{log_path.read_text()[-4000:]}")


def stop(process: subprocess.Popen[bytes], log) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    finally:
        log.close()


def test_hearthd_on_trial_installs_its_supervisor_then_confirms(tmp_path):
    root = trial_root(tmp_path)
    flash = tmp_path / "flash"
    flash.mkdir()
    for name, data in slot_supervisor(root, OLD).items():
        (flash / name).write_bytes(data)
    with MicroPythonBoard(flash) as board:
        data = config_data(tmp_path, root, update={"supervisor_console": board.port})
        process, log = run_hearthd(tmp_path, data, NEW, "trial")
        try:
            wait_for(
                lambda: SlotStore(root).state().active == NEW or process.poll() is not None,
                90,
                "confirm",
                tmp_path / "trial.log",
            )
            assert SlotStore(root).state().active == NEW, (tmp_path / "trial.log").read_text()
            assert flash_files(board) == slot_supervisor(root, NEW)
            record = json.loads((root / RECORD_NAME).read_bytes())
            assert record["digest"] == files_digest(slot_supervisor(root, NEW))
        finally:
            code = stop(process, log)
    assert code == EXIT_OK


def test_a_crashing_new_supervisor_fails_the_trial_and_the_rollback_restores_the_old_one(
    tmp_path,
):
    root = trial_root(tmp_path, crashing_supervisor=True)
    old = slot_supervisor(root, OLD)
    flash = tmp_path / "flash"
    flash.mkdir()
    for name, data in old.items():
        (flash / name).write_bytes(data)
    with MicroPythonBoard(flash) as board:
        data = config_data(tmp_path, root, update={"supervisor_console": board.port})
        process, log = run_hearthd(tmp_path, data, NEW, "trial")
        try:
            code = process.wait(timeout=90)
        finally:
            stop(process, log)
        trial_log = (tmp_path / "trial.log").read_text()
        assert code == EXIT_TRIAL_FAILED, trial_log
        assert "(crashed)" in trial_log and "supervisor could not be installed" in trial_log
        store = SlotStore(root)
        assert store.state().active == OLD
        # The new supervisor's files are on the MCU (they crashed there): the device
        # restarts, the bootloader drops the trial, and the old firmware starts.
        assert flash_files(board) == slot_supervisor(root, NEW)
        assert store.boot() == OLD
        process, log = run_hearthd(tmp_path, data, OLD, "rollback")
        try:
            wait_for(
                lambda: flash_files(board) == old and (root / RECORD_NAME).exists(),
                90,
                "the old supervisor back",
                tmp_path / "rollback.log",
            )
            record = json.loads((root / RECORD_NAME).read_bytes())
            assert record["digest"] == files_digest(old) and record["slot"] == OLD
            assert process.poll() is None  # the confirmed old firmware keeps running
        finally:
            code = stop(process, log)
        assert code == EXIT_OK
        assert SlotStore(root).state().active == OLD


def test_hearthd_imports_without_the_micropython_extra(tmp_path):
    """A plain `pip install .` has no mpremote: hearthd must still start; only a
    configured supervisor push needs it, and then says what to install."""
    probe = """
import asyncio, sys
sys.modules["mpremote"] = None  # as if the micropython extra were not installed
from firmware.config import UpdateConfig
import firmware.daemon.main  # the whole chain hearthd imports
from firmware.daemon.slot_start import SlotStart
assert not any(m.startswith("firmware.update.supervisor_") for m in sys.modules), sorted(
    m for m in sys.modules if m.startswith("firmware.update"))
start = SlotStart(UpdateConfig(root=None))
assert asyncio.run(start.install_supervisor()) is None  # nothing to push: no mpremote needed
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
