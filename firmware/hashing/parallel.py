"""`scan` across several threads: the face the CPU miner and the benchmark use.

The C scan releases the GIL, so plain Python threads hash on separate cores.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from firmware.hashing.core import BytesLike, check_scan_args, scan


def split_range(start: int, count: int, parts: int) -> list[tuple[int, int]]:
    """[start, start+count) as up to `parts` contiguous (start, count) pieces, in order."""
    if parts < 1:
        raise ValueError(f"parts must be at least 1, got {parts}")
    parts = max(1, min(parts, count))
    base, extra = divmod(count, parts)
    pieces = []
    for i in range(parts):
        size = base + (1 if i < extra else 0)
        pieces.append((start, size))
        start += size
    return pieces


def scan_parallel(
    header76: BytesLike,
    start: int,
    count: int,
    target: int,
    threads: int,
    *,
    impl: str | None = None,
) -> list[int]:
    """`scan` with the range split across `threads` threads; nonces merged in order."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive int, got {threads!r}")
    raw = check_scan_args(header76, start, count, target)
    pieces = split_range(start, count, threads)
    if len(pieces) == 1:
        return scan(raw, start, count, target, impl=impl)
    with ThreadPoolExecutor(max_workers=len(pieces), thread_name_prefix="hearth-scan") as pool:
        results = pool.map(lambda piece: scan(raw, piece[0], piece[1], target, impl=impl), pieces)
        return [nonce for part in results for nonce in part]
