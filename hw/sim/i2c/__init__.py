"""A simulated board's I2C bus served on a loopback socket, so that hearthd, a separate
process, reaches the simulated parts as it reaches /dev/i2c-N on a device."""

from hw.sim.i2c.server import I2cServer

__all__ = ["I2cServer"]
