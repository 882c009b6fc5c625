"""The store: round trips, detects damage, falls back to the last good copy, and survives
a writer killed with SIGKILL at any moment."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.store import Record, RecordError, Store, decode_record, encode_record

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**40),
    st.floats(0, 4e9),
    st.dictionaries(st.text(min_size=1, max_size=10), JSON_VALUES, max_size=5),
)
def test_record_round_trips(seq, saved_at, sections):
    record = Record(seq=seq, saved_at=saved_at, sections=sections)
    assert decode_record(encode_record(record)) == record


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_single_byte_change_or_truncation_is_detected(data):
    encoded = encode_record(Record(seq=3, saved_at=1.5, sections={"energy": {"kwh": 1.25}}))
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(encoded) - 2))
        damaged = encoded[:cut]
    else:
        index = data.draw(st.integers(0, len(encoded) - 2))
        replacement = data.draw(st.integers(0, 255).filter(lambda b: b != encoded[index]))
        damaged = encoded[:index] + bytes([replacement]) + encoded[index + 1 :]
    try:
        decoded = decode_record(damaged)
    except RecordError:
        return
    # A change JSON ignores (whitespace outside strings) may keep the record valid: then
    # it must still be exactly the same record.
    assert decoded == decode_record(encoded)


def test_save_then_load(tmp_path):
    store = Store(tmp_path, clock=lambda: 100.0)
    assert store.load().sections == {}
    store.save({"settings": {"target_c": 21.5}})
    store.save({"settings": {"target_c": 22.0}})
    result = Store(tmp_path).load()
    assert result.sections == {"settings": {"target_c": 22.0}}
    assert result.source == tmp_path / "store.json"
    assert oct((tmp_path / "store.json").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "delete"])
def test_damaged_current_copy_falls_back_to_previous(tmp_path, damage):
    store = Store(tmp_path)
    store.save({"energy": {"kwh": 1.0}})
    store.save({"energy": {"kwh": 2.0}})
    current = tmp_path / "store.json"
    if damage == "truncate":
        current.write_bytes(current.read_bytes()[:-10])
    elif damage == "garbage":
        current.write_bytes(b"\x00\xff" * 50)
    elif damage == "empty":
        current.write_bytes(b"")
    else:
        current.unlink()
    result = Store(tmp_path).load()
    assert result.sections == {"energy": {"kwh": 1.0}}
    assert result.source == tmp_path / "store.json.prev"
    assert len(result.problems) == (0 if damage == "delete" else 1)
    # The next save continues from the recovered sequence and is loadable again.
    reopened = Store(tmp_path)
    reopened.load()
    reopened.save({"energy": {"kwh": 3.0}})
    assert Store(tmp_path).load().sections == {"energy": {"kwh": 3.0}}


def test_both_copies_damaged_gives_defaults_and_says_so(tmp_path):
    (tmp_path / "store.json").write_text("{}")
    (tmp_path / "store.json.prev").write_text("nope")
    result = Store(tmp_path).load()
    assert result.sections == {} and result.source is None and len(result.problems) == 2


WRITER = textwrap.dedent(
    """
    import pathlib, sys
    from firmware.store import Store
    store = Store(pathlib.Path(sys.argv[1]))
    start = store.load().sections.get("counter", {}).get("n", 0)
    n = start
    while True:
        n += 1
        store.save({"counter": {"n": n}, "padding": {"text": "x" * (n % 5000)}})
        if n == start + 1:
            print("saving", flush=True)
    """
)


def test_kill_9_writer_in_a_loop_never_corrupts_and_never_goes_back(tmp_path):
    rng = random.Random(6)
    last_seen = 0
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    for _ in range(12):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path)],
            stdout=subprocess.PIPE,
            env=env,
        )
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline() == b"saving\n"
            time.sleep(rng.uniform(0.0, 0.15))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        result = Store(tmp_path).load()
        assert result.source is not None, result.problems
        n = result.sections["counter"]["n"]
        assert n > last_seen  # every run saved at least once and nothing went back
        assert result.sections["padding"]["text"] == "x" * (n % 5000)
        last_seen = n
    stray = [p.name for p in tmp_path.iterdir() if p.name not in ("store.json", "store.json.prev")]
    assert stray in ([], [".store.json.tmp"])
    json.loads((tmp_path / "store.json").read_text())
