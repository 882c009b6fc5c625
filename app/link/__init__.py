"""The app's only way to a heater: MQTT (INTERFACES.md §3), in paho-mqtt's own thread."""
