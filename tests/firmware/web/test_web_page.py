"""The heater's own page in a real headless Chromium (Debian's chromium and
chromium-driver through selenium) against the real HTTP server on loopback: it loads,
shows the live numbers, refuses writes until the owner signs in with the token, and a
setpoint change made on the page reaches the heater (its state shows it). The page's
history charts draw from `/api/history`. The owner uploads a signed firmware image through
the Firmware card and restarts into it. The browser is tests/support/chromium.py's.

`HEARTH_WEB_SCREENSHOT=docs/img/web-page.png` also writes the screenshot docs/web.md
shows (the test always takes one and checks it is a PNG)."""

from __future__ import annotations

import asyncio
import math
import os
import pathlib
import threading
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.api import ApiServer, WriteAuth
from firmware.api.update import WebUpdate
from firmware.config import Secret
from firmware.history import HistoryRecorder
from firmware.update.image import FOOTER
from firmware.update.slots import SlotStore
from hw.sim.device import factory_install
from tests.conftest import require
from tests.firmware.api.heater_double import HeaterDouble
from tests.firmware.update.images import BOARD, ImageKit
from tests.support.chromium import (
    WAIT_S,
    chromium_missing,
    headless_chromium,
    sign_in,
    whole_page_png,
)

TOKEN = "web-test-token-0123456789"
T0 = 1_764_806_400


def history_of_two_days(tmp_path: pathlib.Path) -> HistoryRecorder:
    """48 hours of minute samples of a room warming to its target each morning."""
    clock = [float(T0)]
    state: dict[str, object] = {}
    rec = HistoryRecorder(tmp_path, get_state=lambda: state, now_unix=lambda: clock[0])
    for minute in range(48 * 60):
        day = math.sin(2 * math.pi * minute / (24 * 60))
        state.update(
            room_c=20.0 + day,
            target_c=21.0,
            power_w=max(0.0, 300 - 250 * day),
            hashrate_ghs=20000.0,
            energy_kwh=minute * 0.005,
            earned_sats=minute * 0.1,
        )
        rec.take()
        clock[0] += 60
    return rec


class ServerThread:
    def __init__(self, heater: HeaterDouble, rec: HistoryRecorder, **parts: object) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        auth = WriteAuth(True, Secret(TOKEN), "", Secret(""))
        self.server = ApiServer(heater, auth, "127.0.0.1", 0, history=rec.history, **parts)
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def browser() -> Iterator[object]:
    reason = chromium_missing()
    require(reason is None, reason or "")
    with headless_chromium() as driver:
        yield driver


