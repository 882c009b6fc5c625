"""Supervisor entry point: the MCU runs main.py at boot. A thin loop that moves samples and
frames between board.Board and supervisor.Supervisor; every decision is in supervisor.py."""

import time

import fan
import limits
import wiring
from board import Board
from link import FrameParser
from supervisor import Supervisor


def run() -> None:
    board = Board()
    try:
        loop(board)
    finally:
        board.set_power(False)


def loop(board: Board) -> None:
    now = time.ticks_ms()
    supervisor = Supervisor(now, wiring.THERMISTORS, board.watchdog_reset)
    parser = FrameParser()
    next_sample = now
    tach_window_start = now
    board.take_tach_pulses()
    while True:
        now = time.ticks_ms()
        data = board.uart_read()
        if data:
            for frame_type, seq, payload in parser.feed(data):
                supervisor.handle_frame(now, frame_type, seq, payload)
            supervisor.link_errors = parser.crc_errors + parser.dropped_bytes
        if time.ticks_diff(now, next_sample) >= 0:
            supervisor.observe_sensors(now, board.read_ratios())
            supervisor.observe_tip(now, board.tipped())
            next_sample = time.ticks_add(now, limits.SAMPLE_MS)
        window = time.ticks_diff(now, tach_window_start)
        if window >= limits.TACH_WINDOW_MS:
            pulses = board.take_tach_pulses()
            rpm = fan.rpm_from_pulses(pulses, window, wiring.FAN_TACH_PULSES_PER_REV)
            supervisor.observe_fan(now, rpm)
            tach_window_start = now
        supervisor.poll(now)
        board.set_power(supervisor.power_output(now))
        board.set_fan_pct(supervisor.fan_duty_pct)
        for frame in supervisor.take_outbox():
            board.uart_write(frame)
        board.feed_watchdog()
        time.sleep_ms(limits.LOOP_MS)


run()
