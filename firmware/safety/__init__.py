"""Controller-side safety: the supervisor link (client of the MicroPython supervisor) and the
interlocks that back off before the supervisor's hard limits."""