def test_the_page_shows_live_numbers_and_a_setpoint_change_reaches_the_heater(
    browser, tmp_path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    heater = HeaterDouble(room_c=19.5)
    server = ServerThread(heater, history_of_two_days(tmp_path))
    wait = WebDriverWait(browser, WAIT_S)
    text = lambda element_id: browser.find_element(By.ID, element_id).text  # noqa: E731
    try:
        browser.get(f"http://127.0.0.1:{server.server.port}/")
        wait.until(lambda _: text("room") == "19.5")
        assert text("target") == "21.0"
        assert text("hashrate") == f"{heater.state()['hashrate_ghs'] / 1000:.2f}"
        assert text("name") == "hearth-test"
        heater.room_c = 20.25  # live: the page follows the heater without a reload
        wait.until(lambda _: text("room") == "20.3")
        wait.until(lambda _: "2880 samples" in text("chart-note"))
        paths = browser.find_elements(By.CSS_SELECTOR, "#chart-temp path")
        assert len(paths) == 2 and all(len(p.get_attribute("d")) > 1000 for p in paths)

        # Signed out, the write buttons are off; signed in, "+" raises the target.
        assert not browser.find_element(By.ID, "up").is_enabled()
        sign_in(browser, TOKEN)
        browser.find_element(By.ID, "up").click()
        wait.until(lambda _: text("target") == "21.5")
        assert heater.state()["target_c"] == 21.5  # the heater itself, not only the page
        assert text("message") == "Saved."

        shot, _ = whole_page_png(browser)
        assert shot.startswith(b"\x89PNG")
        if target := os.environ.get("HEARTH_WEB_SCREENSHOT"):
            pathlib.Path(target).write_bytes(shot)
    finally:
        server.stop()


def test_a_wrong_token_changes_nothing_and_says_so(browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    heater = HeaterDouble(room_c=19.5)
    server = ServerThread(heater, history_of_two_days(tmp_path))
    wait = WebDriverWait(browser, WAIT_S)
    try:
        browser.get(f"http://127.0.0.1:{server.server.port}/")
        wait.until(lambda _: browser.find_element(By.ID, "room").text == "19.5")
        sign_in(browser, "not-the-token")
        browser.find_element(By.ID, "up").click()
        wait.until(lambda _: "refused" in browser.find_element(By.ID, "message").text)
        assert heater.state()["target_c"] == 21.0
    finally:
        server.stop()


def test_the_owner_uploads_firmware_through_the_page_and_restarts_into_it(browser, tmp_path):
    """Also the page's own fix: this heater has no pairing service (`/api/pair/code` is
    404), and the Apple Home card still loads."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    kit = ImageKit(Ed25519PrivateKey.generate(), tmp_path / "trees")
    root = tmp_path / "update"
    assert factory_install(root, kit.build("1.0.0", minimal=True), [kit.key.public_key()], BOARD)
    good = tmp_path / "hearth-1.1.0.img"
    good.write_bytes(kit.build("1.1.0", minimal=True))
    unsigned = tmp_path / "unsigned.img"
    unsigned.write_bytes(good.read_bytes()[: -FOOTER.size])
    reboots: list[str] = []
    homekit = {
        "running": True,
        "setup_code": "123-45-678",
        "setup_uri": "X-HM://0",
        "paired": False,
    }
    server = ServerThread(
        HeaterDouble(),
        history_of_two_days(tmp_path),
        update=WebUpdate(root, BOARD, lambda: reboots.append("reboot")),
        homekit=lambda: homekit,
    )
    wait = WebDriverWait(browser, WAIT_S)
    element = lambda element_id: browser.find_element(By.ID, element_id)  # noqa: E731
    try:
        browser.get(f"http://127.0.0.1:{server.server.port}/")
        wait.until(lambda _: element("room").text == "19.5")
        assert not element("update-form").is_displayed()  # the owner's only
        sign_in(browser, TOKEN)
        wait.until(lambda _: element("hk-code").text == "123-45-678")
        assert not element("pairing").is_displayed()
        wait.until(lambda _: element("update-form").is_displayed())

        element("update-file").send_keys(str(unsigned))
        element("update-upload").click()
        wait.until(lambda _: "Not installed" in element("update-message").text)
        assert "not signed" in element("update-message").text
        assert SlotStore(root).state().trial is None

        element("update-file").clear()
        element("update-file").send_keys(str(good))
        element("update-upload").click()
        wait.until(lambda _: "installed on trial" in element("update-message").text)
        assert element("update-message").text.startswith("Version 1.1.0 is installed on trial")
        assert SlotStore(root).state().trial == "a"
        wait.until(lambda _: element("update-reboot").is_displayed())
        assert element("update-reboot").text == "Restart into 1.1.0"
        element("update-reboot").click()  # asked first; saying no restarts nothing
        dialog = wait.until(expected_conditions.alert_is_present())
        assert "Restart the heater into 1.1.0?" in dialog.text
        dialog.dismiss()
        wait.until(lambda _: "Not restarted" in element("update-message").text)
        assert reboots == [] and element("update-reboot").is_displayed()
        element("update-reboot").click()
        wait.until(expected_conditions.alert_is_present()).accept()
        wait.until(lambda _: "Restarting into 1.1.0" in element("update-message").text)
        assert reboots == ["reboot"]
    finally:
        server.stop()
