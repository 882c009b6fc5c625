"""Encoding the retained `state` object (pure).

JSON has no NaN or infinity; a sensor that reads NaN (open thermistor) is published as
null rather than breaking every subscriber's parser.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping


def json_safe(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [json_safe(item) for item in items]
    return value


def encode_state(state: Mapping[str, object]) -> bytes:
    return json.dumps(
        json_safe(state), separators=(",", ":"), sort_keys=True, allow_nan=False
    ).encode()
