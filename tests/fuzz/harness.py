"""One fuzz run per parser: `HEARTH_FUZZ_CASES` hypothesis cases (200 in `make test`,
100 000 in `make fuzz`) of hostile input; a *crash* is any exception the parser does not
document as its refusal. Each run records its cases and crashes (with the first few
crashing inputs) in `$HEARTH_FUZZ_RESULTS/<parser>.json` when that is set."""

from __future__ import annotations

import json
import os
import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

CASES = int(os.environ.get("HEARTH_FUZZ_CASES", "200"))
RESULTS = os.environ.get("HEARTH_FUZZ_RESULTS")
KEPT_EXAMPLES = 5


@dataclass
class Tally:
    parser: str
    cases: int = 0
    crashes: int = 0
    examples: list[str] = field(default_factory=list)


def fuzz(
    parser: str,
    strategy: st.SearchStrategy[Any],
    target: Callable[[Any], object],
    refusals: tuple[type[BaseException], ...],
) -> Tally:
    """Run `target` on CASES inputs; returns the tally (and records it)."""
    tally = Tally(parser)
    started = time.monotonic()

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(data: Any) -> None:
        tally.cases += 1
        try:
            target(data)
        except refusals:
            pass
        except Exception as exc:  # the finding: recorded, never hidden
            tally.crashes += 1
            if len(tally.examples) < KEPT_EXAMPLES:
                tally.examples.append(f"{type(exc).__name__}: {exc!s:.200} <- {data!r:.200}")

    run()
    if RESULTS:
        out = pathlib.Path(RESULTS)
        out.mkdir(parents=True, exist_ok=True)
        record = {
            "parser": parser,
            "cases": tally.cases,
            "crashes": tally.crashes,
            "examples": tally.examples,
            "seconds": round(time.monotonic() - started, 1),
        }
        (out / f"{parser}.json").write_text(json.dumps(record, indent=1) + "\n")
    return tally
