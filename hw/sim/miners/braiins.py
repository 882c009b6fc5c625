"""An Antminer on Braiins OS+ as its two public APIs show it (Braiins' bos-plus-api
protobuf definitions, v1, and the BOSminer cgminer-compatible API document):

* gRPC on TCP 50051 (HTTP/2, no TLS): `AuthenticationService/Login` (user and password;
  the session token comes back in the `authorization` response header and must be
  sent on every other call), `PerformanceService/SetPowerTarget` (a whole-watt target
  inside the miner's range, else INVALID_ARGUMENT; answered with the target taken) and
  `GetActivePerformanceMode` (tuner mode, power target), `ActionsService/PauseMining`
  / `ResumeMining` (`already_paused` / `already_mining`), `MinerService/GetMinerStats`
  (`power_stats.approximated_consumption`), `GetHashboards`, and
  `CoolingService/GetCoolingState`. Messages are hand-encoded (hw/sim/miners/protobuf.py)
  over grpclib's HTTP/2 server, whose codec only moves bytes here.
* the cgminer-compatible JSON API on TCP 4028 (the wire of avalon.py): `version`,
  `summary` (`MHS 1m`), `devs` (`MHS 5s` per hashboard, 0 while paused), `pools`,
  `tunerstatus` (`PowerLimit`), `fans`, `pause`, `resume`.

Faults from the shared `SimMiner`: a refused command is FAILED_PRECONDITION, an ignored
one answers OK and changes nothing, a missing reading leaves `power_stats` out, a
wedged miner never answers, a rebooting one is UNAVAILABLE (gRPC) and closes (4028).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from grpclib.const import Cardinality, Handler, Status
from grpclib.exceptions import GRPCError
from grpclib.server import Server, Stream

from hw.sim.miners.avalon import AvalonServer, _status
from hw.sim.miners.miner import SimMiner
from hw.sim.miners.protobuf import Field, decode, encode

BOSMINER_VERSION = "bosminer-plus-tuner 0.9.0-sim"
HASHBOARDS = 3
CHIPS_PER_BOARD = 76
FANS = 4
TOKEN_TIMEOUT_S = 3600
V1 = "/braiins.bos.v1."


class _Raw:
    """A message as bytes: grpclib's codec calls these two and nothing else."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = data

    @classmethod
    def FromString(cls, data: bytes) -> _Raw:
        return cls(data)

    def SerializeToString(self) -> bytes:
        return self.data


Method = Callable[[bytes], Awaitable[list[Field]]]


class BosminerRpc(AvalonServer):
    """BOSminer's cgminer-compatible API on 4028: the same JSON wire, its own commands."""

    def _one(self, command: str, parameter: str) -> dict[str, Any]:
        m = self.miner
        hashing = m.hashing()
        mhs = m.hashrate_ghs() * 1000.0
        if command == "version":
            return {
                "STATUS": [_status(22, "BOSminer versions")],
                "VERSION": [{"BOSminer": BOSMINER_VERSION, "API": "3.7"}],
            }
        if command == "summary":
            avg = m.average_ghs() * 1000.0
            return {
                "STATUS": [_status(11, "Summary")],
                "SUMMARY": [
                    {"Elapsed": self._elapsed(), "MHS av": avg, "MHS 5s": mhs, "MHS 1m": avg}
                ],
            }
        if command == "devs":
            share = mhs / HASHBOARDS
            return {
                "STATUS": [_status(9, f"{HASHBOARDS} ASC(s)")],
                "DEVS": [
                    {"ASC": i, "Name": "BC5", "ID": i, "Enabled": "Y",
                     "Status": "Alive" if hashing else "Idle", "MHS 5s": share,
                     "MHS 1m": share, "MHS av": share}
                    for i in range(HASHBOARDS)
                ],
            }  # fmt: skip
        if command == "pools":
            return {
                "STATUS": [_status(7, "1 Pool(s)")],
                "POOLS": [{"POOL": 0, "URL": "stratum+tcp://127.0.0.1:3333",
                           "Status": "Alive", "User": "hearth.sim", "Priority": 0}],
            }  # fmt: skip
        if command == "tunerstatus":
            return {
                "STATUS": [_status(13, "Tuner status")],
                "TUNERSTATUS": [
                    {"PowerLimit": m.setting, "ApproximateMinerPowerConsumption":
                     round(m.power_w()), "TunerChainStatus": []}
                ],
            }  # fmt: skip
        if command == "fans":
            rpm = 4200 if hashing else 1200
            return {
                "STATUS": [_status(202, f"{FANS} Fan(s)")],
                "FANS": [{"FAN": i, "RPM": rpm, "Speed": 60} for i in range(FANS)],
            }
        if command in ("pause", "resume"):
            error = m.schedule_soft(command == "pause", m.wall())
            if error is not None:
                return {"STATUS": [_status(45, error, ok=False)]}
            return {"STATUS": [_status(0, command)], command.upper(): [{"Msg": "OK"}]}
        return {"STATUS": [_status(14, "Invalid command", ok=False)]}


