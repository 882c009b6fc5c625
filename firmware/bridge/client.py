"""`MqttBridge`: the heater on MQTT, an asyncio face over paho-mqtt 2.x.

paho's network loop runs in its own thread (`loop_start`): it owns the socket,
keepalive and reconnect-with-backoff. Every paho callback is handed to the daemon's
asyncio loop with `call_soon_threadsafe`, so all bridge logic (applying commands,
publishing state, discovery) runs on the daemon's loop and never races the daemon.

Delivery guarantees:
- QoS 1 and a persistent session (clean_session=False / clean_start=False with a
  session expiry, fixed client id): a `set` sent while the heater is offline is queued
  by the broker and delivered on reconnect.
- `set` messages are acknowledged (PUBACK) only after they were applied and answered,
  so a crash in between makes the broker deliver the command again.
- On every (re)connect: availability `online`, discovery, and state are republished;
  the last will publishes `offline` (retained) if the connection dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import secrets
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from firmware.bridge.commands import CommandError, decode_set, encode_result
from firmware.bridge.config import BridgeConfig
from firmware.bridge.discovery import DiscoveryInfo, discovery_messages
from firmware.bridge.publish_policy import StatePublishPolicy
from firmware.bridge.state_payload import encode_state
from firmware.bridge.topics import (
    DEFAULT_PREFIX,
    PAYLOAD_OFFLINE,
    PAYLOAD_ONLINE,
    DeviceTopics,
)
from firmware.grid.formats import parse_prices
from firmware.grid.prices import PriceTable
from firmware.heat.demand import DemandSignal, parse_demand

log = logging.getLogger(__name__)

QOS = 1
# MQTT 5 only: how long the broker keeps the session (and queued commands) of a heater
# that is gone. A week covers a holiday unplugged; 3.1.1 brokers keep it indefinitely.
SESSION_EXPIRY_S = 7 * 24 * 3600
STOP_TIMEOUT_S = 5.0
# A state publish that could not go out (socket just dropped, state not buildable) is
# retried after this long instead of at once.
UNSENT_RETRY_S = 0.2
# A broker that accepts TCP but never answers CONNECT (amqtt given an MQTT 5 CONNECT)
# would otherwise leave the owner with no clue until the keepalive expires.
CONNACK_TIMEOUT_S = 10.0
# The subscription probe (BridgeConfig.probe_interval_s): a QoS 0 message on the heater's
# own `set` topic, recognised by this prefix and a fresh token and never applied. A
# broker that dropped the subscriptions (amqtt once did, for a refused CONNECT with the
# heater's client id) while keeping the connection would otherwise leave the heater deaf.
PROBE_PREFIX = b"\x00hearth-probe:"
PROBE_TIMEOUT_S = 10.0
# CONNACK codes that mean "wrong credentials": 3.1.1 codes 4 and 5 are reported by
# paho as MQTT 5 reason codes 134 (Bad user name or password) and 135 (Not authorized).
AUTH_REFUSALS = frozenset({134, 135})

StateGetter = Callable[[], Mapping[str, object]]
SetApplier = Callable[[Mapping[str, object]], Awaitable[None] | None]
DemandHandler = Callable[[DemandSignal], Awaitable[None] | None]
PricesHandler = Callable[[PriceTable | None], Awaitable[None] | None]
# An outside room sensor's topic and what takes its raw payloads ([room_sensor]).
RoomSensorFeed = tuple[str, Callable[[bytes], None]]


@dataclass(frozen=True)
class MeterInput:
    """A grid meter's topic (`[grid_meter]`): `parse` turns a payload into watts or
    raises ValueError naming what is wrong (the reading is then ignored, and logged);
    `handle` takes the watts."""

    topic: str
    parse: Callable[[bytes], float]
    handle: Callable[[float], Awaitable[None] | None]


# `result.request` of the answer to a `prices` message (it has no correlation id).
PRICES_REQUEST = "prices"


@dataclass(frozen=True)
class Incoming:
    topic: str
    payload: bytes
    retain: bool
    mid: int
    qos: int


class MqttBridge:
    """Connects the daemon to a broker under the topic contract of docs/mqtt.md.

    get_state: the current state object (called on the asyncio loop).
    apply_set: validates and applies a settings mapping all-or-nothing; raises
        ValueError (its message goes to `result.error`) to reject without changing
        anything. May be a coroutine function.
    on_demand: receives parsed demand-response signals (`<prefix>/<id>/demand`).
    on_prices: receives each accepted price table (`<prefix>/<id>/prices`; None: JSON
        null, drop the schedule); a refused one never reaches it. Raising ValueError
        refuses it. Every `prices` message is answered on `result` (request "prices").
    room_sensor: (topic, handler): the bridge subscribes to an outside room sensor's
        topic (QoS 0: the broker queues no old readings for an offline heater) and hands
        each payload as it is to the handler (firmware/room_sensor parses it).
    """

    def __init__(
        self,
        config: BridgeConfig,
        *,
        device_id: str,
        get_state: StateGetter,
        apply_set: SetApplier,
        prefix: str = DEFAULT_PREFIX,
        discovery: DiscoveryInfo | None = None,
        on_demand: DemandHandler | None = None,
        on_prices: PricesHandler | None = None,
        grid_meter: MeterInput | None = None,
        room_sensor: RoomSensorFeed | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.topics = DeviceTopics(prefix, device_id)
        self.discovery = discovery
        self._get_state = get_state
        self._apply_set = apply_set
        self._on_demand = on_demand
        self._on_prices = on_prices
        self.grid_meter = grid_meter
        self._room_sensor = room_sensor
        self.meter_error: str | None = None  # why the last grid meter reading was refused
        self._clock = clock
        self._policy = StatePublishPolicy(config.state_min_interval_s, config.state_heartbeat_s)
        self._last_state_payload: bytes | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: mqtt.Client | None = None
        self._inbox: asyncio.Queue[Incoming] = asyncio.Queue()
        self._wake = asyncio.Event()
        # Clear while a `set` is being applied: no periodic state goes out then, so every
        # state after a `set` arrived reflects it (the answer's state is published first).
        self._no_set_in_flight = asyncio.Event()
        self._no_set_in_flight.set()
        self._tasks: list[asyncio.Task[None]] = []
        self._connected = asyncio.Event()
        self._probe = b""
        self._probe_back = asyncio.Event()
        self.last_error: str | None = None

    @property
    def client_id(self) -> str:
        return self.config.client_id or f"hearth-{self.topics.device_id}"

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Start connecting in the background; the heater runs whether or not a broker
        answers. `wait_connected()` waits for the first session."""
        if self._client is not None:
            raise RuntimeError("bridge already started")
        self._loop = asyncio.get_running_loop()
        client = self._make_client()
        self._client = client
        self._tasks = [
            asyncio.create_task(self._handle_inbox(), name="mqtt-inbox"),
            asyncio.create_task(self._state_loop(), name="mqtt-state"),
            asyncio.create_task(self._probe_loop(), name="mqtt-probe"),
        ]
        self._track(self._diagnose_silence())
        log.info(
            "MQTT: connecting to %s:%d as %s (%s)",
            self.config.host,
            self.config.port,
            self.client_id,
            "TLS" if self.config.tls else "plain",
        )
        if self.config.protocol == "5":
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = SESSION_EXPIRY_S
            client.connect_async(
                self.config.host,
                self.config.port,
                keepalive=self.config.keepalive_s,
                clean_start=False,
                properties=properties,
            )
        else:
            # MQTT 3.1.1: the persistent session comes from clean_session=False (client).
            client.connect_async(self.config.host, self.config.port, self.config.keepalive_s)
        client.loop_start()

    async def _diagnose_silence(self) -> None:
        await asyncio.sleep(CONNACK_TIMEOUT_S)
        if not self.connected and self.last_error is None:
            self._record_error(
                f"no MQTT answer from broker {self.config.host}:{self.config.port} after "
                f"{CONNACK_TIMEOUT_S:g} s; check the MQTT protocol version (the embedded "
                "broker speaks 3.1.1 only) and that the port is an MQTT listener"
            )

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def stop(self) -> None:
        """Publish `offline` (a clean disconnect sends no last will), disconnect, stop."""
        client, self._client = self._client, None
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if client is None:
            return
        self._connected.clear()
        if client.is_connected():
            info = client.publish(self.topics.availability, PAYLOAD_OFFLINE, qos=QOS, retain=True)
            await asyncio.to_thread(wait_all_published, [info])
            client.disconnect()
        await asyncio.to_thread(client.loop_stop)

    async def __aenter__(self) -> MqttBridge:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- what the daemon calls ---------------------------------------------------------

    def notify_changed(self) -> None:
        """Something in the state changed; it goes out within `state_min_interval_s`."""
        self._policy.changed()
        self._wake.set()

    def publish_now(self) -> None:
        """Publish the state at once, past the rate limit (a command's effect), unless
        exactly this state is already the last one out."""
        self._policy.forget()
        self._publish_state(only_if_changed=True)

    def publish_retained(self, topic: str, payload: bytes) -> bool:
        """Publish a retained message on `topic` now (the history); False when not
        connected (the caller sends it again later)."""
        client = self._client
        if client is None or not self.connected or not client.is_connected():
            return False
        client.publish(topic, payload, qos=QOS, retain=True)
        return True

    async def set_discovery(self, discovery: DiscoveryInfo | None) -> None:
        """Switch features or discovery on/off: re-announces, removing what is now off.
        Returns once the broker acknowledged every message (when connected)."""
        previous, self.discovery = self.discovery, discovery
        announce = discovery
        if discovery is None and previous is not None:
            announce = DiscoveryInfo(previous.device, enabled=False, prefix=previous.prefix)
        sent = self._publish_discovery(announce)
        client = self._client
        if discovery is not None and client is not None and client.is_connected():
            # Started without discovery: Home Assistant's birth message was not followed.
            client.subscribe(discovery.status_topic, QOS)
        if self.connected:
            await asyncio.to_thread(wait_all_published, sent)

    # ---- paho side (network thread): hand everything to the asyncio loop -----------------

    def _make_client(self) -> mqtt.Client:
        protocol = mqtt.MQTTv5 if self.config.protocol == "5" else mqtt.MQTTv311
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False if protocol == mqtt.MQTTv311 else None,
            protocol=protocol,
            manual_ack=True,
        )
        if self.config.username is not None:
            client.username_pw_set(self.config.username, self.config.password)
        tls = self.config.tls
        if tls is not None:
            client.tls_set(
                ca_certs=tls.ca_file,
                certfile=tls.cert_file,
                keyfile=tls.key_file,
                cert_reqs=ssl.CERT_REQUIRED,
            )
            client.tls_insecure_set(tls.insecure)
        client.will_set(self.topics.availability, PAYLOAD_OFFLINE, qos=QOS, retain=True)
        client.reconnect_delay_set(self.config.reconnect_min_s, self.config.reconnect_max_s)
        client.on_connect = self._paho_connect
        client.on_connect_fail = self._paho_connect_fail
        client.on_disconnect = self._paho_disconnect
        client.on_message = self._paho_message
        client.on_socket_open = disable_nagle
        return client

    def _to_loop(self, callback: Callable[..., None], *args: object) -> None:
        loop = self._loop
        # The loop may close between the check and the call (daemon shutting down); an
        # exception here would kill paho's network thread.
        with contextlib.suppress(RuntimeError):
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(callback, *args)

    def _paho_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._to_loop(self._on_connect, client, bool(flags.session_present), reason_code)

    def _paho_connect_fail(self, client: mqtt.Client, userdata: object) -> None:
        self._to_loop(
            self._record_error,
            f"cannot reach broker {self.config.host}:{self.config.port}: connection or TLS "
            "handshake failed (retrying with backoff)",
        )

    def _paho_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._to_loop(self._on_disconnect, str(reason_code))

    def _paho_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        incoming = Incoming(msg.topic, bytes(msg.payload), bool(msg.retain), msg.mid, msg.qos)
        self._to_loop(self._inbox.put_nowait, incoming)

    # ---- asyncio side ------------------------------------------------------------------

    def _record_error(self, message: str) -> None:
        if message != self.last_error:
            log.error("MQTT: %s", message)
        self.last_error = message

    def _on_connect(
        self, client: mqtt.Client, session_present: bool, reason_code: ReasonCode
    ) -> None:
        if client is not self._client:
            return
        if reason_code.is_failure:
            self._record_error(
                f"broker {self.config.host}:{self.config.port} refused the connection: "
                f"{reason_code} (check mqtt username/password)"
                if reason_code.value in AUTH_REFUSALS
                else f"broker {self.config.host}:{self.config.port} refused the connection: "
                f"{reason_code}"
            )
            return
        self.last_error = None
        log.info("MQTT: connected (session present: %s)", session_present)
        client.subscribe(self._subscriptions())
        sent = [client.publish(self.topics.availability, PAYLOAD_ONLINE, qos=QOS, retain=True)]
        sent += self._publish_discovery(self.discovery)
        self._policy.forget()
        sent += self._publish_state()
        self._track(self._announced(client, sent))

    def _subscriptions(self) -> list[tuple[str, int]]:
        subscriptions = [(self.topics.set, QOS), (self.topics.demand, QOS)]
        if self.grid_meter is not None:
            subscriptions.append((self.grid_meter.topic, QOS))
        if self._room_sensor is not None:
            subscriptions.append((self._room_sensor[0], 0))
        if self._on_prices is not None:
            subscriptions.append((self.topics.prices, QOS))
        if self.discovery is not None:
            subscriptions.append((self.discovery.status_topic, QOS))
        return subscriptions

    async def _probe_loop(self) -> None:
        """A lost probe: subscribe again; a second in a row: drop the connection, so paho
        reconnects and the broker builds the session afresh (amqtt, once it lost track
        of the session, delivers nothing to it even after a new SUBSCRIBE)."""
        missed = 0
        while True:
            await asyncio.sleep(self.config.probe_interval_s)
            client = self._client
            if client is None or not self.connected:
                missed = 0
                continue
            self._probe = PROBE_PREFIX + secrets.token_hex(8).encode()
            self._probe_back.clear()
            client.publish(self.topics.set, self._probe, qos=0, retain=False)
            try:
                await asyncio.wait_for(self._probe_back.wait(), PROBE_TIMEOUT_S)
                missed = 0
                continue
            except TimeoutError:
                missed += 1
            if client is not self._client or not client.is_connected():
                continue
            if missed == 1:
                log.warning(
                    "MQTT: own probe on %s did not come back: subscriptions lost; "
                    "subscribing again",
                    self.topics.set,
                )
                client.subscribe(self._subscriptions())
            else:
                log.warning("MQTT: subscriptions still lost; reconnecting")
                missed = 0
                drop_connection(client)

    async def _announced(self, client: mqtt.Client, sent: list[mqtt.MQTTMessageInfo]) -> None:
        """Connected for the daemon's purposes once availability, discovery and state are
        on the broker: a client subscribing after `wait_connected()` gets them retained."""
        await asyncio.to_thread(wait_all_published, sent)
        if client is self._client and client.is_connected():
            self._connected.set()

    def _track(self, coro: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.append(task)
        task.add_done_callback(self._forget_task)

    def _forget_task(self, task: asyncio.Task[None]) -> None:
        if task in self._tasks:
            self._tasks.remove(task)

    def _on_disconnect(self, reason: str) -> None:
        if self._connected.is_set():
            log.warning("MQTT: disconnected (%s); reconnecting with backoff", reason)
        elif self.last_error is None and self._client is not None:
            # Dropped before any CONNACK: amqtt does this to MQTT 5 clients.
            self._record_error(
                f"broker {self.config.host}:{self.config.port} closed the connection before "
                f"accepting it ({reason}); check the MQTT protocol version (the embedded "
                "broker speaks 3.1.1 only), TLS and credentials"
            )
        self._connected.clear()

    def _publish_discovery(self, discovery: DiscoveryInfo | None) -> list[mqtt.MQTTMessageInfo]:
        client = self._client
        if discovery is None or client is None:
            return []
        return [
            client.publish(message.topic, message.payload, qos=QOS, retain=True)
            for message in discovery_messages(discovery, self.topics)
        ]

    def _publish_state(self, *, only_if_changed: bool = False) -> list[mqtt.MQTTMessageInfo]:
        client = self._client
        if client is None or not client.is_connected():
            return []
        try:
            payload = encode_state(self._get_state())
        except Exception:
            log.exception("MQTT: could not build the state object")
            return []
        now = self._clock()
        if only_if_changed and payload == self._last_state_payload:
            # Poked, but nothing visible changed: the heartbeat clock keeps running.
            self._policy.change_pending = False
            return []
        sent = client.publish(self.topics.state, payload, qos=QOS, retain=True)
        self._last_state_payload = payload
        self._policy.published(now)
        return [sent]

    async def _state_loop(self) -> None:
        while True:
            delay = self._policy.next_publish_at() - self._clock()
            if delay > 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), delay)
                    continue
                except TimeoutError:
                    pass
            if self.connected:
                await self._no_set_in_flight.wait()
                self._publish_state(only_if_changed=not self._policy.heartbeat_due(self._clock()))
                if self._policy.next_publish_at() <= self._clock():
                    # Not sent: paho's socket already dropped while the disconnect callback
                    # is still queued for this loop. Yield to it instead of spinning.
                    await asyncio.sleep(UNSENT_RETRY_S)
            else:
                self._wake.clear()
                await self._connected.wait()

    async def _handle_inbox(self) -> None:
        while True:
            incoming = await self._inbox.get()
            try:
                if incoming.topic == self.topics.set and incoming.payload.startswith(
                    PROBE_PREFIX
                ):
                    if incoming.payload == self._probe:
                        self._probe_back.set()
                elif incoming.topic == self.topics.set:
                    await self._handle_set(incoming)
                elif incoming.topic == self.topics.demand:
                    await self._handle_demand(incoming)
                elif self.grid_meter is not None and incoming.topic == self.grid_meter.topic:
                    await self._handle_meter(self.grid_meter, incoming)
                elif self._room_sensor is not None and incoming.topic == self._room_sensor[0]:
                    self._room_sensor[1](incoming.payload)
                elif incoming.topic == self.topics.prices:
                    await self._handle_prices(incoming)
                elif self._is_home_assistant_birth(incoming):
                    log.info("MQTT: Home Assistant came online; re-announcing discovery")
                    self._publish_discovery(self.discovery)
            except Exception:
                log.exception("MQTT: failed handling a message on %s", incoming.topic)
            finally:
                client = self._client
                if client is not None:
                    client.ack(incoming.mid, incoming.qos)

    def _is_home_assistant_birth(self, incoming: Incoming) -> bool:
        return (
            self.discovery is not None
            and incoming.topic == self.discovery.status_topic
            and incoming.payload.strip() == PAYLOAD_ONLINE.encode()
        )

    async def _handle_set(self, incoming: Incoming) -> None:
        if not incoming.payload:
            # Zero bytes is MQTT's "delete the retained message", not a command (the
            # bridge sends it itself below); it gets no answer.
            return
        ok, error, request = False, None, None
        self._no_set_in_flight.clear()
        try:
            command = decode_set(incoming.payload)
            request = command.request
            outcome = self._apply_set(command.settings)
            if inspect.isawaitable(outcome):
                await outcome
            ok = True
        except CommandError as exc:
            error, request = str(exc), exc.request
        except ValueError as exc:
            error = str(exc)
        except ArithmeticError:
            # A number in range for JSON but not for the setting (float() of a huge int).
            error = "a number is out of range"
        except Exception as exc:
            log.exception("MQTT: apply_set failed")
            error = f"internal error: {type(exc).__name__}"
        finally:
            self._no_set_in_flight.set()
        if ok:
            # The commander should see the new state at once, not after the rate limit.
            self.publish_now()
        if incoming.retain and self._client is not None:
            # A retained command would be applied again on every reconnect, long after
            # whoever sent it moved on: apply it once, then delete it from the broker.
            # (amqtt also flags commands queued for an offline session as retained;
            # deleting a retained message that does not exist is harmless.)
            self._client.publish(self.topics.set, b"", qos=QOS, retain=True)
        client = self._client
        if client is not None:
            client.publish(
                self.topics.result,
                encode_result(ok=ok, error=error, request=request),
                qos=QOS,
                retain=False,
            )

    async def _handle_demand(self, incoming: Incoming) -> None:
        try:
            signal = parse_demand(incoming.payload)
        except ValueError as exc:
            log.warning("MQTT: ignored demand signal: %s", exc)
            return
        if self._on_demand is None:
            log.warning("MQTT: demand signal received but no handler is wired: %s", signal)
            return
        outcome = self._on_demand(signal)
        if inspect.isawaitable(outcome):
            await outcome

    async def _handle_prices(self, incoming: Incoming) -> None:
        """Parse, hand over, answer on `result`; a refused table changes nothing. A price
        table may stay retained (the heater takes it again after a reconnect)."""
        if not incoming.payload or self._on_prices is None:
            return  # zero bytes: a retained table deleted, not a table
        ok, error = False, None
        self._no_set_in_flight.clear()
        try:
            outcome = self._on_prices(parse_prices(incoming.payload))
            if inspect.isawaitable(outcome):
                await outcome
            ok = True
        except ValueError as exc:
            error = str(exc)
        except Exception as exc:
            log.exception("MQTT: on_prices failed")
            error = f"internal error: {type(exc).__name__}"
        finally:
            self._no_set_in_flight.set()
        if ok:
            self.publish_now()
        else:
            log.warning("MQTT: refused price table: %s", error)
        client = self._client
        if client is not None:
            client.publish(
                self.topics.result,
                encode_result(ok=ok, error=error, request=PRICES_REQUEST),
                qos=QOS,
                retain=False,
            )

    async def _handle_meter(self, meter: MeterInput, incoming: Incoming) -> None:
        try:
            watts = meter.parse(incoming.payload)
        except ValueError as exc:
            if str(exc) != self.meter_error:  # a meter repeats itself every few seconds
                log.warning("MQTT: ignored reading on %s: %s", incoming.topic, exc)
            self.meter_error = str(exc)
            return
        self.meter_error = None
        outcome = meter.handle(watts)
        if inspect.isawaitable(outcome):
            await outcome


def drop_connection(client: mqtt.Client) -> None:
    """Shut the socket down under paho's network thread, which then reconnects as after
    any lost connection (calling paho's reconnect() from this thread would race it)."""
    sock = client.socket()
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def disable_nagle(client: mqtt.Client, userdata: object, sock: object) -> None:
    """Commands and state are tiny packets: without TCP_NODELAY, Nagle's algorithm
    meeting the peer's delayed ACK holds a packet ~40 ms (measured in bench_mqtt)."""
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def wait_all_published(sent: list[mqtt.MQTTMessageInfo]) -> None:
    """Blocks (call in a thread) until the broker acknowledged each message, the
    connection dropped, or STOP_TIMEOUT_S passed."""
    for info in sent:
        try:
            info.wait_for_publish(STOP_TIMEOUT_S)
        except (RuntimeError, ValueError):
            return
