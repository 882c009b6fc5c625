"""`[openadr]`: the VEN's table, refused with the key, the value and what is allowed; the
key's passphrase never printed; `hearth sim --config` hands the table to hearthd."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from firmware.config import ConfigError, parse_config
from host.cli import build_parser
from host.sim.options import plan

POOL = [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qtest.adr"}]
VTN = "https://vtn.example.net:8443/OpenADR2/Simple/2.0b"
PASSPHRASE = "correct horse battery"


def openadr(**table):
    return parse_config({"pool": POOL, "openadr": table}).openadr


def certificate(tmp_path: Path) -> tuple[str, str]:
    """A self-signed certificate and its key, encrypted with PASSPHRASE."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attic")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "ven.pem", tmp_path / "ven.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
    )
    return str(cert_file), str(key_file)


def test_no_table_no_ven_and_a_plain_one_is_taken_as_written() -> None:
    assert parse_config({"pool": POOL}).openadr.vtn_url == ""
    config = openadr(vtn_url=VTN + "/", ven_name="attic", participation="opt_out")
    assert (config.vtn_url, config.ven_name, config.participation) == (VTN, "attic", "opt_out")
    assert config.cert_file is None and config.ven_id == ""


def test_a_certificate_with_its_encrypted_key_loads_and_the_passphrase_stays_masked(tmp_path):
    cert, key = certificate(tmp_path)
    config = openadr(
        vtn_url=VTN, ven_name="attic", cert_file=cert, key_file=key, ca_file=cert,
        key_passphrase=PASSPHRASE,
    )  # fmt: skip
    assert config.cert_file == Path(cert) and config.key_passphrase.value == PASSPHRASE
    assert PASSPHRASE not in repr(config)
    with pytest.raises(ConfigError) as caught:
        openadr(vtn_url=VTN, ven_name="attic", cert_file=cert, key_file=key, ca_file=cert,
                key_passphrase="wrong")  # fmt: skip
    assert "openadr.cert_file" in str(caught.value) and "wrong" not in str(caught.value)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"vtn_url": "ftp://vtn:21/"}, "openadr.vtn_url = 'ftp://vtn:21/': allowed: the VTN's"),
        ({"vtn_url": "https://ven:hunter2@vtn/x"}, "openadr.vtn_url = 'https://ven:***@vtn/x'"),
        ({"vtn_url": "https://vtn/x?a=1", "ven_name": "a"}, "openadr.vtn_url"),
        ({"vtn_url": VTN}, "openadr.ven_name = '': allowed: this heater's name"),
        ({"vtn_url": VTN, "ven_name": "a", "cert_file": "/x.pem"}, "openadr.key_file = ''"),
        (
            {"vtn_url": "http://vtn/x", "ven_name": "a", "ca_file": "/x.pem"},
            "openadr.ca_file = '/x.pem': allowed: only with an https vtn_url",
        ),
        (
            {"vtn_url": VTN, "ven_name": "a", "cert_file": "/x.pem", "key_file": "/x.key"},
            "openadr.ca_file = '': allowed: the CA",
        ),
        ({"participation": "sometimes"}, "openadr.participation = 'sometimes'"),
        ({"key_passphrase": 42}, "openadr.key_passphrase = '***'"),
        ({"vtn": VTN}, "openadr.vtn"),
    ],
)
def test_bad_tables_are_refused_naming_the_key(table, message) -> None:
    with pytest.raises(ConfigError) as caught:
        openadr(**table)
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_hearth_sim_hands_the_table_to_hearthd(tmp_path) -> None:
    path = tmp_path / "sim.toml"
    path.write_text(f'[openadr]\nvtn_url = "{VTN}"\nven_name = "attic"\n', encoding="utf-8")
    result = plan(build_parser().parse_args(["sim", "--config", str(path)]))
    assert result.data["openadr"] == {"vtn_url": VTN, "ven_name": "attic"}
    assert result.config.openadr.vtn_url == VTN
