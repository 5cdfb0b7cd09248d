"""A page of a listing and the opaque cursor to the next one.

A cursor carries where the listing stopped (DynamoDB's ``LastEvaluatedKey``), which names items and, through their
sort keys, when they were created; so the client never reads it. It is encrypted with AES-GCM and signed with
HMAC-SHA256, both keys derived from the deployment's cursor secret, and bound to its listing (the tenant and the
list, the partition it pages): a cursor altered, cut short, signed with another secret, or taken to another city or
another list is ``InvalidCursor`` (400 ``invalid_cursor``), never read. Layout, base64url without padding::

    version (1 byte) | nonce (12) | AES-GCM ciphertext of the key as compact JSON, with its tag (16) | HMAC (16)
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"
NONCE_BYTES = 12
GCM_TAG_BYTES = 16
MAC_BYTES = 16
MIN_CURSOR_BYTES = len(VERSION) + NONCE_BYTES + GCM_TAG_BYTES + MAC_BYTES


class InvalidCursor(ValueError):
    """The cursor was not issued by this API for this listing (or was altered)."""


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    cursor: str | None


def _derived(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ecopulse cursor " + purpose).derive(secret)


def _is_attribute_value(value: Any) -> bool:
    """A key attribute as DynamoDB writes it: ``{"S": text}`` or ``{"N": digits}``."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in ("S", "N")
        and isinstance(next(iter(value.values())), str)
    )


class CursorSealer:
    """Seals DynamoDB keys into cursors and opens them again, for one listing at a time (its ``scope``)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("a cursor secret has at least 16 bytes")
        self._cipher = AESGCM(_derived(secret, b"encryption"))
        self._mac_key = _derived(secret, b"signature")

    def _mac(self, scope: str, sealed: bytes) -> bytes:
        return hmac.new(self._mac_key, scope.encode() + b"\x00" + sealed, hashlib.sha256).digest()[:MAC_BYTES]

    def seal(self, key: dict[str, Any] | None, scope: str) -> str | None:
        if not key:
            return None
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
        sealed = VERSION + nonce + self._cipher.encrypt(nonce, plain, scope.encode())
        return base64.urlsafe_b64encode(sealed + self._mac(scope, sealed)).decode().rstrip("=")

    def open(self, cursor: str | None, scope: str) -> dict[str, Any] | None:
        """The key the cursor was sealed with, if it was sealed here for this ``scope``; else ``InvalidCursor``."""
        if not cursor:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError) as error:
            raise InvalidCursor("the cursor is not base64url") from error
        if len(raw) < MIN_CURSOR_BYTES or raw[:1] != VERSION:
            raise InvalidCursor("the cursor is not one this API issued")
        sealed, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(scope, sealed)):
            raise InvalidCursor("the cursor was not issued for this listing")
        nonce, ciphertext = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            key = json.loads(self._cipher.decrypt(nonce, ciphertext, scope.encode()))
        except (InvalidTag, ValueError) as error:
            raise InvalidCursor("the cursor was not issued for this listing") from error
        if not isinstance(key, dict) or not key or not all(_is_attribute_value(v) for v in key.values()):
            raise InvalidCursor("the cursor does not hold a key")
        return key
