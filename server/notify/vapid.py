"""VAPID key pairs (RFC 8292) for Web Push — pure: making, encoding, decoding; storing is elsewhere.

The browser wants the public key as ``applicationServerKey``: the base64url (no padding) of the
65-byte uncompressed P-256 point.  The private key is kept as PKCS#8 PEM (what ops tools read)
and can also be given as base64url of the raw 32-byte scalar (what most Web Push docs print).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "VapidKeys",
    "b64url_decode",
    "b64url_encode",
    "generate_vapid_keys",
    "load_private_key",
    "public_key_b64",
    "vapid_keys_from_private",
]


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    s = text.strip()
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


@dataclass(frozen=True, slots=True)
class VapidKeys:
    private_pem: str  # PKCS#8 PEM
    private_raw: str  # base64url of the 32-byte private scalar
    public_key: str  # base64url of the 65-byte uncompressed point: the applicationServerKey

    def __repr__(self) -> str:  # keep the private key out of logs and tracebacks
        return f"VapidKeys(public_key={self.public_key!r})"


def public_key_b64(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    pub = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return b64url_encode(
        pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )


def _keys(key: ec.EllipticCurvePrivateKey) -> VapidKeys:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return VapidKeys(private_pem=pem, private_raw=b64url_encode(raw), public_key=public_key_b64(key))


def generate_vapid_keys() -> VapidKeys:
    return _keys(ec.generate_private_key(ec.SECP256R1()))


def load_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM (PKCS#8 or SEC1), base64url raw 32 bytes, or base64url DER."""
    s = text.strip()
    key: object
    try:
        if s.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(s.encode("ascii"), password=None)
        else:
            data = b64url_decode(s)
            if len(data) == 32:
                key = ec.derive_private_key(int.from_bytes(data, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(data, password=None)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError("VAPID private key is not PEM, base64url raw or base64url DER") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("VAPID needs a P-256 (prime256v1) EC private key")
    return key


def vapid_keys_from_private(text: str) -> VapidKeys:
    """All encodings of a stored private key, e.g. to print the public key again."""
    return _keys(load_private_key(text))
