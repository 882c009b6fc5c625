"""The history endpoints (docs/http-api.md, "History"): reads, open on the LAN.

    GET /api/history?span=48h|90d     Hearth's shape: {"interval_s", "fields", "samples"}
    GET /api/system/statistics        AxeOS's shape: {"currentTimestamp", "labels",
                                      "statistics"}; `?columns=a,b` picks columns

AxeOS (ESP-Miner's `openapi.yaml`, `/api/system/statistics`) reports a ring of rows whose
last column is `timestamp` in milliseconds, with `currentTimestamp` the reference on
the same clock; Hearth's clock for both is unix milliseconds. Hashrate there is GH/s, as
in `/api/system/info`; the ring is the last `AXEOS_ROWS` minute samples.
"""

from __future__ import annotations

from aiohttp import web

from firmware.history import FIELDS, MINUTES, SPANS, History
from firmware.inputs import bounded_text

HISTORY_KEY = web.AppKey("history", History)
AXEOS_ROWS = 720  # ESP-Miner keeps 720 entries
# AxeOS label -> (Hearth field, factor). `timestamp` is added as the last column.
AXEOS_COLUMNS = {
    "hashrate": ("hashrate_ths", 1000.0),  # GH/s
    "power": ("power_w", 1.0),
    "roomTemp": ("room_c", 1.0),
    "targetTemp": ("target_c", 1.0),
    "energy": ("energy_kwh", 1.0),
    "earnings": ("earnings_sat", 1.0),
}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


async def get_history(request: web.Request) -> web.Response:
    name = request.query.get("span", MINUTES.name)
    span = SPANS.get(name)
    if span is None:
        allowed = " or ".join(SPANS)
        return _error(400, f"span {bounded_text(name, 32)!r}: use {allowed}")
    return web.json_response(request.app[HISTORY_KEY].document(span))


async def get_statistics(request: web.Request) -> web.Response:
    history = request.app[HISTORY_KEY]
    wanted = request.query.get("columns")
    labels = list(AXEOS_COLUMNS)
    if wanted is not None:
        asked = [c.strip() for c in wanted.split(",") if c.strip()]
        unknown = [c for c in asked if c not in AXEOS_COLUMNS and c != "timestamp"]
        if unknown:
            return _error(
                400,
                f"columns {bounded_text(','.join(unknown), 128)!r}: use "
                f"{', '.join([*AXEOS_COLUMNS, 'timestamp'])}",
            )
        labels = [c for c in asked if c != "timestamp"]
    index = {field: i for i, field in enumerate(FIELDS)}
    rows = history.rows(MINUTES)[-AXEOS_ROWS:]
    statistics = []
    for t, values in rows:
        row: list[float | None] = []
        for label in labels:
            field, factor = AXEOS_COLUMNS[label]
            value = values[index[field]]
            row.append(None if value is None else round(value * factor, 3))
        statistics.append([*row, t * 1000])
    current = rows[-1][0] * 1000 if rows else 0
    return web.json_response(
        {"currentTimestamp": current, "labels": [*labels, "timestamp"], "statistics": statistics}
    )


def add_history_routes(app: web.Application, history: History) -> None:
    app[HISTORY_KEY] = history
    app.router.add_get("/api/history", get_history)
    app.router.add_get("/api/system/statistics", get_statistics)
