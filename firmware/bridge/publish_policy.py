"""When to publish `state` (pure, injected clock).

Contract (docs/mqtt.md, "state"): on every change and at least every `heartbeat_s`. Telemetry
changes all the time (hashrate, temperatures), so changes are coalesced to at most one
publish per `min_interval_s`; a change caused by a `set` is published at once so the
commander sees it (the bridge calls `published` after that immediate publish).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StatePublishPolicy:
    min_interval_s: float = 1.0
    heartbeat_s: float = 10.0
    last_published_at: float | None = None
    change_pending: bool = False

    def changed(self) -> None:
        self.change_pending = True

    def next_publish_at(self) -> float:
        """The clock time at which state should next go out (may be in the past)."""
        if self.last_published_at is None:
            return float("-inf")
        if self.change_pending:
            return self.last_published_at + self.min_interval_s
        return self.last_published_at + self.heartbeat_s

    def due(self, now: float) -> bool:
        return now >= self.next_publish_at()

    def heartbeat_due(self, now: float) -> bool:
        return self.last_published_at is None or now >= self.last_published_at + self.heartbeat_s

    def published(self, now: float) -> None:
        self.last_published_at = now
        self.change_pending = False

    def forget(self) -> None:
        """After a reconnect: publish at once, whatever was sent before."""
        self.last_published_at = None
