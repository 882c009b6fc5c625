"""Where the "today" baselines of every heater are kept between runs of the app:
`days.json` next to the settings, replaced atomically; unreadable = start afresh."""

from __future__ import annotations

import json
import os
import pathlib


class DayStore:
    def __init__(self, path: pathlib.Path) -> None:
        self.path = path

    def load(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, snapshot: dict[str, object]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(snapshot, sort_keys=True) + "\n")
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
