"""hearthd: the heater's daemon, one asyncio process wiring every part (docs/daemon.md)."""
