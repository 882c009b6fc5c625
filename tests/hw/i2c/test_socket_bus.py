"""The `socket://` I2C transport: firmware/parts/bus.py's client against hw/sim/i2c's
server, over a real loopback socket, with a plain register bus behind it."""

import errno
import threading
import time

import pytest

from firmware.parts.bus import BusSpecError, SocketBus, check_bus_spec, open_bus
from hw.sim.i2c import I2cServer


class RegisterBus:
    """Parts as register files; an address with no part does not acknowledge."""

    def __init__(self):
        self.regs = {0x24: {}, 0x40: {}}
        self.stall = threading.Event()
        self.release = threading.Event()

    def _part(self, addr):
        if addr not in self.regs:
            raise OSError(errno.EREMOTEIO, f"no ACK at 0x{addr:02x}")
        if self.stall.is_set():
            self.release.wait(5)
        return self.regs[addr]

    def read_byte_data(self, addr, reg):
        return self._part(addr).get(reg, 0) & 0xFF

    def write_byte_data(self, addr, reg, value):
        self._part(addr)[reg] = value

    def read_word_data(self, addr, reg):
        return self._part(addr).get(reg, 0)

    def write_word_data(self, addr, reg, value):
        self._part(addr)[reg] = value

    def write_byte(self, addr, value):
        self._part(addr)["cmd"] = value

    def read_byte(self, addr):
        return self._part(addr).get("cmd", 0)

    def read_i2c_block_data(self, addr, reg, length):
        return list(self._part(addr).get(reg, [0] * length))[:length]

    def write_i2c_block_data(self, addr, reg, data):
        self._part(addr)[reg] = list(data)


@pytest.fixture
def served():
    bus = RegisterBus()
    with I2cServer(bus) as server:
        yield bus, server


def test_every_operation_round_trips(served):
    bus, server = served
    client = open_bus(server.url, timeout_s=2.0)
    try:
        client.write_word_data(0x24, 0x21, 0x0266)
        assert client.read_word_data(0x24, 0x21) == 0x0266
        client.write_byte_data(0x24, 0x01, 0x80)
        assert client.read_byte_data(0x24, 0x01) == 0x80
        client.write_byte(0x24, 0x03)
        assert client.read_byte(0x24) == 0x03
        client.write_i2c_block_data(0x40, 0x9A, [1, 2, 3])
        assert client.read_i2c_block_data(0x40, 0x9A, 3) == [1, 2, 3]
        assert bus.regs[0x24][0x21] == 0x0266
    finally:
        client.close()


def test_a_missing_part_is_an_oserror_with_the_parts_errno(served):
    _, server = served
    client = open_bus(server.url, timeout_s=2.0)
    with pytest.raises(OSError) as caught:
        client.read_word_data(0x4C, 0x00)
    assert caught.value.errno == errno.EREMOTEIO
    assert client.read_word_data(0x24, 0x00) == 0  # the link is still good after it
    client.close()


def test_a_stuck_bus_times_out_and_the_next_call_reconnects(served):
    bus, server = served
    client = open_bus(server.url, timeout_s=0.2)
    assert isinstance(client, SocketBus)
    bus.stall.set()
    started = time.monotonic()
    with pytest.raises(OSError) as caught:
        client.read_word_data(0x24, 0x8B)
    assert caught.value.errno == errno.ETIMEDOUT
    assert time.monotonic() - started < 2.0
    bus.stall.clear()
    bus.release.set()
    assert client.read_word_data(0x24, 0x8B) == 0
    client.close()


def test_no_simulator_listening_is_a_plain_oserror():
    with I2cServer(RegisterBus()) as server:
        url = server.url
    with pytest.raises(OSError, match="no I2C simulator at socket://"):
        open_bus(url, timeout_s=0.5)


@pytest.mark.parametrize("spec", ["", "/dev/spidev0.0", "socket://host", "socket://h:99999"])
def test_bad_bus_names_are_refused_before_opening(spec):
    with pytest.raises(BusSpecError):
        check_bus_spec(spec)
