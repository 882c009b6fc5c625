"""Logging that a flood cannot turn into a full disk or a busy core: repeated lines are
counted and summarised (`RepeatFilter`), the log file is size-bounded
(`bounded_file_handler`)."""

from firmware.logs.bounded_file import bounded_file_handler
from firmware.logs.repeat_filter import RepeatFilter

__all__ = ["RepeatFilter", "bounded_file_handler"]
