"""The chain simulator on its own, spoken to with raw frames over its pty."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import serial

from firmware.board import load_board
from hw.sim.chain import ChainSimulator
from hw.sim.chain.simulator import BAUD_GRACE_S
from hw.sim.chain.wire import crc5_bytes, crc16_false
from tests.support.waiting import wait_until

# Raw host frames (docs/bm13xx.md, "Command vectors"), written out so these tests need no
# firmware encoder.
READ_CHIP_ID = bytes.fromhex("55 AA 52 05 00 00 0A")
CHAIN_INACTIVE = bytes.fromhex("55 AA 53 05 00 00 03")
FAST_UART = bytes.fromhex("55 AA 51 09 00 28 11 30 02 00 03")


def read_register(register: int) -> bytes:
    body = bytes((0x52, 0x05, 0x00, register))
    return b"\x55\xaa" + body + bytes((crc5_bytes(body),))


def write_register(register: int, value: int) -> bytes:
    body = bytes((0x51, 0x09, 0x00, register)) + value.to_bytes(4, "big")
    return b"\x55\xaa" + body + bytes((crc5_bytes(body),))


def set_address(address: int) -> bytes:
    body = bytes((0x40, 0x05, address, 0x00))
    return b"\x55\xaa" + body + bytes((crc5_bytes(body),))


def answers_to(frame: bytes, register: int) -> bool:
    """An 11-byte register response (flag bit clear) for a read of `register`."""
    return not frame[10] & 0x80 and frame[7] == register


def responses(
    port: serial.Serial, length: int, count: int, register: int, timeout_s: float = 10.0
) -> list[bytes]:
    """Every frame read until `count` answers to a read of `register` have arrived."""
    deadline = time.monotonic() + timeout_s
    data, frames = b"", []
    while sum(answers_to(f, register) for f in frames) < count:
        assert time.monotonic() < deadline, f"{count} answers to 0x{register:02X}: got {frames}"
        data += port.read(max(1, port.in_waiting))  # the port's timeout bounds each read
        while b"\xaa\x55" in data and len(data) - data.index(b"\xaa\x55") >= length:
            start = data.index(b"\xaa\x55")
            frames.append(data[start : start + length])
            data = data[start + length :]
    return frames


class FrozenClock:
    """The simulator's clock, moved only by the test: counters and the baud grace period
    then depend on no scheduling."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counters(frames: list[bytes]) -> dict[int, int]:
    """Register 0x8C answers (not nonces, which the job also produces) by chip address."""
    return {
        f[6]: int.from_bytes(f[2:6], "big") for f in frames if not f[10] & 0x80 and f[7] == 0x8C
    }


@pytest.fixture
def gamma4():
    sim = ChainSimulator(load_board("bitaxe-gamma"), chips=4, seed=3)
    port = serial.serial_for_url(sim.start(), baudrate=115200, timeout=0.2)
    yield sim, port
    port.close()
    sim.stop()


@pytest.fixture
def frozen_gamma4():
    """gamma4 on a clock only the test moves."""
    clock = FrozenClock()
    sim = ChainSimulator(load_board("bitaxe-gamma"), chips=4, seed=3, clock=clock)
    port = serial.serial_for_url(sim.start(), baudrate=115200, timeout=0.2)
    yield sim, port, clock
    port.close()
    sim.stop()


def test_enumeration_addressing_and_register_reads(gamma4) -> None:
    sim, port = gamma4
    port.write(READ_CHIP_ID)
    answers = responses(port, 11, 4, 0x00)
    assert len(answers) == 4
    for answer in answers:
        assert answer[2:4] == b"\x13\x70" and crc5_bytes(answer[2:]) == 0
    port.write(CHAIN_INACTIVE + b"".join(set_address(64 * i) for i in range(4)))
    wait_until(lambda: [c.address for c in sim.chips] == [0, 64, 128, 192], what="addresses")
    port.write(read_register(0x00))
    assert sorted(a[5] for a in responses(port, 11, 4, 0x00)) == [0, 64, 128, 192]


