"""A log file that cannot fill the disk: size-rotated, a fixed number of old files.

Under systemd hearthd logs to the journal, whose own limits (`SystemMaxUse=`, rate limits)
bound it; `--log-file` gives this handler instead: at most
`max_bytes * (backups + 1)` bytes on disk (8 MB by default).
"""

from __future__ import annotations

import logging
import logging.handlers
import pathlib

from firmware.logs.repeat_filter import RepeatFilter

MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3


def bounded_file_handler(
    path: pathlib.Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS
) -> logging.Handler:
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    handler.addFilter(RepeatFilter())
    return handler

