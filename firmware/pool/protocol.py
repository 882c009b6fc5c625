"""Stratum v1 wire format: newline-delimited JSON-RPC 1.0, as pools really send it.

Pure code, no I/O: a `LineFramer` cuts the byte stream into lines (dropping any that
grow past `MAX_LINE_BYTES`), `decode_line` turns one line into a `Request` (a pool
notification or call) or a `Response`, and `encode_request` writes what we send.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

# A mining.notify with a 4 kB coinbase and 20 branches is about 6 kB; anything past
# this is not stratum and would only be a way to exhaust the heater's memory.
MAX_LINE_BYTES = 64 * 1024


class ProtocolError(ValueError):
    """A line from the pool that is not usable stratum; the session logs and survives it."""


@dataclass(frozen=True)
class Request:
    """A method call or notification from the pool (id is None for notifications)."""

    id: Any
    method: str
    params: list[Any]


@dataclass(frozen=True)
class Response:
    """The answer to one of our requests; `error` is None on success, else readable text."""

    id: int
    result: Any
    error: str | None


Message = Request | Response


class LineFramer:
    """Splits a byte stream into lines; a line longer than the limit is dropped whole."""

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self._limit = limit
        self._buffer = bytearray()
        self._discarding = False
        self.dropped_lines = 0

    def feed(self, data: bytes) -> list[bytes]:
        lines: list[bytes] = []
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._discarding:
                self._discarding = False
                continue
            if len(line) > self._limit:
                self.dropped_lines += 1
                continue
            lines.append(line.rstrip(b"\r"))
        if len(self._buffer) > self._limit:
            # Keep no part of an oversized line; skip up to its end.
            if not self._discarding:
                self.dropped_lines += 1
            self._discarding = True
            self._buffer.clear()
        return lines


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def decode_line(line: bytes) -> Message:
    """One line from the pool -> a Request or a Response; ProtocolError if it is neither."""
    try:
        obj = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ProtocolError(f"expected a JSON object, got {type(obj).__name__}")
    method = obj.get("method")
    if method is not None:
        if not isinstance(method, str):
            raise ProtocolError(f"method must be a string, got {type(method).__name__}")
        params = obj.get("params", [])
        if params is None:
            params = []
        if isinstance(params, dict):
            # A few pools send named params for set_version_mask and the like.
            params = list(params.values())
        if not isinstance(params, list):
            raise ProtocolError(f"params of {method} must be an array")
        return Request(obj.get("id"), method, params)
    if "id" not in obj or ("result" not in obj and "error" not in obj):
        raise ProtocolError("neither a method call nor a response")
    msg_id = obj["id"]
    if not isinstance(msg_id, int) or isinstance(msg_id, bool):
        raise ProtocolError(f"response id must be an integer we sent, got {msg_id!r}")
    error = obj.get("error")
    reason = obj.get("reject-reason")
    if error is None and obj.get("result") is not True and isinstance(reason, str):
        error = reason
    return Response(msg_id, obj.get("result"), None if error is None else describe_error(error))


def describe_error(error: Any) -> str:
    """Readable text for every error form pools use: [code, "msg", data], "msg",
    {"code": c, "message": m}, and the like; unknown shapes are shown compactly."""
    if isinstance(error, str):
        return error[:200] or "error"
    if isinstance(error, list):
        text = next((part for part in error if isinstance(part, str)), None)
        code = next((p for p in error if isinstance(p, int) and not isinstance(p, bool)), None)
        if text is not None:
            return f"{text[:200]} ({code})" if code is not None else text[:200]
        if code is not None:
            return f"error {code}"
    if isinstance(error, dict):
        text = error.get("message") or error.get("msg") or error.get("reason")
        code = error.get("code")
        if isinstance(text, str):
            return f"{text[:200]} ({code})" if isinstance(code, int) else text[:200]
        if isinstance(code, int):
            return f"error {code}"
    return json.dumps(error, separators=(",", ":"), default=str)[:200]


def reject_reason(response: Response) -> str | None:
    """Why a submit was not accepted, or None if it was. `result: false` without an
    error object is a rejection too; some pools put the reason in `reject-reason`."""
    if response.error is not None:
        return response.error
    if response.result is True:
        return None
    return "rejected (no reason given)"


def encode_request(msg_id: int, method: str, params: list[Any]) -> bytes:
    return json.dumps({"id": msg_id, "method": method, "params": params}).encode() + b"\n"


def encode_response(msg_id: Any, result: Any, error: Any = None) -> bytes:
    return json.dumps({"id": msg_id, "result": result, "error": error}).encode() + b"\n"


def is_finite_number(value: Any) -> bool:
    """A JSON number that fits a float: not a bool, NaN, infinity, or an integer so long
    that converting it raises OverflowError (JSON allows 10**400; a pool may send it)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
