"""`hearth monitor`: a terminal view of every heater on an MQTT broker (docs/monitor.md)."""