class BraiinsServer:
    def __init__(
        self,
        miner: SimMiner,
        host: str = "127.0.0.4",
        rpc_port: int = 4028,
        grpc_port: int = 50051,
        username: str = "root",
        password: str = "root",
    ) -> None:
        self.miner = miner
        self.host = host
        self.grpc_port = grpc_port
        self.username, self.password = username, password
        self.rpc = BosminerRpc(miner, host, rpc_port)
        self._tokens: set[str] = set()
        self._server: Server | None = None
        self._release = asyncio.Event()  # lets wedged handlers end when the server stops
        self.logins = 0
        self._methods: dict[str, tuple[Method, bool]] = {
            f"{V1}PerformanceService/SetPowerTarget": (self._set_power_target, True),
            f"{V1}PerformanceService/GetActivePerformanceMode": (self._performance_mode, True),
            f"{V1}ActionsService/PauseMining": (self._pause, True),
            f"{V1}ActionsService/ResumeMining": (self._resume, True),
            f"{V1}MinerService/GetMinerStats": (self._miner_stats, True),
            f"{V1}MinerService/GetHashboards": (self._hashboards, True),
            f"{V1}CoolingService/GetCoolingState": (self._cooling, True),
        }

    async def start(self) -> None:
        self._release.clear()
        await self.rpc.start()
        self._server = Server([self])
        await self._server.start(self.host, self.grpc_port)

    async def stop(self) -> None:
        self._release.set()
        await self.rpc.stop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # --- gRPC ------------------------------------------------------------------------
    def __mapping__(self) -> dict[str, Handler]:  # grpclib's service interface
        handlers = {
            path: Handler(self._handler(method, privileged), Cardinality.UNARY_UNARY, _Raw, _Raw)
            for path, (method, privileged) in self._methods.items()
        }
        handlers[f"{V1}AuthenticationService/Login"] = Handler(
            self._handler(None, False), Cardinality.UNARY_UNARY, _Raw, _Raw
        )
        return handlers

    def _handler(
        self, method: Method | None, privileged: bool
    ) -> Callable[[Stream[_Raw, _Raw]], Awaitable[None]]:
        """`method` None: Login, whose token goes out in the `authorization` header."""

        async def handle(stream: Stream[_Raw, _Raw]) -> None:
            request = await stream.recv_message()
            if self.miner.faults.wedged:
                await self._release.wait()
                raise GRPCError(Status.UNAVAILABLE, "stopped")
            if self.miner.rebooting:
                raise GRPCError(Status.UNAVAILABLE, "bosminer is starting")
            token = stream.metadata.get("authorization") if stream.metadata else None
            if privileged and (not isinstance(token, str) or token not in self._tokens):
                raise GRPCError(Status.UNAUTHENTICATED, "missing or expired session token")
            body = b"" if request is None else request.data
            try:
                fields = decode(body)
            except ValueError as exc:
                raise GRPCError(Status.INVALID_ARGUMENT, f"bad message: {exc}") from None
            if method is None:
                token = self._check_login(fields)
                await stream.send_initial_metadata(metadata={"authorization": token})
                await stream.send_message(_Raw(encode([(1, token), (2, TOKEN_TIMEOUT_S)])))
                return
            await stream.send_message(_Raw(encode(await method(body))))

        return handle

    def _check_login(self, fields: dict[int, list[int | bytes]]) -> str:
        user = _text(fields, 1)
        password = _text(fields, 2)
        if (user, password) != (self.username, self.password):
            raise GRPCError(Status.UNAUTHENTICATED, "wrong user name or password")
        token = secrets.token_hex(16)
        self._tokens.add(token)
        self.logins += 1
        return token

    def _refusal(self, error: str | None) -> None:
        if error is not None:
            raise GRPCError(Status.FAILED_PRECONDITION, error)

    async def _set_power_target(self, body: bytes) -> list[Field]:
        fields = decode(body)
        target = _first(decode(_first(fields, 2, b"")), 1, 0)  # power_target.watt
        low, high = self.miner.model.target_range_w or (0, 0)
        if not isinstance(target, int) or not low <= target <= high:
            raise GRPCError(
                Status.INVALID_ARGUMENT, f"power target {target} W outside {low}..{high} W"
            )
        self._refusal(self.miner.set_setting(target))
        return [(1, [(1, target)])]

    async def _performance_mode(self, body: bytes) -> list[Field]:
        power: list[Field] = [(1, [(1, int(self.miner.setting))])]  # .power_target.watt
        return [(2, [(1, power)])]  # PerformanceMode.tuner_mode.power_target

    async def _pause(self, body: bytes) -> list[Field]:
        already = not self.miner.hashing()
        self._refusal(self.miner.schedule_soft(True, self.miner.wall()))
        return [(1, already)]

    async def _resume(self, body: bytes) -> list[Field]:
        already = self.miner.hashing()
        self._refusal(self.miner.schedule_soft(False, self.miner.wall()))
        return [(1, already)]

    async def _miner_stats(self, body: bytes) -> list[Field]:
        if self.miner.faults.missing_power:
            return []
        return [(3, [(1, [(1, round(self.miner.power_w()))])])]  # power_stats

    async def _hashboards(self, body: bytes) -> list[Field]:
        hot = self.miner.hashing()
        boards: list[Field] = []
        for i in range(HASHBOARDS):
            board: list[Field] = [
                (1, str(i + 1)),
                (2, True),
                (3, [(1, CHIPS_PER_BOARD)]),  # google.protobuf.UInt32Value
                (6, [(3, [(1, 72.0 if hot else 35.0)])]),  # highest_chip_temp
                (7, [(1, 60.0 if hot else 32.0)]),  # board_temp
            ]
            boards.append((1, board))
        return boards

    async def _cooling(self, body: bytes) -> list[Field]:
        rpm = 4200 if self.miner.hashing() else 1200
        return [(1, [(1, i), (2, rpm)]) for i in range(FANS)]


def _first(fields: dict[int, list[int | bytes]], number: int, default: Any) -> Any:
    values = fields.get(number)
    return values[-1] if values else default


def _text(fields: dict[int, list[int | bytes]], number: int) -> str:
    value = _first(fields, number, b"")
    return value.decode(errors="replace") if isinstance(value, bytes) else ""
