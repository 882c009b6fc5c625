"""A real headless Chromium (Debian's chromium and chromium-driver, driven through
selenium) for the tests that look at the heater's own page (firmware/api/web/).

    require(chromium_missing() is None, chromium_missing() or "")
    with headless_chromium() as driver:
        driver.get(f"http://127.0.0.1:{port}/")
        sign_in(driver, token)       # the page's own sign-in form, as the owner types it

Used in-process by tests/firmware/web and inside a network namespace by
tests/firmware/homekit/netns_pair.py (Chromium needs no network beyond loopback there).
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
from collections.abc import Iterator
from typing import Any

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
WAIT_S = 15.0
ARGS = (
    "--headless=new",
    "--no-sandbox",  # the tests run as root (and in a netns, where the sandbox cannot start)
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
)


def chromium_missing() -> str | None:
    """Why no browser can be driven here, or None."""
    if CHROMIUM is None or DRIVER is None:
        return "needs Debian chromium + chromium-driver"
    if importlib.util.find_spec("selenium") is None:
        return "needs selenium (the dev extra)"
    return None


@contextlib.contextmanager
def headless_chromium(width: int = 1280, height: int = 1100) -> Iterator[Any]:
    """A selenium Chrome driver on a fresh headless Chromium; quit on exit."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or "chromium"
    for arg in (*ARGS, f"--window-size={width},{height}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(DRIVER))
    driver.set_page_load_timeout(WAIT_S)
    driver.set_script_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(driver: Any, token: str, timeout_s: float = WAIT_S) -> None:
    """Type the owner token into the page's sign-in form; return once the page has taken
    it (the write buttons are on)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login button").click()
    WebDriverWait(driver, timeout_s).until(lambda d: d.find_element(By.ID, "up").is_enabled())


def whole_page_png(driver: Any, width: int = 1280, timeout_s: float = WAIT_S) -> tuple[bytes, int]:
    """The whole page in one picture (the viewport grown to the page's height), and that
    height in CSS pixels."""
    from selenium.webdriver.support.ui import WebDriverWait

    page_h, chrome_h = driver.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
    )
    driver.set_window_size(width, page_h + chrome_h)
    WebDriverWait(driver, timeout_s).until(
        lambda d: d.execute_script("return window.innerHeight") >= page_h
    )
    return driver.get_screenshot_as_png(), int(page_h)
