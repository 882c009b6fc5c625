"""An Avalon Nano 3S as its cgminer API shows it on TCP 4028 (cgminer's API-README: one
JSON request per connection, `{"command": ..., "parameter": ...}`, the answer followed by
a NUL and the connection closed; report commands joined with `+` answer under each name).

Canaan's additions: `estats` carries the miner's state in one `MM ID0` string of
`Key[value]` fields (WORKLEVEL, SoftOFF, PS — the last PS figure is the wall watts —,
GHSspd now, MGHS the lagging average, temperatures, fans); `ascset` takes
`0,worklevel,set,N`, `0,softoff,1:<unix time>` and `0,softon,1:<unix time>`, the soft
switches taking effect at that time. A `worklevel,set` without a number is an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from hw.sim.miners.miner import SimMiner

CGMINER_VERSION = "4.11.1"
READ_TIMEOUT_S = 5.0  # a client that never finishes its request is dropped


def _status(code: int, msg: str, ok: bool = True) -> dict[str, Any]:
    return {
        "STATUS": "S" if ok else "E",
        "When": int(time.time()),
        "Code": code,
        "Msg": msg,
        "Description": f"cgminer {CGMINER_VERSION}",
    }


class AvalonServer:
    def __init__(self, miner: SimMiner, host: str = "127.0.0.2", port: int = 4028) -> None:
        self.miner = miner
        self.host = host
        self.port = port
        self.started = miner.clock()
        self._server: asyncio.Server | None = None
        self._stalled: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def stop(self) -> None:
        """Stop listening (the miner is unreachable: connections are refused)."""
        if self._server is not None:
            self._server.close()
            for writer in self._stalled:
                writer.close()
            self._stalled.clear()
            await self._server.wait_closed()
            self._server = None

    # --- the wire ------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.miner.rebooting:
                return  # the network is up before cgminer: the socket just closes
            request = await asyncio.wait_for(self._read_request(reader), READ_TIMEOUT_S)
            if self.miner.faults.wedged:
                self._stalled.add(writer)
                await reader.read()  # never answers; the client gives up
                return
            answer = self.answer(request)
            writer.write(json.dumps(answer).encode() + b"\x00")
            await writer.drain()
        except (TimeoutError, ConnectionError, ValueError):
            pass
        finally:
            self._stalled.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> dict[str, Any]:
        data = b""
        while True:
            chunk = await reader.read(4096)
            if not chunk:
                break
            data += chunk
            try:
                parsed = json.loads(data)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                return parsed
            raise ValueError("not a JSON object")
        text = data.decode(errors="replace").strip().rstrip("\x00")
        command, _, parameter = text.partition("|")  # the plain-text form
        return {"command": command, "parameter": parameter}

    # --- commands ------------------------------------------------------------------
    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        command = str(request.get("command", ""))
        parameter = str(request.get("parameter", ""))
        if "+" in command:
            joined: dict[str, Any] = {}
            for part in command.split("+"):
                if part == "ascset":
                    joined[part] = [{"STATUS": [_status(45, "Access denied", ok=False)]}]
                else:
                    joined[part] = [self._one(part, "")]
            joined["id"] = 1
            return joined
        return {**self._one(command, parameter), "id": 1}

    def _one(self, command: str, parameter: str) -> dict[str, Any]:
        handlers = {
            "version": self._version,
            "summary": self._summary,
            "devs": self._devs,
            "stats": self._stats,
            "estats": self._stats,
            "pools": self._pools,
        }
        if command == "ascset":
            return self._ascset(parameter)
        handler = handlers.get(command)
        if handler is None:
            return {"STATUS": [_status(14, "Invalid command", ok=False)]}
        return handler()

    def _elapsed(self) -> int:
        return int(self.miner.clock() - self.started)

    def _version(self) -> dict[str, Any]:
        return {
            "STATUS": [_status(22, "CGMiner versions")],
            "VERSION": [
                {
                    "CGMiner": CGMINER_VERSION,
                    "API": "3.7",
                    "PROD": self.miner.model.name,
                    "MODEL": "Nano3s",
                    "HWTYPE": "N_MM1v1_X1",
                    "SWTYPE": "MM319",
                    "MAC": "02c0a8000102",
                }
            ],
        }

    def _summary(self) -> dict[str, Any]:
        mhs = self.miner.average_ghs() * 1000.0
        return {
            "STATUS": [_status(11, "Summary")],
            "SUMMARY": [{"Elapsed": self._elapsed(), "MHS av": mhs, "MHS 1m": mhs}],
        }

    def _devs(self) -> dict[str, Any]:
        mhs = self.miner.average_ghs() * 1000.0
        return {
            "STATUS": [_status(9, "1 ASC(s)")],
            "DEVS": [{"ASC": 0, "Name": "AVA10", "ID": 0, "Enabled": "Y", "Status": "Alive",
                      "MHS av": mhs, "MHS 1m": mhs}],
        }

    def _pools(self) -> dict[str, Any]:
        return {
            "STATUS": [_status(7, "1 Pool(s)")],
            "POOLS": [{"POOL": 0, "URL": "stratum+tcp://127.0.0.1:3333", "Status": "Alive",
                       "User": "hearth.sim", "Priority": 0}],
        }

    def _stats(self) -> dict[str, Any]:
        m = self.miner
        hashing = m.hashing()
        fields = {
            "Ver": "Nano3s-sim",
            "Elapsed": str(self._elapsed()),
            "WORKMODE": "0",
            "WORKLEVEL": str(m.setting),
            "SoftOFF": "1" if not hashing else "0",
            "GHSspd": f"{m.hashrate_ghs():.2f}",
            "MGHS": f"{m.average_ghs():.2f}",
            "GHSmm": f"{m.model.settings[m.setting][1]:.2f}",
            "Temp": "22",
            "TMax": "72" if hashing else "30",
            "TAvg": "64" if hashing else "28",
            "Fan1": "2400" if hashing else "0",
            "FanR": "45%" if hashing else "0%",
        }
        if not m.faults.missing_power:
            fields["PS"] = f"0 1208 2474 52 1292 2477 {m.power_w():.0f}"
        mm = " ".join(f"{key}[{value}]" for key, value in fields.items())
        return {
            "STATUS": [_status(70, "CGMiner stats")],
            "STATS": [
                {"STATS": 0, "ID": "AVA100", "Elapsed": self._elapsed(), "MM ID0": mm},
                {"STATS": 1, "ID": "POOL0", "Elapsed": self._elapsed()},
            ],
        }

    def _ascset(self, parameter: str) -> dict[str, Any]:
        parts = parameter.split(",")
        if len(parts) < 2 or parts[0] != "0":
            return {"STATUS": [_status(15, f"ASC {parts[0]} not found", ok=False)]}
        option = parts[1]
        error: str | None
        if option == "worklevel":
            if len(parts) != 4 or parts[2] != "set" or not parts[3].lstrip("-").isdigit():
                return {"STATUS": [_status(15, "ASC 0 set failed: worklevel needs a value",
                                           ok=False)]}
            error = self.miner.set_setting(int(parts[3]))
            ok_msg = "ASC 0 set OK"
        elif option in ("softoff", "softon"):
            flag, _, when = parts[2].partition(":") if len(parts) == 3 else ("", "", "")
            if flag != "1" or not when.isdigit():
                return {"STATUS": [_status(15, f"ASC 0 set failed: {option} needs 1:<time>",
                                           ok=False)]}
            error = self.miner.schedule_soft(option == "softoff", float(when))
            ok_msg = f"ASC 0 set info: success {option}:{when}"
        else:
            return {"STATUS": [_status(15, f"ASC 0 set failed: unknown option {option}",
                                       ok=False)]}
        if error is not None:
            return {"STATUS": [_status(45, f"ASC 0 set failed: {error}", ok=False)]}
        return {"STATUS": [_status(119, ok_msg)]}
