"""The virtual heater behind `hearth sim` and `make run` (docs/daemon.md)."""
