"""The `machine` shim (hw/micropython/machine.py) on the real MicroPython unix port: inputs
from the simulator's pipe, outputs reported back, edges and timer ticks delivered in
proportion to elapsed time, UART bytes through a pty."""

from __future__ import annotations

import os
import subprocess
import tty
from pathlib import Path

from hw.sim.supervisor.sim import SHIM_DIR, find_micropython

SCRIPT = """
import machine, time
from machine import Pin
out = machine.Pin(5, machine.Pin.OUT, value=1)
adc = machine.ADC(machine.Pin(26))
ticks = []
timer = machine.Timer(-1, mode=machine.Timer.PERIODIC, period=50,
                      callback=lambda t: ticks.append(1))
edges = [0]
def on_edge(pin):
    edges[0] += 1
Pin(14, Pin.IN, Pin.PULL_UP).irq(handler=on_edge, trigger=Pin.IRQ_FALLING)
pwm = machine.PWM(machine.Pin(15), freq=25000, duty_u16=1000)
pwm.duty_u16(40000)
wdt = machine.WDT(timeout=1500)
uart = machine.UART(0, baudrate=115200, timeout=0)
uart.write(b"hello")
start = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), start) < 400:
    adc.read_u16()
    wdt.feed()
    time.sleep_ms(5)
elapsed = time.ticks_diff(time.ticks_ms(), start)
timer.deinit()
tip = machine.Pin(21, machine.Pin.IN, machine.Pin.PULL_UP).value()
floating = machine.Pin(20, machine.Pin.IN, machine.Pin.PULL_UP).value()
wdt_boot = machine.reset_cause() == machine.WDT_RESET
print(adc.read_u16(), len(ticks), edges[0], elapsed, tip, floating, uart.read().hex(), wdt_boot)
out.value(0)
"""


def test_shim_inputs_outputs_edges_and_timers(tmp_path: Path) -> None:
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    master, slave = os.openpty()
    tty.setraw(slave)
    for fd in (in_r, master):  # the shim reads without blocking only from non-blocking fds
        os.set_blocking(fd, False)
    os.write(in_w, b"adc 26 1.65\ntach 14 200\npin 21 0\n")
    os.write(slave, b"from the controller")
    env = {
        "MICROPYPATH": str(SHIM_DIR),
        "HEARTH_MPY_SIM_IN_FD": str(in_r),
        "HEARTH_MPY_SIM_OUT_FD": str(out_w),
        "HEARTH_MPY_UART_FDS": f"0:{master}",
        "HEARTH_MPY_RESET_CAUSE": "wdt",
    }
    try:
        result = subprocess.run(
            [find_micropython(), "-c", SCRIPT],
            env=env,
            pass_fds=(in_r, out_w, master),
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        os.close(out_w)
        out_w = -1
        reports = b""
        while chunk := os.read(out_r, 4096):
            reports += chunk
        from_firmware = os.read(slave, 100)
    finally:
        for fd in (in_r, in_w, out_r, out_w, master, slave):
            if fd >= 0:
                os.close(fd)
    adc, ticks, edges, elapsed_ms, tip, floating, uart, wdt_boot = result.stdout.split()
    assert int(adc) == round(1.65 / 3.3 * 65535)
    assert abs(int(edges) - 200 * int(elapsed_ms) / 1000) <= 2
    assert abs(int(ticks) - int(elapsed_ms) // 50) <= 1
    assert (tip, floating) == ("0", "1")  # driven low by the simulator; pull-up otherwise
    assert bytes.fromhex(uart) == b"from the controller"
    assert wdt_boot == "True"
    assert from_firmware == b"hello"
    lines = reports.decode().splitlines()
    assert lines[0] == "pin 5 1"
    assert "pwm 15 25000 1000" in lines and "pwm 15 25000 40000" in lines
    assert "wdt 1500" in lines and "feed" in lines
    assert lines[-1] == "pin 5 0"
