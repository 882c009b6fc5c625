"""Supervisor board wiring: which MCU pin does what, and which thermistor sits where.

Data only; board.py applies it. Source: the Hearth supervisor board, rev A, built around an
RP2040. GP26..GP29 are the RP2040's four ADC inputs ADC0..ADC3 (RP2040 datasheet §4.9.1;
a bare RP2040 board has GP29 free, unlike the Pico, which wires it to VSYS/3); UART0 TX/RX on
GP0/GP1 (datasheet §1.4.3, GPIO function table). Each thermistor is the low side of a divider
from the ADC reference: ADC_VREF -- series resistor -- ADC pin -- NTC -- GND.
"""

from micropython import const

UART_ID = const(0)
UART_TX_PIN = const(0)
UART_RX_PIN = const(1)
UART_BAUD = const(115200)
UART_RX_BUFFER = const(512)

# Intel "4-Wire PWM Controlled Fans" specification rev 1.3: 25 kHz PWM on pin 4, an
# open-collector tachometer on pin 3 giving two pulses per revolution.
FAN_PWM_PIN = const(15)
FAN_PWM_HZ = const(25000)
FAN_TACH_PIN = const(14)
FAN_TACH_PULSES_PER_REV = const(2)

# Gate of the hashboard PSU's enable input. A hardware pull-down keeps the PSU off while the
# MCU is in reset, so a crash or a watchdog reset also cuts the power.
POWER_ENABLE_PIN = const(22)

# Ball tilt switch to GND with the internal pull-up: closed (0) when upright. Open = tipped,
# so a broken wire reads as tipped over: the fail-safe direction.
TIP_SWITCH_PIN = const(21)
TIP_SWITCH_UPRIGHT_LEVEL = const(0)

# (name, ADC pin, NTC part number in thermistor.NTC_PARTS, series resistor in ohms).
# The link reports temperatures in this order.
THERMISTORS = (
    ("room", 26, "NCP18XH103F03RB", 10000.0),
    ("intake", 27, "NCP18XH103F03RB", 10000.0),
    ("exhaust", 28, "NCP18XH103F03RB", 10000.0),
    ("board", 29, "NCP18WF104F03RC", 100000.0),
)
