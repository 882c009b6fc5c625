"""A real Debian Mosquitto (and the embedded amqtt broker) for tests.

`MosquittoBroker` starts `/usr/sbin/mosquitto` as a plain process in a temp dir, on free
ports: a plain listener with a password file (anonymous optional) and a TLS listener
whose self-signed CA and server certificate are made with `cryptography`. It can be
stopped and started again on the same ports (with persistence on, queued QoS 1 messages
and persistent sessions survive the restart: mosquitto writes its database on SIGTERM).

Fixtures, importable from any test module:

    from tests.support.mosquitto import mosquitto_broker, embedded_broker  # noqa: F401

`mosquitto_broker` is one broker per test (function scope, persistence off);
`make_mosquitto` is a factory for tests that need options (persistence, anonymous);
`embedded_broker` is Hearth's own amqtt broker (firmware.broker) in a background thread.
Facts this relies on: mosquitto's `listener 0` makes a unix socket, not a TCP port, so a
free port is picked first; run as root, mosquitto drops to user `mosquitto` (and cannot
read a 0600 password or key file) unless the config says `user root`.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import require
from tests.support.embedded_broker import (
    EmbeddedBrokerThread,
    embedded_broker,
    running_embedded_broker,
)

__all__ = [
    "EmbeddedBrokerThread",
    "MosquittoBroker",
    "TlsFiles",
    "embedded_broker",
    "free_port",
    "make_mosquitto",
    "make_tls_files",
    "mosquitto_broker",
    "running_embedded_broker",
    "running_mosquitto",
]

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None
)
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd")
HOST = "127.0.0.1"
START_TIMEOUT_S = 10.0


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(host: str, port: int, timeout_s: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port}") from None
            time.sleep(0.02)


@dataclass(frozen=True)
class TlsFiles:
    ca: pathlib.Path
    cert: pathlib.Path
    key: pathlib.Path


def make_tls_files(directory: pathlib.Path, hostname: str = "localhost") -> TlsFiles:
    """A self-signed CA and a server certificate for `hostname` and 127.0.0.1."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hearth test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(hostname), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.crt", directory / "server.crt", directory / "server.key")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    files.key.chmod(0o600)
    return files


@dataclass
class MosquittoBroker:
    """One mosquitto process; `start()`/`stop()` may be repeated on the same ports."""

    workdir: pathlib.Path
    username: str = "hearth"
    password: str = "s3cret-test-pass"
    allow_anonymous: bool = False
    persistence: bool = False
    # Mosquitto's default (false) lets Nagle's algorithm hold small packets ~40 ms.
    tcp_nodelay: bool = True
    host: str = HOST
    port: int = field(default_factory=free_port)
    tls_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        require(MOSQUITTO is not None, "mosquitto is not installed (Debian package mosquitto)")
        require(
            MOSQUITTO_PASSWD is not None,
            "mosquitto_passwd is not installed (Debian package mosquitto)",
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.tls = make_tls_files(self.workdir)
        self.password_file = self.workdir / "passwd"
        subprocess.run(
            [
                str(MOSQUITTO_PASSWD),
                "-b",
                "-c",
                str(self.password_file),
                self.username,
                self.password,
            ],
            check=True,
            capture_output=True,
        )
        self.password_file.chmod(0o600)
        self.data_dir = self.workdir / "data"
        self.data_dir.mkdir(exist_ok=True)
        self.log_file = self.workdir / "mosquitto.log"
        self.config_file = self.workdir / "mosquitto.conf"
        self.config_file.write_text(self.config_text())

    @property
    def ca_path(self) -> pathlib.Path:
        return self.tls.ca

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def config_text(self) -> str:
        lines = [
            "per_listener_settings false",
            f"allow_anonymous {'true' if self.allow_anonymous else 'false'}",
            f"password_file {self.password_file}",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.data_dir}/",
            f"log_dest file {self.log_file}",
            "log_type all",
            "max_queued_messages 1000",
            f"set_tcp_nodelay {'true' if self.tcp_nodelay else 'false'}",
        ]
        if os.geteuid() == 0:
            # Otherwise mosquitto drops to user `mosquitto` and cannot read the 0600 files.
            lines.append("user root")
        lines += [
            f"listener {self.port} {self.host}",
            f"listener {self.tls_port} {self.host}",
            f"cafile {self.tls.ca}",
            f"certfile {self.tls.cert}",
            f"keyfile {self.tls.key}",
        ]
        return "\n".join(lines) + "\n"

    def start(self) -> MosquittoBroker:
        if self.running:
            return self
        self.process = subprocess.Popen(
            [str(MOSQUITTO), "-c", str(self.config_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(self.host, self.port)
            wait_for_port(self.host, self.tls_port)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"mosquitto did not start:\n{self.log()}") from None
        return self

    def stop(self) -> None:
        """SIGTERM (mosquitto saves its persistence database), then wait."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> MosquittoBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running_mosquitto(
    *, allow_anonymous: bool = False, persistence: bool = False, tcp_nodelay: bool = True
) -> Iterator[MosquittoBroker]:
    """A started broker in its own temp dir, stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="hearth-mosquitto-") as tmp:
        broker = MosquittoBroker(
            pathlib.Path(tmp),
            allow_anonymous=allow_anonymous,
            persistence=persistence,
            tcp_nodelay=tcp_nodelay,
        )
        with broker:
            yield broker


@pytest.fixture
def mosquitto_broker() -> Iterator[MosquittoBroker]:
    """A real mosquitto with a password file and a TLS listener, persistence off."""
    with running_mosquitto() as broker:
        yield broker


@pytest.fixture
def make_mosquitto() -> Iterator[Callable[..., MosquittoBroker]]:
    """Factory: `make_mosquitto(persistence=True, allow_anonymous=True)`; all stopped after."""
    stack = contextlib.ExitStack()

    def make(*, allow_anonymous: bool = False, persistence: bool = False) -> MosquittoBroker:
        return stack.enter_context(
            running_mosquitto(allow_anonymous=allow_anonymous, persistence=persistence)
        )

    with stack:
        yield make
