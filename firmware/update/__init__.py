"""The device's update agent: receives signed images over USB serial, installs them into
the inactive A/B slot, and rolls back if the new firmware does not confirm itself."""
