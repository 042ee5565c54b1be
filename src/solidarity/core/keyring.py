"""The keyring: which keys protect values, blind indexes and audit heads.

Standard mode keeps it in $SOLIDARITY_HOME/keyring.json, readable only by the owner:
it protects stolen dumps and backups, not a seized running server.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from functools import cache
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


@cache
def current() -> Keyring:
    """The keyring this process uses (read once)."""
    return load(Path(settings.KEYRING_PATH))
