"""The keyring: which keys protect values, blind indexes and audit heads.

Standard mode keeps it in $SOLIDARITY_HOME/keyring.json, readable only by the owner:
it protects stolen dumps and backups, not a seized running server.
"""

import base64
import binascii
import json
import os
import secrets
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

KEY_BYTES = 32


class KeyringError(Exception):
    """The keyring file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class KeySet:
    primary: str
    keys: dict[str, bytes]

    @property
    def primary_key(self) -> bytes:
        return self.keys[self.primary]


@dataclass(frozen=True)
class Keyring:
    aead: KeySet
    index: KeySet
    signing_seed: bytes

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.signing_seed)


def decode_key(value: object, where: str) -> bytes:
    try:
        key = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{where} is not base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"{where} is not a {KEY_BYTES}-byte key")
    return key


def key_set(data: object, name: str) -> KeySet:
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) or not data["keys"]:
        raise KeyringError(f"the keyring has no {name} keys")
    keys = {str(key_id): decode_key(value, f"{name} key {key_id}") for key_id, value in data["keys"].items()}
    if data.get("primary") not in keys:
        raise KeyringError(f"the keyring's primary {name} key is missing")
    return KeySet(str(data["primary"]), keys)


def parse(text: str) -> Keyring:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise KeyringError("the keyring is not valid JSON") from None
    if not isinstance(data, dict) or data.get("version") != 2:
        raise KeyringError("unknown keyring version")
    return Keyring(
        aead=key_set(data.get("aead"), "aead"),
        index=key_set(data.get("index"), "index"),
        signing_seed=decode_key(data.get("signing"), "the signing key"),
    )


def load(path: Path) -> Keyring:
    try:
        return parse(path.read_text())
    except OSError as error:
        raise KeyringError(f"cannot read {path}: {error.strerror}") from None


def dump(ring: Keyring) -> str:
    def encode(key: bytes) -> str:
        return base64.b64encode(key).decode()

    return json.dumps(
        {
            "version": 2,
            "aead": {"primary": ring.aead.primary, "keys": {k: encode(v) for k, v in ring.aead.keys.items()}},
            "index": {"primary": ring.index.primary, "keys": {k: encode(v) for k, v in ring.index.keys.items()}},
            "signing": encode(ring.signing_seed),
        },
        indent=1,
    )


def save(ring: Keyring, path: Path | None = None) -> None:
    """Replace the keyring file atomically, owner-only."""
    path = path or Path(settings.KEYRING_PATH)
    staging = path.with_suffix(".tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(dump(ring))
        handle.flush()
        os.fsync(handle.fileno())
    staging.replace(path)


def with_new_primaries(ring: Keyring) -> Keyring:
    """The same keyring plus a fresh AEAD key and a fresh index key, both primary. Old keys stay to read old values."""
    aead_id, index_id = secrets.token_hex(4), secrets.token_hex(4)
    return replace(
        ring,
        aead=KeySet(aead_id, {**ring.aead.keys, aead_id: secrets.token_bytes(KEY_BYTES)}),
        index=KeySet(index_id, {**ring.index.keys, index_id: secrets.token_bytes(KEY_BYTES)}),
    )


def without_keys(ring: Keyring, key_ids: set[str]) -> Keyring:
    """The keyring less some retired keys (never a primary one)."""
    return replace(
        ring,
        aead=KeySet(ring.aead.primary, {k: v for k, v in ring.aead.keys.items() if k not in key_ids}),
        index=KeySet(ring.index.primary, {k: v for k, v in ring.index.keys.items() if k not in key_ids}),
    )


_loaded: tuple[int, Keyring] | None = None
_lock = threading.Lock()


def current() -> Keyring:
    """The keyring this process uses, re-read whenever the file changes (a rotation by another process)."""
    global _loaded
    path = Path(settings.KEYRING_PATH)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        raise KeyringError(f"cannot read {path}: {error.strerror}") from None
    with _lock:
        if _loaded is None or _loaded[0] != stamp:
            _loaded = (stamp, load(path))
        return _loaded[1]
