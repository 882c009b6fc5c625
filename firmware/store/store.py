"""`Store`: the heater's persistent settings and counters, in named JSON sections.

Each part owns a section (`settings`, `pool`, `energy`, ...) and validates it itself on
restore; the store guarantees the record as a whole: complete, versioned, checksummed.
`load()` takes the newest valid copy of `store.json` / `store.json.prev` and reports
what it skipped; `save()` is atomic (see `atomic_file`).
"""

from __future__ import annotations

import logging
import pathlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware.store.atomic_file import previous_path, write_atomic
from firmware.store.envelope import Record, RecordError, decode_record, encode_record

log = logging.getLogger(__name__)

STORE_FILE = "store.json"


@dataclass(frozen=True)
class LoadResult:
    sections: dict[str, Any]
    source: pathlib.Path | None  # the file the data came from; None = fresh defaults
    problems: tuple[str, ...] = field(default_factory=tuple)  # damaged copies skipped


class Store:
    def __init__(
        self,
        state_dir: pathlib.Path,
        *,
        filename: str = STORE_FILE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = state_dir / filename
        self._clock = clock
        self._seq = 0
        # Saves come from the event loop's worker threads; one at a time shares the
        # temporary file and keeps `seq` increasing.
        self._lock = threading.Lock()

    def load(self) -> LoadResult:
        """The newest valid record, or empty sections when there is none."""
        candidates: list[tuple[Record, pathlib.Path]] = []
        problems: list[str] = []
        for path in (self.path, previous_path(self.path)):
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                problems.append(f"{path.name}: unreadable ({exc.strerror})")
                continue
            try:
                candidates.append((decode_record(data), path))
            except RecordError as exc:
                problems.append(f"{path.name}: {exc}")
        for problem in problems:
            log.warning("store: skipped %s", problem)
        if not candidates:
            return LoadResult(sections={}, source=None, problems=tuple(problems))
        record, path = max(candidates, key=lambda item: item[0].seq)
        self._seq = record.seq
        return LoadResult(sections=record.sections, source=path, problems=tuple(problems))

    def save(self, sections: dict[str, Any]) -> None:
        """Durably write all sections (raises ValueError for data JSON cannot hold)."""
        with self._lock:
            self._seq += 1
            record = Record(seq=self._seq, saved_at=self._clock(), sections=sections)
            data = encode_record(record)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, data)
