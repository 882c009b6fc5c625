"""The Kivy companion app: the homeowner's thermostat. Talks to heaters over MQTT only."""
