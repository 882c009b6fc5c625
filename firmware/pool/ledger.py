"""Share counts, reject reasons and earnings: the numbers the owner sees and keeps.

`snapshot()` gives plain JSON-safe data for the daemon's store; `restore()` checks every
field before taking any of it, so a corrupt store changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from firmware.pool.earnings import Earnings

SNAPSHOT_VERSION = 1
# Distinct reject reasons kept; more would let a pool grow the persisted state forever.
MAX_REASONS = 32
MAX_REASON_CHARS = 120


@dataclass
class ShareLedger:
    accepted: int = 0
    rejected: int = 0
    stale: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    last_share_at: float | None = None  # wall-clock seconds of the last accepted share
    best_difficulty: float = 0.0  # highest hash difficulty among accepted shares
    earnings: Earnings = field(default_factory=Earnings)

    def accept(
        self, difficulty: float, nbits: int, reward_sats: int, now: float, found: float = 0.0
    ) -> None:
        """Count an accepted share credited at `difficulty` whose hash reached `found`."""
        self.accepted += 1
        self.last_share_at = now
        if math.isfinite(found):
            self.best_difficulty = max(self.best_difficulty, found)
        self.earnings.credit(difficulty, nbits, reward_sats)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        self._count_reason(reason)

    def stale_share(self, reason: str) -> None:
        self.stale += 1
        self._count_reason(f"stale: {reason}")

    def _count_reason(self, reason: str) -> None:
        reason = reason[:MAX_REASON_CHARS]
        if reason not in self.reasons and len(self.reasons) >= MAX_REASONS - 1:
            reason = "other"  # the last slot collects the rest
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "stale": self.stale,
            "reasons": dict(self.reasons),
            "last_share_at": self.last_share_at,
            "best_difficulty": self.best_difficulty,
            "earned_sats": self.earnings.sats,
            "accepted_difficulty": self.earnings.accepted_difficulty,
        }

    def restore(self, data: Any) -> None:
        """Take counters from a snapshot; ValueError (naming the field) leaves all as is."""
        if not isinstance(data, dict):
            raise ValueError(f"pool snapshot must be an object, got {type(data).__name__}")
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"pool snapshot version {data.get('version')!r} is not 1")
        counts = {key: _count(data, key) for key in ("accepted", "rejected", "stale")}
        reasons = data.get("reasons")
        if not isinstance(reasons, dict) or len(reasons) > MAX_REASONS:
            raise ValueError("pool snapshot 'reasons' must be an object of at most 32 entries")
        for reason, count in reasons.items():
            if not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS:
                raise ValueError(f"pool snapshot reason {reason!r:.40} is not a short string")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ValueError(f"pool snapshot count for {reason!r:.40} must be >= 0")
        last = data.get("last_share_at")
        if last is not None:
            last = _number(data, "last_share_at")
        sats = _number(data, "earned_sats")
        best = _number(data, "best_difficulty") if "best_difficulty" in data else 0.0
        difficulty = _number(data, "accepted_difficulty")
        self.accepted, self.rejected, self.stale = (
            counts["accepted"],
            counts["rejected"],
            counts["stale"],
        )
        self.reasons = dict(reasons)
        self.last_share_at = last
        self.best_difficulty = best
        self.earnings = Earnings(sats, difficulty)


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"pool snapshot {key!r} must be a non-negative integer, got {value!r}")
    return value


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"pool snapshot {key!r} must be a finite number >= 0, got {value!r}")
    return float(value)
