"""A simulated heater as seen from its USB port: bootloader, A/B slots, update agent."""

from hw.sim.device.device import SimulatedDevice, factory_install

__all__ = ["SimulatedDevice", "factory_install"]
