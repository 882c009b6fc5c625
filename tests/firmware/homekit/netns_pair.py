"""Run inside a private network namespace (tests/support/netns.py): the real hearthd
(subprocess, CPU backend, embedded broker) with `[homekit]` on; aiohomekit's IP
controller, as Home Assistant's HomeKit controller runs it, finds the accessory over
mDNS, pairs with the setup code the owner's page shows, writes the target and the mode,
and the heater's state (HTTP /api/heater, by content) follows. With a PNG path as the
argument, a real headless Chromium (tests/support/chromium.py, on the namespace's
loopback) then loads the heater's own page signed in as the owner and captures it: the
thermostat at the target HomeKit set and the Apple Home card (setup code, paired). Then
hearthd is stopped with SIGTERM and started again: the pairing still works. Prints one
JSON object.

    python tests/firmware/homekit/netns_pair.py [SHOT.png]   # inside run_in_netns

The test puts the repository on PYTHONPATH (for tests.support)."""

from __future__ import annotations

import asyncio
import json
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohomekit.characteristic_cache import CharacteristicCacheMemory
from aiohomekit.controller.ip.controller import IpController
from aiohomekit.model import Accessories
from aiohomekit.model.characteristics import CharacteristicsTypes
from aiohomekit.model.services import ServicesTypes
from aiohomekit.zeroconf import HAP_TYPE_TCP
from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

from tests.support.chromium import WAIT_S as PAGE_WAIT_S
from tests.support.chromium import headless_chromium, sign_in, whole_page_png

WAIT_S = 60.0
QR_SHOT = "homekit-qr.png"  # beside the page's PNG: the card's QR code as Chromium drew it
POLL_S = 0.05


def free_port() -> int:
    with socket.socket() as sock:  # inside the namespace: nobody else is listening
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(state: pathlib.Path, http_port: int, hap_port: int) -> str:
    return f"""
[device]
id = "hk-test"
name = "Hall heater"
state_dir = "{state}"

[[pool]]
url = "stratum+tcp://127.0.0.1:9"
user = "bc1qtest.homekit"

[mqtt]
embedded_port = 0

[http]
port = {http_port}
bind = "127.0.0.1"

[discovery]
address = "127.0.0.1"

[homekit]
enabled = true
port = {hap_port}
bind = "127.0.0.1"
"""