def test_bad_crc_frames_are_ignored_like_a_chip_does(gamma4) -> None:
    sim, port = gamma4
    bad = bytearray(read_register(0x00))
    bad[-1] ^= 0x01
    port.write(bytes(bad))
    wait_until(lambda: sim.bad_host_frames == 1, what="the bad frame seen")
    # A later, good read is the marker: once its answers are in, the bad one had its chance.
    port.write(read_register(0x8C))
    assert all(answers_to(f, 0x8C) for f in responses(port, 11, 4, 0x8C))
    job = b"\x21\x56" + bytes(82)
    port.write(b"\x55\xaa" + job + (crc16_false(job) ^ 1).to_bytes(2, "big"))
    wait_until(lambda: sim.bad_host_frames == 2, what="the bad job seen")
    assert sim.jobs_received == 0


def test_baud_switch_is_modelled_on_both_ends(frozen_gamma4) -> None:
    sim, port, clock = frozen_gamma4
    port.write(FAST_UART)
    wait_until(lambda: sim.baud == 1_000_000, what="the chips at 1 Mbaud")
    clock.now += BAUD_GRACE_S + 0.1  # the host is still at 115200: frames are lost
    port.write(READ_CHIP_ID)
    wait_until(lambda: sim.lost_to_baud_mismatch >= len(READ_CHIP_ID), what="lost")
    port.baudrate = 1_000_000
    port.write(read_register(0x8C))  # the marker: nothing answered the lost read
    frames = responses(port, 11, 4, 0x8C)
    assert len(frames) == 4 and all(answers_to(f, 0x8C) for f in frames)


def test_counters_advance_at_the_modelled_hashrate(frozen_gamma4) -> None:
    sim, port, clock = frozen_gamma4
    port.write(CHAIN_INACTIVE + b"".join(set_address(64 * i) for i in range(4)))
    port.write(write_register(0x08, 0x40A80241))  # PLL0: fb 168, refdiv 2, p1 5, p2 2
    expected_mhz = 25 * 168 / (2 * 5 * 2)
    wait_until(lambda: sim.frequency_mhz == pytest.approx(expected_mhz), what="PLL0")
    job = b"\x21\x56" + bytes((8, 1)) + bytes(80)
    port.write(b"\x55\xaa" + job + crc16_false(job).to_bytes(2, "big"))
    wait_until(lambda: sim.jobs_received == 1, what="the job taken")
    port.write(read_register(0x8C))
    first = counters(responses(port, 11, 4, 0x8C))
    clock.now += 2.0
    port.write(read_register(0x8C))
    second = counters(responses(port, 11, 4, 0x8C))
    per_chip = 210.0 * 1e6 * 2040 / 2**32  # counts per second
    assert sorted(second) == [0, 64, 128, 192]
    for address, count in second.items():
        assert (count - first[address]) / 2.0 == pytest.approx(per_chip, rel=0.01)


def test_power_follows_the_board_model() -> None:
    profile = load_board("hearth-400")
    sim = ChainSimulator(profile)
    assert sim.power_w == profile.power.idle_w  # no job yet: chips idle
    now = time.monotonic()
    for chip in sim.chips:
        chip.set_frequency(now, 525.0)
        chip.set_hashing(now, True)
    sim.set_voltage_mv(1150)
    assert sim.power_w == pytest.approx(profile.power_w(525.0, 1150, 24))
    assert sim.hashrate_ghs == pytest.approx(profile.hashrate_ghs(525.0))
    sim.set_power(False)
    assert sim.power_w == profile.power.idle_w


def test_cli_prints_the_pty_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hw.sim.chain", "--board", "bitaxe-ultra"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/pts/") and os.path.exists(path)
        with serial.serial_for_url(path, baudrate=115200, timeout=0.2) as port:
            port.write(READ_CHIP_ID)
            answers = responses(port, 11, 1, 0x00)
        assert len(answers) == 1 and answers[0][2:4] == b"\x13\x66"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
