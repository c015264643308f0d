"""SM4-GCM encryption at rest and HMAC-SM3 keyed digests (密评 GB/T 39786 important data)."""

import base64
import hashlib
import hmac as std_hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

PREFIX = "sm4g1:"
NONCE_BYTES = 12
TAG_BYTES = 16


@lru_cache(maxsize=4)
def _key(hex_key: str) -> bytes:
    key = bytes.fromhex(hex_key)
    if len(key) != 16:
        raise ValueError("SM4/HMAC key must be 32 hex characters (16 bytes)")
    return key


def encrypt(plaintext: str) -> str:
    """Encrypt text with SM4-GCM; the result is printable and self-describing."""
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(
        algorithms.SM4(_key(settings.FIELD_ENCRYPTION_KEY)), modes.GCM(nonce)
    ).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return PREFIX + base64.b64encode(nonce + body + encryptor.tag).decode()


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        raise ValueError("not an SM4 token")
    raw = base64.b64decode(token[len(PREFIX) :])
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(
        algorithms.SM4(_key(settings.FIELD_ENCRYPTION_KEY)), modes.GCM(nonce, tag)
    ).decryptor()
    return (decryptor.update(body) + decryptor.finalize()).decode()


def digest(value: str) -> str:
    """HMAC-SM3 of a normalized value, for uniqueness and exact lookup without decrypting."""
    mac = hmac.HMAC(_key(settings.FIELD_HASH_KEY), hashes.SM3())
    mac.update(value.strip().upper().encode())
    return mac.finalize().hex()


def constant_time_equal(a: str, b: str) -> bool:
    return std_hmac.compare_digest(
        hashlib.sha256(a.encode()).digest(), hashlib.sha256(b.encode()).digest()
    )
