"""Running a miner people already own (Avalon, Bitaxe, Braiins OS+...) over its network API
as Hearth's hashing backend: its actuator as data, the level mapper, the pyasic backend.
docs/miners.md."""
