"""What the rest of the heater (MQTT state, HTTP API, display) reads about mining."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# docs/mqtt.md ("state"), the `pool` field of the MQTT state.
PoolState = Literal["connected", "failover", "offline"]


@dataclass(frozen=True)
class PoolStatus:
    state: PoolState  # connected = primary pool; failover = a backup; offline = none
    url: str | None  # the pool mined for now
    user: str | None
    difficulty: float | None
    version_mask: int
    shares_accepted: int
    shares_rejected: int
    shares_stale: int
    reject_reasons: Mapping[str, int]
    last_share_at: float | None  # wall-clock seconds
    offline_heat: bool  # hashing local work: heating, not earning
    earned_sats: float  # expected value of the accepted shares
    best_share_difficulty: float  # highest hash difficulty of an accepted share (AxeOS bestDiff)
    network_difficulty: float | None
    bad_lines: int  # malformed lines survived on the current connection
    last_error: str | None
    # The pool's share difficulty is above that of the hardest possible hash: no share
    # can ever be found, nothing earns (the daemon raises an alarm).
    difficulty_unreachable: bool = False


# The difficulty of the smallest possible hash (1): DIFF1_TARGET / 1, about 2.7e67.
MAX_REACHABLE_DIFFICULTY = float(0xFFFF << 208)


def is_unreachable(difficulty: float | None) -> bool:
    return difficulty is not None and difficulty > MAX_REACHABLE_DIFFICULTY
