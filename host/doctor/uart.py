"""Does a chain answer on the configured UART, and how many chips?

The doctor broadcasts a chip-id read (register 0x00) at the board's initial baud and
counts the answers of the board's chip family until the line is quiet, the way the
driver enumerates at bring-up. A chain left at the fast baud by an earlier run is asked
at that speed to come back, then counted again. It writes nothing else: no address, no
PLL, no job.
"""

from __future__ import annotations

import time

import serial

from firmware.asic import frames
from firmware.asic.families import family_for
from firmware.asic.responses import RegisterResponse, ResponseParser
from firmware.board import BoardProfile
from host.doctor.finding import OK, PROBLEM, Finding

QUIET_S = 0.3  # no answer for this long: every chip has answered
LISTEN_MAX_S = 2.0  # a broken line that never falls quiet still ends


def count_chips(port: serial.Serial, chip_id: int, response_length: int) -> tuple[int, int]:
    """(chips of `chip_id` that answered, answers of another chip id)."""
    parser = ResponseParser(response_length)
    port.reset_input_buffer()
    port.write(frames.read_register(0x00))
    port.flush()
    ours = others = 0
    started = last = time.monotonic()
    while time.monotonic() - last < QUIET_S and time.monotonic() - started < LISTEN_MAX_S:
        data = port.read(max(1, port.in_waiting))
        for response in parser.feed(data):
            if isinstance(response, RegisterResponse) and response.register == 0x00:
                last = time.monotonic()
                if response.value >> 16 == chip_id:
                    ours += 1
                else:
                    others += 1
    return ours, others


def check_uart(port_url: str, board: BoardProfile) -> list[Finding]:
    if not port_url:
        return [
            Finding(
                "uart",
                PROBLEM,
                "no hashboard UART configured ([asic] port, or --asic-port): hearthd would "
                "hash on the CPU. On a Raspberry Pi the header UART is /dev/serial0.",
            )
        ]
    family = family_for(board.chip_model)
    try:
        port = serial.serial_for_url(port_url, baudrate=board.baud_initial, timeout=0.05)
    except (serial.SerialException, OSError, ValueError) as exc:
        return [
            Finding(
                "uart",
                PROBLEM,
                f"cannot open {port_url}: {exc}. Is the UART enabled (enable_uart=1, serial "
                "console off) and the hearth user in the 'dialout' group? Is hearthd "
                "running (stop it first)?",
            )
        ]
    try:
        found, others = count_chips(port, family.chip_id, family.response_length)
        baud = board.baud_initial
        if not found and not others:
            port.baudrate = board.baud_fast
            port.write(frames.write_register(*family.default_baud_write))
            port.flush()
            time.sleep(0.05)  # the chips switch after the frame has gone out
            port.baudrate = board.baud_initial
            found, others = count_chips(port, family.chip_id, family.response_length)
    except (serial.SerialException, OSError) as exc:
        return [Finding("uart", PROBLEM, f"probing {port_url} failed: {exc}")]
    finally:
        port.close()
    want = board.chip_count
    if others:
        return [
            Finding(
                "uart",
                PROBLEM,
                f"{port_url}: {others} chip(s) of another model answered: this is not a "
                f"{family.name} board; check [device] board",
            )
        ]
    if not found:
        return [
            Finding(
                "uart",
                PROBLEM,
                f"{port_url}: no {family.name} answered at {baud} baud. Is the hashboard "
                "powered (core voltage on), its reset line released, TX/RX crossed?",
            )
        ]
    verdict = OK if found == want else PROBLEM
    text = f"{port_url}: {found} {family.name} chip(s) answered (the board has {want})"
    if found < want:
        text += f"; the chain breaks after chip {found}: check that chip's supply and solder"
    return [Finding("uart", verdict, text)]
