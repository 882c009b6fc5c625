"""`I2cServer`: an SMBus-shaped object (a simulated board's parts, hw/sim/parts) served on
127.0.0.1 for `socket://` buses (firmware/parts/bus.py documents the line protocol).

The transport is written here from that protocol description, not from the client: each
line is a JSON object naming an smbus2 method and its arguments; the reply carries the
result or the errno of the OSError the simulated part raised (121, EREMOTEIO, for a part
that does not acknowledge), as i2c-dev reports it.
"""

from __future__ import annotations

import errno
import json
import socketserver
import threading
from typing import Any

# The smbus2 method names a client may call; anything else is refused with EINVAL.
OPERATIONS = frozenset(
    {
        "read_byte",
        "write_byte",
        "read_byte_data",
        "write_byte_data",
        "read_word_data",
        "write_word_data",
        "read_i2c_block_data",
        "write_i2c_block_data",
    }
)


class I2cServer:
    """Serve `bus` (any object with the smbus2 method names) until `stop()`."""

    def __init__(self, bus: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.bus = bus
        self._lock = threading.Lock()  # one transaction on the bus at a time, as on a wire
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                for line in self.rfile:
                    reply = server.execute(bytes(line))
                    self.wfile.write(json.dumps(reply).encode() + b"\n")
                    self.wfile.flush()

        self._tcp = socketserver.ThreadingTCPServer((host, port), Handler)
        self._tcp.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._tcp.server_address[:2]
        return f"socket://{host!s}:{port}"

    def start(self) -> str:
        """Start serving in a thread; returns the `socket://` URL for `[asic] i2c_bus`."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._tcp.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._thread is not None:
            self._tcp.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._tcp.server_close()

    def __enter__(self) -> I2cServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def execute(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            op = request["op"]
            args = request["args"]
        except (ValueError, KeyError, TypeError):
            return {"errno": errno.EINVAL, "error": f"not a request: {line[:80]!r}"}
        if op not in OPERATIONS or not isinstance(args, list):
            return {"errno": errno.EINVAL, "error": f"unknown operation {op!r}"}
        with self._lock:
            try:
                result = getattr(self.bus, op)(*args)
            except OSError as exc:
                return {"errno": exc.errno or errno.EIO, "error": str(exc)}
            except (TypeError, ValueError) as exc:
                return {"errno": errno.EINVAL, "error": f"{op}{tuple(args)}: {exc}"}
        return {"ok": result}
