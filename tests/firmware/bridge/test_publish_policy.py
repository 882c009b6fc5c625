"""State publishing cadence on a fake clock: changes coalesced, heartbeat kept."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from firmware.bridge.publish_policy import StatePublishPolicy


def test_first_publish_is_immediate_then_heartbeat() -> None:
    policy = StatePublishPolicy(min_interval_s=1.0, heartbeat_s=10.0)
    assert policy.due(0.0)
    policy.published(0.0)
    assert not policy.due(9.99)
    assert policy.due(10.0)
    assert policy.heartbeat_due(10.0) and not policy.heartbeat_due(9.0)


def test_changes_wait_for_the_minimum_interval() -> None:
    policy = StatePublishPolicy(min_interval_s=1.0, heartbeat_s=10.0)
    policy.published(100.0)
    policy.changed()
    assert not policy.due(100.5)
    assert policy.due(101.0)
    policy.published(101.0)
    assert not policy.change_pending
    assert policy.next_publish_at() == 111.0


def test_forget_makes_the_next_publish_immediate() -> None:
    policy = StatePublishPolicy()
    policy.published(5.0)
    policy.forget()
    assert policy.due(5.0)


@given(st.lists(st.tuples(st.floats(0.0, 3.0), st.booleans()), max_size=200))
def test_simulated_run_respects_both_bounds(steps: list[tuple[float, bool]]) -> None:
    """Driving the policy like the bridge does: publishes are never closer than the
    minimum interval and never further apart than the heartbeat (plus one step)."""
    policy = StatePublishPolicy(min_interval_s=1.0, heartbeat_s=10.0)
    now, published = 0.0, []
    for advance, change in steps:
        now += advance
        if change:
            policy.changed()
        if policy.due(now):
            policy.published(now)
            published.append(now)
    gaps = [b - a for a, b in itertools.pairwise(published)]
    assert all(gap >= 1.0 - 1e-9 for gap in gaps)  # float sums of the steps
    assert all(gap <= 10.0 + 3.0 for gap in gaps)
