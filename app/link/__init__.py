"""The app's only way to a heater: MQTT (docs/mqtt.md), in paho-mqtt's own thread."""
