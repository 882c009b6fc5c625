"""`hearth doctor` against simulated hardware: the chain simulator on a real pty for the
UART, the simulated parts board for I2C (the drivers' identify() over the smbus-shaped
bus, and over the socket:// transport), a gpiod stand-in for the lines."""

from __future__ import annotations

import pytest

from firmware.board import load_board
from firmware.config import parse_config
from firmware.parts.usb_serial import UsbPort
from host.cli import main as hearth_main
from host.doctor.finding import OK, PROBLEM
from host.doctor.gpio import check_lines
from host.doctor.i2c import check_parts
from host.doctor.uart import check_uart
from host.doctor.usb import check_usb
from hw.sim.chain import ChainSimulator
from hw.sim.i2c import I2cServer
from hw.sim.parts import SimBoard
from tests.firmware.board_io.gpio_double import FakeChip, fake_gpiod

GAMMA = load_board("bitaxe-gamma")
HEARTH = load_board("hearth-400")
POOL = [{"url": "stratum+tcp://pool.example:3333", "user": "u"}]


def verdicts(findings):
    return [f.verdict for f in findings]


def test_uart_counts_the_chips_of_the_chain():
    with ChainSimulator(HEARTH, chips=24) as chain:
        findings = check_uart(chain.port, HEARTH)
    assert verdicts(findings) == [OK]
    assert "24 BM1370 chip(s) answered (the board has 24)" in findings[0].text


def test_uart_says_where_a_short_chain_breaks():
    with ChainSimulator(HEARTH, chips=7) as chain:
        findings = check_uart(chain.port, HEARTH)
    assert verdicts(findings) == [PROBLEM]
    assert "7 BM1370" in findings[0].text and "breaks after chip 7" in findings[0].text


def test_uart_with_nothing_answering_names_the_likely_causes():
    with ChainSimulator(GAMMA) as chain:
        chain.set_power(False)
        findings = check_uart(chain.port, GAMMA)
    assert verdicts(findings) == [PROBLEM]
    assert "no BM1370 answered" in findings[0].text and "powered" in findings[0].text


def test_uart_not_configured_or_missing():
    assert "no hashboard UART configured" in check_uart("", GAMMA)[0].text
    assert "cannot open /dev/ttyNOPE" in check_uart("/dev/ttyNOPE", GAMMA)[0].text


def test_every_part_answers_with_its_id():
    board = SimBoard(GAMMA)
    findings = check_parts("sim", GAMMA, bus=board.bus)
    parts = [f for f in findings if f.verdict != "info"]
    assert verdicts(parts) == [OK, OK]
    assert "vcore: TPS546D24A at 0x24 on sim answers, ID right" in parts[0].text


def test_a_silent_part_and_a_wrong_one_are_told_apart(monkeypatch):
    board = SimBoard(GAMMA)
    board.part("fan").stop_answering()
    # another PMBus regulator where the board file says the TPS546D24A is
    monkeypatch.setattr("hw.sim.parts.tps546.DEVICE_ID", b"TIT\x6b\x24A")
    findings = check_parts("sim", GAMMA, bus=board.bus)
    assert findings[0].verdict == PROBLEM and "wrong identity" in findings[0].text
    assert "fan: EMC2101 at 0x4c on sim does not answer" in findings[1].text


def test_parts_over_the_socket_transport_and_a_bus_not_configured():
    board = SimBoard(GAMMA)
    with I2cServer(board.bus) as server:
        findings = check_parts(server.url, GAMMA)
    assert verdicts([f for f in findings if f.verdict != "info"]) == [OK, OK]
    missing = check_parts("", GAMMA)
    assert verdicts(missing) == [PROBLEM] and "i2c_bus is not set" in missing[0].text


def test_gpio_lines_requested_and_pgood_read():
    chip = FakeChip("/dev/gpiochip0", {"GPIO17": 17, "GPIO27": 27})
    chip.level[27] = 1
    config = parse_config(
        {"pool": POOL, "asic": {"gpio_chip": "/dev/gpiochip0", "reset_gpio": "GPIO17",
                                "pgood_gpio": "GPIO27"}}
    ).asic  # fmt: skip
    findings = check_lines(config, fake_gpiod(chip))
    assert verdicts(findings) == [OK, OK]
    assert "high (power good)" in findings[1].text and chip.released
    busy = FakeChip("/dev/gpiochip0", {"GPIO17": 17, "GPIO27": 27}, busy={17})
    assert verdicts(check_lines(config, fake_gpiod(busy))) == [PROBLEM]


def test_usb_ports_listed_and_found_by_ids():
    ports = [
        UsbPort("/dev/ttyUSB0", 0x1A86, 0x7523, "", "USB Serial"),
        UsbPort("/dev/ttyACM0", 0x2E8A, 0x0005, "E66", "Board in FS mode"),
    ]
    findings, device = check_usb("usb:2e8a:0005", ports)
    assert device == "/dev/ttyACM0" and findings[-1].verdict == OK
    findings, device = check_usb("usb:0403:6001", ports)
    assert device == "" and "no USB-serial port 0403:6001" in findings[-1].text
    assert "/dev/ttyUSB0: 1a86:7523 USB Serial" in findings[0].text


def test_the_command_reports_a_bad_config_and_exits_1(tmp_path, capsys):
    config = tmp_path / "hearth.toml"
    config.write_text('[asic]\ni2c_bus = "/dev/spidev0.0"\n')
    assert hearth_main(["doctor", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "asic.i2c_bus" in out and "problem(s) found" in out


def test_the_command_checks_a_simulated_board_end_to_end(tmp_path, capsys):
    board = SimBoard(GAMMA)
    with ChainSimulator(GAMMA) as chain, I2cServer(board.bus) as server:
        config = tmp_path / "hearth.toml"
        config.write_text(
            '[device]\nboard = "bitaxe-gamma"\n'
            f'[asic]\nport = "{chain.port}"\ni2c_bus = "{server.url}"\n'
            '[[pool]]\nurl = "stratum+tcp://pool.example:3333"\nuser = "u"\n'
        )
        # The chips take their voltage from the simulated regulator, which is off:
        # only --power-up (Vcore set through the TPS546) lets them answer.
        board.attach(chain)
        assert hearth_main(["doctor", "--config", str(config)]) == 1
        assert "no BM1370 answered" in capsys.readouterr().out
        assert hearth_main(["doctor", "--config", str(config), "--power-up"]) == 0
        out = capsys.readouterr().out
        assert "1 BM1370 chip(s) answered" in out and "all checks passed" in out
        assert not board.part("vcore").converting()  # switched off again after


@pytest.fixture(autouse=True)
def _no_usb_ports(monkeypatch):
    """The machine's own USB-serial ports are not part of these tests."""
    monkeypatch.setattr("host.doctor.usb.usb_ports", lambda: [])
    yield

