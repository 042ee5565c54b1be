"""Encryption of values at rest, and blind indexes to find them.

Values: AES-256-GCM (pyca/cryptography) with associated data that binds each value to
its field's declared context, its row's UUID and the key's id, so a value copied into
another row or field fails to decrypt. Stored as text: `v1:<key id>:<base64(nonce + ciphertext)>`.

Blind indexes, as CipherSweet designs them: HMAC-SHA256 of the normalised value under a
key derived per context (table and column) from the keyring's index key, truncated on
purpose so that a look-up returns a few candidates, which are then decrypted and compared.
Stored as `<key id>:<bits>:<hex>`, so a look-up during a key rotation can ask for both.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import math
import os
from collections.abc import Callable
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from solidarity.core.keyring import Keyring, current

FORMAT = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value failed to decrypt: tampered, moved to another row or field, or its key is gone.

    The message names the context and row, never the value.
    """


def associated_data(context: str, row: UUID, key_id: str) -> bytes:
    return f"{FORMAT}|{context}|{row}|{key_id}".encode()


def encrypt(plaintext: str, *, context: str, row: UUID, ring: Keyring | None = None) -> str:
    ring = ring or current()
    key_id = ring.aead.primary
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.aead.cipher(key_id).encrypt(nonce, plaintext.encode(), associated_data(context, row, key_id))
    return f"{FORMAT}:{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(stored: str) -> str:
    parts = stored.split(":", 2)
    return parts[1] if len(parts) == 3 else ""


def decrypt(stored: str, *, context: str, row: UUID, ring: Keyring | None = None) -> str:
    ring = ring or current()
    try:
        version, key_id, payload = stored.split(":", 2)
        raw = base64.b64decode(payload, validate=True)
    except (ValueError, binascii.Error):
        raise DecryptionError(f"{context} of {row}: not a sealed value") from None
    if version != FORMAT or key_id not in ring.aead.keys or len(raw) <= NONCE_BYTES:
        raise DecryptionError(f"{context} of {row}: unknown format or key {key_id!r}")
    try:
        plain = ring.aead.cipher(key_id).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data(context, row, key_id)
        )
    except InvalidTag:
        raise DecryptionError(f"{context} of {row}: the value does not belong here or was altered") from None
    return plain.decode()


def encrypt_bytes(plaintext: bytes, *, context: str, row: UUID, ring: Keyring | None = None) -> bytes:
    """A file's content, sealed like a value but kept binary: `v1:<key id>:` then nonce + ciphertext."""
    ring = ring or current()
    key_id = ring.aead.primary
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.aead.cipher(key_id).encrypt(nonce, plaintext, associated_data(context, row, key_id))
    return f"{FORMAT}:{key_id}:".encode() + nonce + sealed


def decrypt_bytes(stored: bytes, *, context: str, row: UUID, ring: Keyring | None = None) -> bytes:
    ring = ring or current()
    version, _, rest = stored.partition(b":")
    raw_key_id, separator, raw = rest.partition(b":")
    key_id = raw_key_id.decode("ascii", errors="replace")
    if version != FORMAT.encode() or not separator or key_id not in ring.aead.keys or len(raw) <= NONCE_BYTES:
        raise DecryptionError(f"{context} of {row}: unknown format or key {key_id[:16]!r}")
    try:
        return ring.aead.cipher(key_id).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data(context, row, key_id)
        )
    except InvalidTag:
        raise DecryptionError(f"{context} of {row}: the file does not belong here or was altered") from None


def index_bits(population: int) -> int:
    """Truncation for a blind index over `population` rows (CipherSweet's rule of thumb).

    A look-up then matches about population / 2**bits rows by chance: at least 2 on
    average (so an index value does not single anyone out), and fewer than sqrt(population)
    (so look-ups stay cheap).
    """
    if population < 8:
        return 1
    bits = math.floor(math.log2(population)) - 1
    return max(bits, math.floor(math.log2(population) / 2) + 1)


@functools.lru_cache(maxsize=128)
def index_key(root: bytes, context: str) -> bytes:
    """A separate key per table and column, derived from the keyring's index key (once: every look-up asks)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"blind-index|{context}".encode()).derive(root)


def blind_index(normalised: str, *, context: str, bits: int, key_id: str, ring: Keyring | None = None) -> str:
    ring = ring or current()
    digest = hmac.new(index_key(ring.index.keys[key_id], context), normalised.encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest, "big") >> (256 - bits)
    return f"{key_id}:{bits}:{value:x}"


def blind_indexes(
    normalised: str, *, context: str, bits: Callable[[str], int], ring: Keyring | None = None
) -> list[str]:
    """Every index value this plaintext may be stored under: one per index key in the keyring.

    During a rotation rows carry the old key's index until they are re-indexed, so a
    look-up asks for all of them.
    """
    ring = ring or current()
    return [
        blind_index(normalised, context=context, bits=bits(key_id), key_id=key_id, ring=ring)
        for key_id in ring.index.keys
    ]
