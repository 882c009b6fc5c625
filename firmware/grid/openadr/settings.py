"""Checks for the `[openadr]` config table (used by firmware.config.loader): the VTN's URL
and the VEN's certificate, key and CA, each refused with the key, the value and what is
allowed. The key's passphrase is a secret: no error prints it."""

from __future__ import annotations

import ssl
import urllib.parse

from firmware.validation import Invalid, mask_url

VTN_SCHEMES = ("http", "https")


def vtn_url(value: object) -> str:
    """`http(s)://host[:port]/path` (the VTN's base, e.g. …/OpenADR2/Simple/2.0b), or ""."""
    allowed = 'the VTN\'s base URL, http(s)://host[:port]/path (no user, query or fragment), or ""'
    if not isinstance(value, str):
        raise Invalid((), value, allowed)
    if value == "":
        return value
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number in 0..65535
    except ValueError:
        raise Invalid((), mask_url(value), allowed) from None
    if (
        parts.scheme not in VTN_SCHEMES
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or any(c.isspace() for c in value)
    ):
        raise Invalid((), mask_url(value), allowed)
    return value.rstrip("/")


def check_tls(url: str, cert: str, key: str, passphrase: str, ca: str) -> None:
    """Certificate and key together, loadable (with the passphrase); a CA with them (the
    VTN's certificate must be checked); TLS files only for an https VTN."""
    if bool(cert) != bool(key):
        raise Invalid("key_file" if cert else "cert_file", "", "cert_file and key_file together")
    if (cert or ca) and not url.startswith("https://"):
        raise Invalid("cert_file" if cert else "ca_file", cert or ca, "only with an https vtn_url")
    if cert and not ca:
        raise Invalid("ca_file", "", "the CA that signed the VTN's certificate (with cert_file)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca:
        try:
            context.load_verify_locations(cafile=ca)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise Invalid("ca_file", ca, f"a readable PEM CA certificate ({exc})") from None
    if cert:
        try:
            context.load_cert_chain(cert, key, passphrase or None)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise Invalid(
                "cert_file", cert, f"a PEM certificate whose key_file loads ({exc})"
            ) from None
