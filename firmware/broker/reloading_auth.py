"""amqtt's FileAuthPlugin, re-reading its user database when the file was replaced.

amqtt reads `broker-passwd` once at start-up; pairing adds and revoking removes users
while the broker runs (`app_logins.py`). Every change is an atomic replace, so a new
inode, modification time or size says the database must be read again before the next
CONNECT is judged: a revoked app is refused from the next CONNECT on.
"""

from __future__ import annotations

import os
import pathlib

from amqtt.contexts import BaseContext
from amqtt.plugins.authentication import FileAuthPlugin
from amqtt.session import Session


def _signature(path: pathlib.Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class ReloadingFileAuth(FileAuthPlugin):
    def __init__(self, context: BaseContext) -> None:
        super().__init__(context)
        self._path = pathlib.Path(self._get_config_option("password-file", "") or "")
        self._seen = _signature(self._path)

    async def authenticate(self, *, session: Session) -> bool | None:
        now = _signature(self._path)
        if now != self._seen:
            self._seen = now
            self._users.clear()
            self._read_password_file()
        return await super().authenticate(session=session)
