"""measure_scan and `hearth bench hash` (the CLI lives in host/commands/bench.py)."""

from __future__ import annotations

import argparse
import json

import pytest

from firmware.hashing import available_impls, impl
from firmware.hashing.throughput import measure_scan
from host.commands import bench


def main(argv: list[str]) -> int:
    # Only the bench command: the other subcommands belong to other parts.
    parser = argparse.ArgumentParser(prog="hearth")
    bench.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_measure_scan_counts_nonces() -> None:
    result = measure_scan(2, 0.2, "portable")
    assert (result.impl, result.threads) == ("portable", 2)
    assert result.nonces > 0 and result.seconds >= 0.2
    assert result.mhs == pytest.approx(result.nonces / result.seconds / 1e6)
    assert result.cpu_seconds > 0 and 0 < result.cores_used <= 2.2
    assert result.mhs_per_cpu_second == pytest.approx(result.nonces / result.cpu_seconds / 1e6)


def test_measure_scan_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="threads"):
        measure_scan(0, 1.0)
    with pytest.raises(ValueError, match="seconds"):
        measure_scan(1, 0.0)


def test_bench_hash_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "hash", "--threads", "2", "--seconds", "0.2", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["threads"] == 2
    assert figures["impl"] == impl()
    assert isinstance(figures["mhs"], float) and figures["mhs"] > 0


@pytest.mark.parametrize("path", available_impls())
def test_bench_hash_human_readable_with_forced_path(
    capsys: pytest.CaptureFixture[str], path: str
) -> None:
    assert main(["bench", "hash", "--seconds", "0.1", "--impl", path]) == 0
    out = capsys.readouterr().out
    assert "MH/s on 1 thread(s)" in out and f"{path} path" in out


@pytest.mark.parametrize("bad", [["--threads", "0"], ["--seconds", "-1"], ["--impl", "gpu"]])
def test_bench_hash_refuses_bad_options(bad: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "hash", *bad])
    assert exit_info.value.code == 2


def test_measure_scan_keeps_hashing_after_a_thread_finishes_its_slice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each thread scans 2**32/threads nonces and starts over; with many threads on a fast
    # core that happens within seconds. Shrink the space so it happens here at once: the
    # count must keep growing past the slices, not stall at them.
    from firmware.hashing import throughput

    monkeypatch.setattr(throughput, "NONCE_SPACE", 1 << 14)
    result = throughput.measure_scan(2, 0.2, "portable")
    assert result.nonces > 1 << 14  # stalled, the two threads stop at 2 x 2**13
