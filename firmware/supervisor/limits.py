"""The supervisor's hard limits. Constants of the firmware image: nothing on the link can
change them (the link has no message that carries a limit).

They sit above the controller's own derating limits (board profile `[thermal]`), so in normal
operation the controller backs off first and these never fire.
"""

from micropython import const

# Over-temperature trip per thermistor of wiring.THERMISTORS (°C).
# room: no setpoint or fault of the controller may drive a living space past 40 °C;
# intake: air this hot at the inlet means blocked or recirculating airflow; exhaust: the outlet
# grille must stay safe to touch; board: hashboard PCB, kept under the 105 °C rating of the
# electrolytic capacitors on it.
TRIP_C = {"room": 40.0, "intake": 50.0, "exhaust": 65.0, "board": 95.0}
# A temperature trip can be cleared only once the sensor is this far below its limit.
CLEAR_HYSTERESIS_C = 5.0

# A fault must be seen in this many consecutive samples before it trips (rejects ADC noise
# and switch bounce: 3 samples SAMPLE_MS = 100 ms apart, 300 ms).
CONFIRM_SAMPLES = const(3)
SAMPLE_MS = const(100)

# No heartbeat frame from the controller for this long trips the power.
HEARTBEAT_TIMEOUT_MS = const(2000)

# Fan: below FAN_STALL_RPM while driven at FAN_CHECK_DUTY_PCT or more, after FAN_SPINUP_MS of
# being driven, for FAN_STALL_WINDOWS consecutive tachometer windows, is a stall.
FAN_STALL_RPM = const(300)
FAN_CHECK_DUTY_PCT = const(20)
FAN_SPINUP_MS = const(3000)
FAN_STALL_WINDOWS = const(2)
TACH_WINDOW_MS = const(500)
# While the hashboard is powered the fan never runs slower than this, whatever was asked.
FAN_MIN_DUTY_POWERED_PCT = const(30)

# Hardware watchdog: the main loop feeds it every LOOP_MS; a hung loop resets the MCU, and
# the reset drops the power enable (wiring.POWER_ENABLE_PIN pull-down).
WATCHDOG_TIMEOUT_MS = const(2000)
LOOP_MS = const(10)

TELEMETRY_MS = const(500)
