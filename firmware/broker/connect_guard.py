"""`GuardedBroker`: amqtt with the CONNECT checked before amqtt's session logic sees it.

amqtt 0.12 handles a CONNECT in this order: it deletes (clean session) or updates
(persistent session) the stored session of that client id, takes over a connected
client with that id, and only then asks the authentication plugins. One CONNECT with
the heater's client id and a wrong password therefore dropped the heater's
subscriptions. This thin layer, in front of amqtt's own handling of each TCP
connection, reads the first packet itself with a deadline and a size cap, asks the same
authentication plugins, and answers a refused CONNECT with CONNACK 5 ("not authorized")
without amqtt ever seeing it: no stored session is touched. An accepted CONNECT is
handed to amqtt unchanged (its bytes replayed in front of the stream).

It also bounds what a neighbour can hold open: a connection cap (further connections
are closed at once), a deadline for the CONNECT (half-open sockets are dropped), and the
socket closed on every exit path (amqtt leaves some failed handshakes to the GC).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from amqtt.adapters import ReaderAdapter, StreamReaderAdapter, StreamWriterAdapter
from amqtt.broker import Broker
from amqtt.errors import AMQTTError, MQTTError, NoDataError
from amqtt.mqtt.connack import NOT_AUTHORIZED, ConnackPacket
from amqtt.mqtt.connect import ConnectPacket
from amqtt.session import Session

from firmware.logs.repeat_filter import RepeatFilter

log = logging.getLogger(__name__)
log.addFilter(RepeatFilter())

CONNECT_PACKET_TYPE = 0x10
# A CONNECT carries a client id, a will and credentials: a few hundred bytes in practice.
MAX_CONNECT_BYTES = 16 * 1024
CONNECT_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 64


class ConnectRefused(Exception):
    """The first packet is not a CONNECT this broker will read."""


class ReplayReader(ReaderAdapter):
    """A stream reader that first returns `prefix`, then what the socket sends."""

    def __init__(self, prefix: bytes, reader: asyncio.StreamReader) -> None:
        self._prefix = bytearray(prefix)
        self._rest = StreamReaderAdapter(reader)

    async def read(self, n: int = -1) -> bytes:
        if not self._prefix:
            return await self._rest.read(n)
        if n < 0 or n > len(self._prefix):
            head = bytes(self._prefix)
            self._prefix.clear()
            return head + await self._rest.read(-1 if n < 0 else n - len(head))
        head = bytes(self._prefix[:n])
        del self._prefix[:n]
        return head

    def feed_eof(self) -> None:
        self._rest.feed_eof()


async def read_connect(reader: asyncio.StreamReader) -> bytes:
    """The raw bytes of the first packet, which must be a CONNECT of bounded size."""
    first = await reader.readexactly(1)
    if first[0] != CONNECT_PACKET_TYPE:
        raise ConnectRefused(f"first packet type 0x{first[0]:02x} is not CONNECT")
    length, multiplier, header = 0, 1, bytearray(first)
    for _ in range(4):
        byte = await reader.readexactly(1)
        header += byte
        length += (byte[0] & 0x7F) * multiplier
        if not byte[0] & 0x80:
            break
        multiplier *= 128
    else:
        raise ConnectRefused("malformed remaining length")
    if length > MAX_CONNECT_BYTES:
        raise ConnectRefused(f"CONNECT of {length} bytes (at most {MAX_CONNECT_BYTES})")
    return bytes(header) + await reader.readexactly(length)


class BytesReader(ReaderAdapter):
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    async def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = len(self._data)
        if n > len(self._data):
            raise asyncio.IncompleteReadError(bytes(self._data), n)
        head, self._data = bytes(self._data[:n]), self._data[n:]
        return head

    def feed_eof(self) -> None:
        pass


class GuardedBroker(Broker):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.open_connections = 0
        # Connections that have not sent their CONNECT yet, oldest first.
        self._waiting: dict[asyncio.StreamWriter, None] = {}

    async def stream_connected(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str
    ) -> None:
        if self.open_connections >= MAX_CONNECTIONS:
            if not self._waiting:
                log.warning("MQTT broker: %d clients connected, refusing more", MAX_CONNECTIONS)
                writer.close()
                return
            # A flood of silent sockets must not lock the heater's own bridge out: the
            # oldest one still without a CONNECT makes room.
            log.warning("MQTT broker: %d connections open, dropping the oldest silent one",
                        MAX_CONNECTIONS)  # fmt: skip
            oldest = next(iter(self._waiting))
            del self._waiting[oldest]  # closed now; its task ends on the EOF
            oldest.close()
        self.open_connections += 1
        try:
            await self._guarded(reader, writer, listener_name)
        finally:
            self.open_connections -= 1
            writer.close()

    async def _guarded(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str
    ) -> None:
        peer = writer.get_extra_info("peername")
        self._waiting[writer] = None
        try:
            raw = await asyncio.wait_for(read_connect(reader), CONNECT_TIMEOUT_S)
        except TimeoutError:
            log.warning("MQTT broker: no CONNECT from %s within %g s", peer, CONNECT_TIMEOUT_S)
            return
        except (ConnectRefused, asyncio.IncompleteReadError, ConnectionError) as exc:
            log.warning("MQTT broker: dropped %s: %s", peer, exc or type(exc).__name__)
            return
        finally:
            self._waiting.pop(writer, None)
        verdict = await self._credentials_verdict(raw)
        if verdict is False:
            log.warning("MQTT broker: refused a CONNECT from %s (not authorized)", peer)
            writer.write(bytes(ConnackPacket.build(0, NOT_AUTHORIZED).to_bytes()))
            await writer.drain()
            return
        await self._client_connected(
            listener_name, ReplayReader(raw, reader), StreamWriterAdapter(writer)
        )

    async def disconnect_user(self, username: str) -> None:
        """Close every session logged in as `username` (a revoked app), stored ones too."""
        for client_id, (session, _) in list(self._sessions.items()):
            if session.username == username:
                log.info("MQTT broker: dropping %s (login %s revoked)", client_id, username)
                await self._cleanup_session(client_id)

    async def _credentials_verdict(self, raw: bytes) -> bool | None:
        """False: refused; True: accepted; None: a CONNECT amqtt itself will reject (the
        wrong protocol level, say), which never reaches its session logic."""
        try:
            packet = await ConnectPacket.from_stream(BytesReader(raw))
        except (AMQTTError, MQTTError, NoDataError, asyncio.IncompleteReadError, ValueError):
            return None
        if packet.proto_level != 4 or packet.payload is None:
            return None
        session = Session()
        session.client_id = packet.payload.client_id
        session.username = packet.payload.username
        session.password = packet.payload.password
        return await self._authenticate(session, self.listeners_config["default"])
