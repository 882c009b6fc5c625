"""The `state` encoding: always valid JSON, even with NaN sensors."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from firmware.bridge.state_payload import encode_state

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


def finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


@given(st.dictionaries(st.text(), values, max_size=8))
def test_encodes_to_strict_json_with_non_finite_as_null(state: dict[str, object]) -> None:
    decoded = json.loads(encode_state(state), parse_constant=lambda c: 1 / 0)
    assert decoded == finite(state)


def test_sets_become_sorted_lists() -> None:
    assert json.loads(encode_state({"alarms": frozenset({"fan", "chip"})})) == {
        "alarms": ["chip", "fan"]
    }
