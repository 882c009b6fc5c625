"""The do-nothing part of a `HashBackend` for control-loop tests: no jobs, no nonces;
a test's backend adds `apply` and `stats` to say where its chain is and what it draws."""

from __future__ import annotations

from firmware.work import Job, NonceHandler


class QuietBackend:
    name = "quiet"

    def set_nonce_handler(self, handler: NonceHandler) -> None:
        pass

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def submit_job(self, job: Job) -> None:
        pass
