"""Making firmware images on a PC: keys, build, sign. Verification is the device's own
code (firmware.update.image), so host and device can never disagree about it."""
