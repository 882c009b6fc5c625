"""The only module that touches hardware: machine.Pin/PWM/ADC/WDT/UART set up from
wiring.py. On a PC the `machine` shim in hw/micropython stands in for the real module."""

import limits
import machine
import wiring
from machine import ADC, PWM, UART, WDT, Pin

ADC_FULL_SCALE = 65535  # read_u16() range on every MicroPython port
PWM_FULL_SCALE = 65535  # duty_u16() range


class Board:
    def __init__(self) -> None:
        # Power off before anything else can fail.
        self._power = Pin(wiring.POWER_ENABLE_PIN, Pin.OUT, value=0)
        self._powered = False
        self.watchdog_reset = machine.reset_cause() == machine.WDT_RESET
        self._adcs = [ADC(Pin(row[1])) for row in wiring.THERMISTORS]
        self._fan = PWM(Pin(wiring.FAN_PWM_PIN), freq=wiring.FAN_PWM_HZ, duty_u16=0)
        self._fan_pct = 0
        self._tach_pulses = 0
        self._tach = Pin(wiring.FAN_TACH_PIN, Pin.IN, Pin.PULL_UP)
        self._tach.irq(handler=self._on_tach, trigger=Pin.IRQ_FALLING)
        self._tip = Pin(wiring.TIP_SWITCH_PIN, Pin.IN, Pin.PULL_UP)
        self._uart = UART(
            wiring.UART_ID,
            baudrate=wiring.UART_BAUD,
            tx=Pin(wiring.UART_TX_PIN),
            rx=Pin(wiring.UART_RX_PIN),
            timeout=0,
            rxbuf=wiring.UART_RX_BUFFER,
        )
        self._watchdog = WDT(timeout=limits.WATCHDOG_TIMEOUT_MS)

    def _on_tach(self, _pin: Pin) -> None:
        self._tach_pulses += 1

    def take_tach_pulses(self) -> int:
        """Falling tachometer edges since the last call."""
        state = machine.disable_irq()
        pulses = self._tach_pulses
        self._tach_pulses = 0
        machine.enable_irq(state)
        return pulses

    def read_ratios(self) -> list[float]:
        """Each thermistor divider as a fraction of the ADC reference."""
        return [adc.read_u16() / ADC_FULL_SCALE for adc in self._adcs]

    def tipped(self) -> bool:
        return self._tip.value() != wiring.TIP_SWITCH_UPRIGHT_LEVEL

    def set_power(self, on: bool) -> None:
        if on != self._powered:
            self._power.value(1 if on else 0)
            self._powered = on

    def set_fan_pct(self, pct: int) -> None:
        if pct != self._fan_pct:
            self._fan.duty_u16(pct * PWM_FULL_SCALE // 100)
            self._fan_pct = pct

    def uart_read(self) -> bytes | None:
        waiting = self._uart.any()
        return self._uart.read(waiting) if waiting else None

    def uart_write(self, data: bytes) -> None:
        self._uart.write(data)

    def feed_watchdog(self) -> None:
        self._watchdog.feed()
