"""Encryption at rest and keyed hashes for sensitive fields (CPR numbers).

Both keys derive from settings.SPOR_DATA_KEY. The keyed hash lets a CPR number be found
by exact match without storing it in the clear or in a guessable form.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@functools.cache
def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


def _fernet() -> Fernet:
    key = _derive(settings.SPOR_DATA_KEY, b"spor field encryption")
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def keyed_hash(text: str) -> str:
    if not text:
        return ""
    key = _derive(settings.SPOR_DATA_KEY, b"spor search hash")
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def key_check() -> str:
    """A fingerprint of SPOR_DATA_KEY that tells whether two installations share the key
    without revealing it (a keyed hash of a fixed text)."""
    return hmac.new(_derive(settings.SPOR_DATA_KEY, b"spor key check"), b"spor",
                    hashlib.sha256).hexdigest()
