"""Checks of the host that a valid configuration still needs before anything starts: a
state directory that is (or can become) a directory, an HTTP bind address that resolves.
Each problem is one line for the owner (hearthd exits 2), never a traceback."""

from __future__ import annotations

import socket

from firmware.config.schema import HearthConfig


def preflight_problems(config: HearthConfig) -> list[str]:
    problems: list[str] = []
    state_dir = config.device.state_dir
    if state_dir.exists() and not state_dir.is_dir():
        problems.append(f"device.state_dir {str(state_dir)!r} exists and is not a directory")
    else:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problems.append(
                f"device.state_dir {str(state_dir)!r}: cannot create it ({exc.strerror})"
            )
    http = config.http
    if http.port:
        try:
            socket.getaddrinfo(http.bind, http.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            problems.append(f"http.bind {http.bind!r} does not resolve to an address ({exc})")
    return problems