async def until(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            got = await check()
        except (aiohttp.ClientError, OSError):
            got = None
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {WAIT_S} s: {what}")
        await asyncio.sleep(POLL_S)


class Heater:
    def __init__(self, config: pathlib.Path, log: pathlib.Path, http_port: int) -> None:
        self.config, self.log, self.http_port = config, log, http_port
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, http: aiohttp.ClientSession) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "firmware.daemon.main", "--config", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        await until(lambda: self.heater(http), "hearthd's HTTP API answers")

    async def heater(self, http: aiohttp.ClientSession) -> dict[str, Any] | None:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()
        async with http.get(f"http://127.0.0.1:{self.http_port}/api/heater") as r:
            return await r.json() if r.status == 200 else None

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def thermostat_iids(accessories: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    accessory = Accessories.from_list(accessories).aid(1)
    service = accessory.services.first(service_type=ServicesTypes.THERMOSTAT)
    names = {
        "target_c": CharacteristicsTypes.TEMPERATURE_TARGET,
        "current_c": CharacteristicsTypes.TEMPERATURE_CURRENT,
        "target_state": CharacteristicsTypes.HEATING_COOLING_TARGET,
        "current_state": CharacteristicsTypes.HEATING_COOLING_CURRENT,
    }
    return {name: (1, service[kind].iid) for name, kind in names.items()}


async def main() -> None:
    out: dict[str, Any] = {}
    shot = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            await run(pathlib.Path(tmp), out, shot)
        except BaseException:
            log = pathlib.Path(tmp) / "hearthd.log"
            print(log.read_text(errors="replace")[-6000:] if log.exists() else "", file=sys.stderr)
            raise
    print(json.dumps(out))


async def run(tmp: pathlib.Path, out: dict[str, Any], shot: pathlib.Path | None) -> None:
    state = pathlib.Path(tmp) / "state"
    config = pathlib.Path(tmp) / "hearth.toml"
    http_port = free_port()
    config.write_text(config_text(state, http_port, free_port()))
    heater = Heater(config, pathlib.Path(tmp) / "hearthd.log", http_port)
    zc = AsyncZeroconf(interfaces=["127.0.0.1"])
    controller = IpController(CharacteristicCacheMemory(), zc)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        await heater.start(http)
        token = (state / "http-token").read_text().strip()

        async def homekit() -> dict[str, Any]:
            async with http.get(
                f"http://127.0.0.1:{http_port}/api/homekit",
                headers={"Authorization": f"Bearer {token}"},
            ) as r:
                return dict(await r.json())

        async with http.get(f"http://127.0.0.1:{http_port}/api/homekit") as r:
            out["setup_anonymous_status"] = r.status
        setup = await until(lambda: _when(homekit(), lambda s: s["running"]), "HAP up")
        out["setup"] = setup
        kept = json.loads((state / "homekit.json").read_text())
        out["kept"] = kept
        # As Home Assistant's zeroconf integration does: one browser for `_hap._tcp`,
        # which aiohomekit's controller listens to.
        browser = AsyncServiceBrowser(zc.zeroconf, [HAP_TYPE_TCP], handlers=[_ignore])
        await controller.async_start()
        discovery = await controller.async_find(kept["device_id"], timeout=WAIT_S)
        out["discovered"] = {
            "address": discovery.description.address,
            "name": discovery.description.name,
            "category": int(discovery.description.category),
        }
        finish = await discovery.async_start_pairing("hearth-test")
        pairing = await finish(setup["setup_code"])
        iids = thermostat_iids(await pairing.list_accessories_and_characteristics())

        async def read(name: str) -> Any:
            got = await pairing.get_characteristics([iids[name]])
            return got[iids[name]]["value"]

        out["put_22"] = await pairing.put_characteristics([(*iids["target_c"], 22.0)])
        doc = await until(
            lambda: _when(heater.heater(http), lambda d: d["state"]["target_c"] == 22.0),
            "the heater's target follows HomeKit",
        )
        out["after_22"] = {"state": doc["state"]["target_c"], "settings": doc["settings"]}
        if shot is not None:
            # The page reads /api/homekit once, at sign-in: wait for the pairing to show.
            await until(lambda: _when(homekit(), lambda s: s["paired"]), "paired in the API")
            url = f"http://127.0.0.1:{http_port}/"
            out["page"] = await asyncio.to_thread(capture_page, url, token, shot)
        out["put_35"] = {
            str(k): v for k, v in
            (await pairing.put_characteristics([(*iids["target_c"], 35.0)])).items()
        }  # fmt: skip
        # A later write, applied, proves the refused one was handled before it.
        await pairing.put_characteristics([(*iids["target_state"], 0)])
        doc = await until(
            lambda: _when(heater.heater(http), lambda d: d["state"]["mode"] == "off"),
            "the heater's mode follows HomeKit",
        )
        out["after_off"] = {"target_c": doc["state"]["target_c"], "mode": doc["state"]["mode"]}
        out["hap_after_off"] = {
            "target_c": await until(
                lambda: _when(read("target_c"), lambda v: v == 22.0), "HAP shows 22"
            ),
            "target_state": await read("target_state"),
            "current_state": await read("current_state"),
        }
        out["paired_flag"] = (await homekit())["paired"]

        out["exit_1"] = heater.stop()
        await heater.start(http)
        # The same pairing, after a restart: HAP-python kept its keys and controllers.
        out["after_restart"] = await until(lambda: read("target_c"), "HAP after restart")
        await pairing.put_characteristics([(*iids["target_state"], 1)])
        doc = await until(
            lambda: _when(heater.heater(http), lambda d: d["state"]["mode"] == "heat"),
            "the mode after a restart",
        )
        out["mode_after_restart"] = doc["state"]["mode"]
        await pairing.close()
        out["exit_2"] = heater.stop()
    await controller.async_stop()
    await browser.async_cancel()
    await zc.async_close()
    out["log"] = heater.log.read_text(errors="replace")


def capture_page(url: str, token: str, shot: pathlib.Path) -> dict[str, Any]:
    """The owner's view of the heater's page once it shows 22.0 and the pairing; the PNG
    goes to `shot`, the card's QR code to QR_SHOT beside it. Returns what the page says,
    for the test to check by content."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with headless_chromium() as driver:
        text = lambda element_id: driver.find_element(By.ID, element_id).text  # noqa: E731
        driver.get(url)
        wait = WebDriverWait(driver, PAGE_WAIT_S)
        wait.until(lambda _: text("target") == "22.0")
        sign_in(driver, token)
        wait.until(lambda _: text("hk-paired") == "(paired with a Home)")
        qr = driver.find_element(By.ID, "hk-qr")
        wait.until(lambda _: qr.is_displayed() and qr.get_attribute("naturalWidth") != "0")
        shot.with_name(QR_SHOT).write_bytes(qr.screenshot_as_png)  # the QR as drawn
        png, page_h = whole_page_png(driver)
        shot.write_bytes(png)
        return {
            "page_height": page_h,
            "thermostat": text("thermostat"),
            "mode": driver.find_element(By.ID, "mode").get_attribute("value"),
            "homekit_shown": driver.find_element(By.ID, "homekit").is_displayed(),
            "hk_code": text("hk-code"),
            "hk_paired": text("hk-paired"),
            "hk_uri": text("hk-uri"),
        }


def _ignore(**_changed: object) -> None:
    """The browser's own handler: aiohomekit registers the one that matters."""


async def _when(awaitable: Any, predicate: Callable[[Any], bool]) -> Any:
    value = await awaitable
    return value if value is not None and predicate(value) else None


if __name__ == "__main__":
    asyncio.run(main())
