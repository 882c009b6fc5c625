"""The supervisor's side of the link on the real MicroPython firmware: telemetry rate and
content, command acknowledgements, bad commands, and garbage on the wire."""

from __future__ import annotations

import asyncio
import random
import time

import serial

from firmware.safety.frames import FrameDecoder, encode_frame
from firmware.safety.messages import (
    Ack,
    AckStatus,
    FanMode,
    MessageType,
    SensorStatus,
    Telemetry,
)
from firmware.safety.supervisor_link import SupervisorLink
from hw.sim.supervisor import SupervisorSim
from tests.firmware.supervisor.scenario import eventually, powered, run, write_raw


def test_telemetry_at_least_once_a_second_with_the_simulated_temperatures(
    sim: SupervisorSim,
) -> None:
    sim.set_temperatures(room=19.5, intake=18.25, exhaust=33.0, board=61.4)

    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            first = await link.wait_for_telemetry()
            frames = [first]
            loop = asyncio.get_running_loop()
            start = loop.time()
            while loop.time() - start < 3.0:
                frames.append(await link.wait_for_telemetry())
            elapsed = loop.time() - start
            assert len(frames) - 1 >= elapsed  # >= 1 Hz
            uptimes = [t.uptime_ms for t in frames]
            assert uptimes == sorted(uptimes)
            latest = frames[-1]
            expected = {"room": 19.5, "intake": 18.25, "exhaust": 33.0, "board": 61.4}
            for name, celsius in expected.items():
                measured = latest.temperatures_c[name]
                assert measured is not None
                assert abs(measured - celsius) < 0.1, name
                assert latest.sensor_status[name] == SensorStatus.OK
            assert not latest.tripped
            assert not latest.power_on

    run(scenario())


def test_power_is_refused_without_heartbeat_and_granted_with_it(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            link.pause_heartbeat()
            await link.wait_for_telemetry()
            refused = await link.set_power(True)
            assert refused.status == AckStatus.NO_HEARTBEAT
            assert not sim.power_enabled
            link.pause_heartbeat(False)
            await powered(link, sim)
            on = await link.wait_for_telemetry(lambda t: t.power_on)
            assert on.power_requested and on.heartbeat_ok
            assert (await link.set_power(False)).ok
            await eventually(lambda: not sim.power_enabled)

    run(scenario())


def test_fan_command_manual_and_auto(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            assert (await link.set_fan(80)).ok
            manual = await link.wait_for_telemetry(lambda t: t.fan_mode == FanMode.MANUAL)
            assert manual.fan_manual_pct == 80
            await eventually(lambda: abs(sim.fan_duty - 0.80) < 0.01)
            await link.wait_for_telemetry(lambda t: 2300 <= t.fan_rpm <= 2500)
            assert (await link.set_fan(None)).ok
            # Auto at 24 °C exhaust / 30 °C board, unpowered: the curve says off.
            await eventually(lambda: sim.fan_duty == 0.0)
            await link.wait_for_telemetry(lambda t: t.fan_rpm == 0)

    run(scenario())


def test_bad_payloads_and_unknown_types_are_refused_and_change_nothing(
    sim: SupervisorSim,
) -> None:
    port = serial.serial_for_url(sim.port, timeout=0.05)
    decoder = FrameDecoder()
    try:
        port.write(encode_frame(MessageType.HEARTBEAT, 1))
        port.write(encode_frame(MessageType.SET_FAN, 200, bytes([1, 101])))  # duty > 100
        port.write(encode_frame(MessageType.SET_FAN, 201, bytes([7, 50])))  # no such mode
        port.write(encode_frame(MessageType.SET_POWER, 202, bytes([1, 0])))  # too long
        port.write(encode_frame(MessageType.CLEAR_TRIP, 203, b"\x00"))  # takes no payload
        port.write(encode_frame(0x42, 204))  # no such type
        acks: dict[int, Ack] = {}
        last_telemetry = None
        deadline = time.monotonic() + 5.0
        while (len(acks) < 5 or last_telemetry is None) and time.monotonic() < deadline:
            for frame in decoder.feed(port.read(256)):
                if frame.type == MessageType.ACK:
                    ack = Ack.decode(frame.payload)
                    acks[ack.acked_seq] = ack
                elif frame.type == MessageType.TELEMETRY and len(acks) == 5:
                    last_telemetry = Telemetry.decode(frame.payload)
    finally:
        port.close()
    assert {seq: ack.status for seq, ack in acks.items()} == {
        200: AckStatus.BAD_PAYLOAD,
        201: AckStatus.BAD_PAYLOAD,
        202: AckStatus.BAD_PAYLOAD,
        203: AckStatus.BAD_PAYLOAD,
        204: AckStatus.UNKNOWN_TYPE,
    }
    assert acks[204].acked_type == 0x42
    assert last_telemetry is not None
    assert last_telemetry.fan_mode == FanMode.AUTO
    assert not last_telemetry.power_requested
    assert not sim.power_enabled


def test_garbage_on_the_link_is_survived(sim: SupervisorSim) -> None:
    rng = random.Random(5)

    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            await powered(link, sim)
            good = encode_frame(MessageType.SET_FAN, 77, bytes([1, 60]))
            corrupt = bytearray(good)
            corrupt[-1] ^= 0xFF
            noise = [
                bytes(rng.randrange(256) for _ in range(300)),
                b"\xa5\x5a\xff\x01\x02",  # sync with an impossible length
                b"\xa5\x5a\x05\x01",  # truncated header, the rest never comes
                bytes(corrupt),
                b"\xa5" * 40,
                bytes(rng.randrange(256) for _ in range(1000)),
            ]
            for chunk in noise:
                write_raw(sim.port, chunk)
            write_raw(sim.port, good)
            after = await link.wait_for_telemetry(
                lambda t: t.fan_mode == FanMode.MANUAL and t.fan_manual_pct == 60
            )
            assert after.link_errors > 0
            assert not after.tripped
            assert sim.power_enabled  # heartbeats got through the noise all along
            # And the link still works both ways afterwards.
            assert (await link.set_fan(None)).ok

    run(scenario())
