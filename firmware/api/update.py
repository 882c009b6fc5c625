"""Firmware upload over HTTP (docs/update-protocol.md, "Over HTTP"; docs/http-api.md).

    GET  /api/update           the boot state: running, active and trial slots, floor
    POST /api/update           owner: the signed image as the body (octet-stream)
    POST /api/update/reboot    owner: restart into the slot on trial

The body is streamed to `<update root>/incoming/http-upload.part`, never held by aiohttp:
at most `MAX_IMAGE_BYTES` (the image format's limit, refused from `Content-Length`
before a byte is read) and `READ_TIMEOUT_S` of silence. The file is then verified and
installed by `firmware.update.install.verify_and_install`, the step the USB agent runs at
END, in a thread so the control loop keeps running. A refused image changes nothing and
its file is removed. One upload at a time: another gets 409 while one runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path

from aiohttp import web

from firmware.update.image import MAX_IMAGE_BYTES, ImageError
from firmware.update.install import INCOMING, Installed, load_trusted, verify_and_install
from firmware.update.slots import SlotStore

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 20.0  # an upload that sends nothing for this long is dropped
READ_CHUNK = 64 * 1024
PART_NAME = "http-upload.part"
# Why an image was refused -> the HTTP status of the refusal (others: 400).
STATUS = {"too_large": 413, "busy": 409, "out_of_space": 507}


class WebUpdate:
    """hearthd's side of an upload: its update root and board, and how to restart it."""

    def __init__(
        self,
        root: Path,
        board: str,
        request_reboot: Callable[[], None],
        *,
        free_bytes: Callable[[], int] | None = None,
    ) -> None:
        self.store = SlotStore(root)
        self.board = board
        self.request_reboot = request_reboot
        self.free_bytes = free_bytes or (lambda: shutil.disk_usage(root).free)
        self.busy = False

    @property
    def part_path(self) -> Path:
        return self.store.root / INCOMING / PART_NAME

    def install_file(self) -> Installed:
        """Verify and install the received file (blocking: run in a thread)."""
        data = self.part_path.read_bytes()
        self.part_path.unlink()
        return verify_and_install(
            self.store, data, board=self.board, trusted=load_trusted(self.store.root)
        )

    def status(self) -> dict[str, object]:
        state = self.store.state()
        waiting = state.trial is not None and state.trial_boots == 0
        info = self.store.slot_info(state.trial) if waiting and state.trial else None
        return {
            "board": self.board,
            "active": state.active,
            "trial": state.trial,
            "restart_pending": waiting,
            "trial_version": (info or {}).get("version"),
            "floor": state.floor,
            "highest": state.highest,
            "max_bytes": MAX_IMAGE_BYTES,
            "busy": self.busy,
        }


UPDATE_KEY = web.AppKey("update", WebUpdate)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refuse(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"ok": False, "code": code, "error": message}, status=status)


async def get_update(request: web.Request) -> web.Response:
    return web.json_response(request.app[UPDATE_KEY].status())


async def _receive(request: web.Request, path: Path, size: int) -> None:
    """The body into `path`, `size` bytes exactly, each read within READ_TIMEOUT_S."""
    received = 0
    with open(path, "wb") as part:
        while received < size:
            try:
                async with asyncio.timeout(READ_TIMEOUT_S):
                    chunk = await request.content.read(min(READ_CHUNK, size - received))
            except ConnectionError:  # the sender went away mid-upload
                break
            if not chunk:
                break
            part.write(chunk)
            received += len(chunk)
    if received != size:
        raise ImageError("truncated", f"upload ended after {received} of {size} bytes")


async def post_update(request: web.Request) -> web.Response:
    update = request.app[UPDATE_KEY]
    if update.busy:
        return _refuse(409, "busy", "another firmware upload is running; try again after it")
    size = request.content_length
    if size is None:
        return _refuse(411, "length_required", "send the image with a Content-Length")
    if size > MAX_IMAGE_BYTES:
        return _refuse(
            413, "too_large", f"image is {size} bytes, more than the limit {MAX_IMAGE_BYTES}"
        )
    if size == 0:
        return _refuse(400, "empty", "the body is empty: send the signed image file")
    # Room for the upload and the unpacked slot beside it (as the USB agent asks).
    if 3 * size > update.free_bytes():
        return _refuse(507, "out_of_space", f"not enough space for a {size}-byte image")
    update.busy = True
    path = update.part_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            await _receive(request, path, size)
        except TimeoutError:
            return _refuse(408, "timeout", f"upload stalled for {READ_TIMEOUT_S:.0f} s")
        installed = await asyncio.to_thread(update.install_file)
    except ImageError as exc:
        log.warning("firmware upload refused (%s): %s", exc.code, exc)
        return _refuse(STATUS.get(exc.code, 400), exc.code, str(exc))
    finally:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        update.busy = False
    log.info("firmware upload: %s", installed.message)
    return web.json_response({"ok": True, **asdict(installed)})


async def post_reboot(request: web.Request) -> web.Response:
    update = request.app[UPDATE_KEY]
    if update.busy:
        return _refuse(409, "busy", "a firmware upload is running; restart after it")
    status = update.status()
    if not status["restart_pending"]:
        return _refuse(409, "nothing_to_start", "no new firmware is waiting: upload one first")
    log.info("restart into slot %s requested over HTTP", status["trial"])
    update.request_reboot()
    return web.json_response(
        {
            "ok": True,
            "slot": status["trial"],
            "version": status["trial_version"],
            "message": f"restarting into {status['trial_version']} (slot {status['trial']}) "
            "on trial",
        }
    )


def add_update_routes(
    app: web.Application, update: WebUpdate, *, writer: Callable[[Handler], Handler]
) -> None:
    """`writer` wraps the owner-only endpoints (same-site and a credential)."""
    app[UPDATE_KEY] = update
    app.router.add_get("/api/update", get_update)
    app.router.add_post("/api/update", writer(post_update))
    app.router.add_post("/api/update/reboot", writer(post_reboot))
