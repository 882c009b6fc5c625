"""The real hearthd (subprocess) takes a signed image over HTTP into its update root and,
asked to restart into it, stops in order (chain idled, state saved) and exits 4, the code
hearthd.service turns into a reboot (docs/update-protocol.md, "Over HTTP")."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import aiohttp
import tomli_w
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.daemon.main import EXIT_REBOOT
from firmware.store import Store
from firmware.update.slots import SlotStore
from hw.sim.device import factory_install
from tests.firmware.update.images import ImageKit
from tests.support.mosquitto import free_port
from tests.support.waiting import wait_until

HEATER_BOARD = "bitaxe-ultra"


async def upload_and_restart(port: int, token: str, image: bytes) -> tuple[dict, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", timeout=timeout) as client:
        async with client.post("/api/update", data=image, headers=headers) as r:
            assert r.status == 200, await r.text()
            installed = await r.json()
        async with client.post("/api/update/reboot", headers=headers) as r:
            assert r.status == 200, await r.text()
            restarting = await r.json()
    return installed, restarting


def test_hearthd_installs_an_uploaded_image_and_exits_4_to_reboot_into_it(tmp_path):
    key = Ed25519PrivateKey.generate()
    kit = ImageKit(key, tmp_path / "images")
    root = tmp_path / "update"
    first = kit.build("1.0.0", minimal=True, board=HEATER_BOARD)
    assert factory_install(root, first, [key.public_key()], HEATER_BOARD) == "b"
    http_port = free_port()
    config = tmp_path / "hearth.toml"
    config.write_text(
        tomli_w.dumps(
            {
                "device": {"id": "webup", "board": HEATER_BOARD, "state_dir": str(tmp_path / "s")},
                "pool": [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qtest.webup"}],
                "mqtt": {"broker": "embedded", "embedded_port": 0},
                "http": {"port": http_port, "bind": "127.0.0.1"},
                "update": {"root": str(root)},
            }
        )
    )
    log_path = tmp_path / "hearthd.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "firmware.daemon.main", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(
                lambda: b"hearthd ready" in log_path.read_bytes() or process.poll() is not None,
                60,
                "hearthd ready",
            )
            token = (tmp_path / "s" / "http-token").read_text().strip()
            image = kit.build("1.1.0", minimal=True, board=HEATER_BOARD)
            installed, restarting = asyncio.run(upload_and_restart(http_port, token, image))
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    output = log_path.read_text()
    assert code == EXIT_REBOOT, output[-3000:]
    assert installed["slot"] == "a" and installed["version"] == "1.1.0"
    assert restarting["slot"] == "a"
    assert "restart into the uploaded firmware" in output
    assert "hearthd stopped; state saved" in output
    assert Store(tmp_path / "s").load().sections["settings"]  # saved on the way out
    state = SlotStore(root).state()
    assert (state.active, state.trial) == ("b", "a")
