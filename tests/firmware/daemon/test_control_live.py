"""The daemon's control loop against real parts: the chain simulator on a pty, the
board's simulated regulator on the I2C socket (the chips take their core voltage from
it, as on a Bitaxe Gamma) and a real Mosquitto. What the loop decides is what the chips
do from the first decision on; a `set`'s first following state carries it; a demand of
0 W brings the chips, by their own account, to a stop and the state to idle power."""

from __future__ import annotations

import asyncio
import json

from firmware.board import load_board
from firmware.config import parse_config
from firmware.daemon.daemon import HeaterDaemon
from hw.sim.chain import ChainSimulator
from hw.sim.i2c import I2cServer
from hw.sim.parts import SimBoard
from tests.support.mosquitto import MosquittoBroker, mosquitto_broker  # noqa: F401 (fixture)
from tests.support.mqtt_observer import MqttObserver, Received

BOARD = "bitaxe-gamma"
STATE, SET, RESULT, DEMAND = (f"hearth/live/{t}" for t in ("state", "set", "result", "demand"))


def config(
    tmp_path, port: str, chain: ChainSimulator, broker: MosquittoBroker, mode: str, i2c: str
):
    return parse_config(
        {
            "device": {"id": "live", "board": BOARD, "state_dir": str(tmp_path)},
            "asic": {
                "port": port,
                "ticket_difficulty": chain.ticket_difficulty,
                "i2c_bus": i2c,
            },
            # No pool answers: the heater hashes local work (offline heat), so jobs exist.
            "pool": [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qtest.live"}],
            "mqtt": {
                "broker": f"{broker.host}:{broker.port}",
                "username": broker.username,
                "password": broker.password,
            },
            "http": {"port": 0},
            "heat": {"mode": mode, "target_c": 21.0},
        }
    )


def state(message: Received) -> dict:
    return json.loads(message.payload)


async def wait_for(observer: MqttObserver, topic: str, predicate, after: int = 0) -> Received:
    return await asyncio.to_thread(observer.wait_for, topic, predicate, timeout=30.0, after=after)


def test_off_at_start_up_is_idle_from_the_first_decision_then_sets_and_sheds(
    tmp_path,
    mosquitto_broker: MosquittoBroker,  # noqa: F811
) -> None:
    board = load_board(BOARD)
    chain = ChainSimulator(board, share_bits=16, cpu_budget=0.1)
    port = chain.start()
    parts = SimBoard(board, ambient_c=20.0)
    parts.attach(chain)
    i2c = I2cServer(parts.bus)
    i2c_url = i2c.start()
    observer = MqttObserver(
        mosquitto_broker.host,
        mosquitto_broker.port,
        username=mosquitto_broker.username,
        password=mosquitto_broker.password,
    ).start()
    observer.watch("hearth/live/#")

    async def scenario() -> None:
        daemon = HeaterDaemon(config(tmp_path, port, chain, mosquitto_broker, "off", i2c_url))
        await daemon.start()
        try:
            assert daemon.pool is not None and daemon.backend is not None
            # Local work is there (no pool answers) and several decisions were made...
            await wait_for(observer, STATE, lambda m: state(m)["uptime_s"] >= 2)
            assert daemon.pool.status().offline_heat
            # ...and the chain, by its own account, never got a job and never hashed.
            assert chain.jobs_received == 0 and chain.hashing_chips == 0
            first = state(observer.seen(STATE)[-1])
            # Measured by the regulator's telemetry: Vcore is off, nothing draws.
            assert first["power_w"] <= daemon.board.power.idle_w and first["action"] == "off"

            # A set: the first state after it carries it, before its result.
            after = len(observer.messages)
            observer.publish(SET, json.dumps({"mode": "heat", "target_c": 27.5, "id": "s1"}))
            fresh = await wait_for(observer, STATE, lambda m: True, after=after)
            assert (state(fresh)["mode"], state(fresh)["target_c"]) == ("heat", 27.5)
            result = await wait_for(observer, RESULT, lambda m: b"s1" in m.payload, after)
            assert json.loads(result.payload)["ok"] is True
            assert fresh.at <= result.at
            # No room sensor: it heats at its cap, and the chips really hash.
            heating = await wait_for(observer, STATE, lambda m: state(m)["hashrate_ghs"] > 0)
            assert state(heating)["power_w"] > daemon.board.power.idle_w
            assert chain.hashing_chips == 1

            # A shed: the state reaches idle power, the backend issues no work and the
            # chips, by the simulator's own account, stop hashing.
            after = len(observer.messages)
            observer.publish(DEMAND, json.dumps({"max_power_w": 0}))
            shed = await wait_for(
                observer,
                STATE,
                lambda m: state(m)["power_w"] <= daemon.board.power.idle_w,
                after=after,
            )
            assert state(shed)["action"] != "heating"
            assert not daemon.backend.stats().issuing_work
            assert chain.hashing_chips == 0
        finally:
            await daemon.stop()

    try:
        asyncio.run(scenario())
    finally:
        observer.stop()
        i2c.stop()
        chain.stop()


# Each shutdown step is bounded (firmware/daemon/daemon.py STOP_STEP_TIMEOUT_S); the
# whole stop must fit in systemd's TimeoutStopSec (30 s) and `hearth sim`'s 20 s.
STOP_WITHIN_S = 20.0


def test_sigterm_with_a_chain_that_stopped_answering_still_exits_in_time(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import threading
    import time

    chain = ChainSimulator(load_board(BOARD), share_bits=16, cpu_budget=0.1)
    port = chain.start()
    path = tmp_path / "hearth.toml"
    path.write_text(
        f"""
[device]
id = "hung"
board = "{BOARD}"
state_dir = "{tmp_path / "state"}"
[asic]
port = "{port}"
ticket_difficulty = {chain.ticket_difficulty}
[[pool]]
url = "stratum+tcp://127.0.0.1:9"
user = "bc1qtest.hung"
[mqtt]
broker = "embedded"
embedded_port = 0
[http]
port = 0
"""
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "firmware.daemon.main", "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # blocks until hearthd says it is up (or exits)
            if line.startswith(b"hearthd ready"):
                break
        assert process.poll() is None, "hearthd did not start"
        # Keep reading its log so a full pipe can never be what holds it up.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        # The whole chain goes silent and every answer it still gives is late.
        chain.silence_chip(0, True)
        chain.set_latency(60.0)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_WITHIN_S + 10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError("hearthd ignored SIGTERM with a silent chain") from None
        assert time.monotonic() - sent <= STOP_WITHIN_S
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        chain.stop()
