"""The keyring: which keys protect values, blind indexes and audit heads, and who holds it.

Standard mode keeps it in $SOLIDARITY_HOME/keyring.json, readable only by the owner:
it protects stolen dumps and backups, not a seized running server.

Sealed mode (`solidarity keys seal`) keeps it only wrapped, in keyring.sealed.json: a
random data key encrypts the keyring, and each operator passphrase (Argon2id) wraps that
data key in a slot of its own, so losing one passphrase loses nothing. `keys unlock`
puts the keyring in memory (a tmpfs folder, gone at power-off) where every process of
the network reads it; until then the network is locked. A public key stays in clear
beside the slots, so what arrives while locked can be sealed for later (`seal_for_later`);
the parts open it in `AFTER_UNLOCK`, which `keys unlock` and the worker run once the keys are in.
"""

import base64
import binascii
import hashlib
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import monotonic
from typing import Any

import pyrage
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from pyrage import x25519

from solidarity.core.hooks import Registry

log = logging.getLogger("solidarity.core")

KEY_BYTES = 32
SEALED_KEYRING = "keyring.sealed.json"


class KeyringError(Exception):
    """The keyring file is missing, unreadable or malformed."""


class KeyringLocked(KeyringError):
    """The network is sealed and no operator has unlocked it since it started."""

    def __init__(self) -> None:
        super().__init__("the keys are locked: an operator must run `solidarity keys unlock`")


@dataclass(frozen=True)
class KeySet:
    primary: str
    keys: dict[str, bytes]
    # AES-GCM a key, made on first use: it keeps no state between calls, and making one cost as much as a
    # decryption (2 us); a broadcast's message decrypts six values. Gone with this keyring (a reload, a lock).
    ciphers: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    @property
    def primary_key(self) -> bytes:
        return self.keys[self.primary]

    def cipher(self, key_id: str) -> AESGCM:
        """The AES-GCM of one of these keys (KeyError if it has none of that id)."""
        made = self.ciphers.get(key_id)
        if made is None:
            made = self.ciphers[key_id] = AESGCM(self.keys[key_id])
        return made


DEFAULT_POPULATION = 5000  # an index key made before populations were recorded was sized for this many rows


@dataclass(frozen=True)
class Keyring:
    aead: KeySet
    index: KeySet
    signing_seed: bytes
    inbox: str = ""  # an age X25519 identity: opens what was sealed for later
    # The expected population each index key was sized for (the network setting when the key was made):
    # a blind index's truncation follows from it, and changes only with a new key, so old values stay findable.
    populations: dict[str, int] = field(default_factory=dict)

    def population(self, index_key_id: str) -> int:
        return self.populations.get(index_key_id, DEFAULT_POPULATION)

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
        inbox=str(data.get("inbox") or ""),
        populations=populations(data.get("index")),
    )


def populations(data: object) -> dict[str, int]:
    found = data.get("populations", {}) if isinstance(data, dict) else {}
    if not isinstance(found, dict) or not all(isinstance(n, int) and n > 0 for n in found.values()):
        raise KeyringError("the index keys' populations are malformed")
    return {str(key_id): int(n) for key_id, n in found.items()}


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
            "index": {
                "primary": ring.index.primary,
                "keys": {k: encode(v) for k, v in ring.index.keys.items()},
                **({"populations": ring.populations} if ring.populations else {}),
            },
            "signing": encode(ring.signing_seed),
            **({"inbox": ring.inbox} if ring.inbox else {}),
        },
        indent=1,
    )


def is_sealed() -> bool:
    return (Path(settings.HOME) / SEALED_KEYRING).exists()


def write_private(path: Path, text: str) -> None:
    """Replace a file atomically, owner-only, in an owner-only folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = path.with_suffix(".tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    staging.replace(path)
    look_again()


def keyring_path() -> Path:
    """Where the keyring is read from now: in memory once sealed (even if this process started unsealed)."""
    return runtime_keyring() if is_sealed() else Path(settings.KEYRING_PATH)


def save(ring: Keyring, path: Path | None = None) -> None:
    """Replace the keyring file atomically, owner-only; a sealed network re-seals it too."""
    text = dump(ring)
    write_private(path or keyring_path(), text)
    if is_sealed():
        reseal(text)


def with_new_primaries(ring: Keyring, *, population: int | None = None) -> Keyring:
    """The same keyring plus a fresh AEAD key and a fresh index key, both primary. Old keys stay to read old values.

    `population` (the network's expected population now) sizes the new index key's truncation.
    """
    aead_id, index_id = secrets.token_hex(4), secrets.token_hex(4)
    return replace(
        ring,
        aead=KeySet(aead_id, {**ring.aead.keys, aead_id: secrets.token_bytes(KEY_BYTES)}),
        index=KeySet(index_id, {**ring.index.keys, index_id: secrets.token_bytes(KEY_BYTES)}),
        populations={**ring.populations, index_id: population or ring.population(ring.index.primary)},
    )


def without_keys(ring: Keyring, key_ids: set[str]) -> Keyring:
    """The keyring less some retired keys (never a primary one)."""
    return replace(
        ring,
        aead=KeySet(ring.aead.primary, {k: v for k, v in ring.aead.keys.items() if k not in key_ids}),
        index=KeySet(ring.index.primary, {k: v for k, v in ring.index.keys.items() if k not in key_ids}),
        populations={k: n for k, n in ring.populations.items() if k not in key_ids},
    )


_loaded: tuple[tuple[object, object], Path, int, Keyring] | None = None  # settings, file, mtime, keyring
_lock = threading.Lock()
TRUSTED_SECONDS = 0.5  # how long the keyring read is used before its file is looked at again
_trusted_until = 0.0  # monotonic()


def current() -> Keyring:
    """The keyring this process uses, re-read when its file changed (a rotation, a lock, by another process).

    Every encryption and decryption asks. The file is looked at (one stat) at most every
    TRUSTED_SECONDS: a broadcast decrypts several values a message, and a stat each time was a
    twentieth of the send-out. Another process's change is seen within that time; this process's
    own (a rotation, `keys lock`, sealing: each writes or removes a file through `write_private`
    or `shred`) at once. Other settings (tests) name another file, which sends the caller the long
    way round.
    """
    global _trusted_until
    loaded = _loaded
    if loaded is not None and loaded[0] == (settings.KEYRING_PATH, settings.HOME):
        now = monotonic()
        if now < _trusted_until:
            return loaded[3]
        try:
            if loaded[1].stat().st_mtime_ns == loaded[2]:
                _trusted_until = now + TRUSTED_SECONDS
                return loaded[3]
        except OSError:
            pass
    return reload()


def look_again() -> None:
    """The next `current()` looks at the file: this process is about to change a key file."""
    global _trusted_until
    _trusted_until = 0.0


def reload() -> Keyring:
    global _loaded
    path = keyring_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        if is_sealed():
            raise KeyringLocked from None
        raise KeyringError(f"cannot read {path}: no such file") from None
    except OSError as error:
        raise KeyringError(f"cannot read {path}: {error.strerror}") from None
    configured = (settings.KEYRING_PATH, settings.HOME)
    with _lock:
        if _loaded is None or _loaded[:3] != (configured, path, stamp):
            _loaded = (configured, path, stamp, load(path))
        return _loaded[3]


# Sealed mode.

KDF = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 1}  # Argon2id, memory in KiB


def kdf_params() -> dict[str, int]:
    return dict(getattr(settings, "SOLIDARITY_KDF", KDF))


def sealed_path() -> Path:
    return Path(settings.HOME) / SEALED_KEYRING


def derive(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(passphrase.encode(), salt, hash_len=KEY_BYTES, type=Type.ID, **params)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def wrap(key: bytes, plaintext: bytes, label: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    return {"nonce": b64(nonce), "sealed": b64(AESGCM(key).encrypt(nonce, plaintext, label))}


def unwrap(key: bytes, box: dict[str, str], label: bytes) -> bytes:
    return AESGCM(key).decrypt(base64.b64decode(box["nonce"]), base64.b64decode(box["sealed"]), label)


def new_slot(passphrase: str, data_key: bytes) -> dict[str, object]:
    salt, params = secrets.token_bytes(16), kdf_params()
    return {"salt": b64(salt), **params, **wrap(derive(passphrase, salt, params), data_key, b"slot")}


def open_slots(sealed: dict[str, Any], passphrase: str) -> bytes:
    """The data key, from the first slot this passphrase opens."""
    for slot in sealed["slots"]:
        params = {name: int(slot[name]) for name in KDF}
        try:
            return unwrap(derive(passphrase, base64.b64decode(slot["salt"]), params), slot, b"slot")
        except InvalidTag:
            continue
    raise KeyringError("that passphrase opens no slot of this keyring")


def read_sealed() -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(sealed_path().read_text())
    except (OSError, json.JSONDecodeError):
        raise KeyringError("cannot read the sealed keyring") from None
    return data


def shred(path: Path) -> None:
    """Overwrite, then remove (on a journaling or flash disk this is best effort: encrypt the disk)."""
    if path.exists():
        size = path.stat().st_size
        with path.open("r+b") as handle:
            handle.write(secrets.token_bytes(size))
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
        look_again()


def with_inbox(text: str) -> str:
    """The keyring's text, with an inbox identity (for what arrives while locked) if it had none."""
    data = json.loads(text)
    data.setdefault("inbox", str(x25519.Identity.generate()))
    return json.dumps(data, indent=1)


def seal(passphrase: str) -> None:
    """Standard -> sealed: wrap the keyring under a passphrase, keep it unlocked in memory, shred the file."""
    plain_path = Path(settings.HOME) / "keyring.json"
    if is_sealed():
        raise KeyringError("the keyring is already sealed")
    text = with_inbox(plain_path.read_text())
    ring = parse(text)
    data_key = secrets.token_bytes(KEY_BYTES)
    sealed = {
        "version": 1,
        "inbox": str(x25519.Identity.from_str(ring.inbox).to_public()),
        "slots": [new_slot(passphrase, data_key)],
        "keyring": wrap(data_key, text.encode(), b"keyring"),
    }
    write_private(runtime_keyring(), text)
    write_private(runtime_keyring().with_name("data-key"), b64(data_key))
    write_private(sealed_path(), json.dumps(sealed, indent=1))
    shred(plain_path)


def runtime_dir(home_dir: Path) -> Path:
    """Where a sealed network's unlocked keyring lives: memory only (tmpfs), gone at power-off."""
    base = Path(os.environ.get("SOLIDARITY_RUNTIME_DIR", "/dev/shm"))  # noqa: S108  (tmpfs, owner-only folder)
    return base / f"solidarity-{hashlib.sha256(str(home_dir).encode()).hexdigest()[:16]}"


def runtime_keyring() -> Path:
    return runtime_dir(Path(settings.HOME)) / "keyring.json"


def unlock(passphrase: str) -> None:
    sealed = read_sealed()
    data_key = open_slots(sealed, passphrase)
    text = unwrap(data_key, sealed["keyring"], b"keyring").decode()
    parse(text)
    write_private(runtime_keyring(), text)
    write_private(runtime_keyring().with_name("data-key"), b64(data_key))


# What the parts do once the keys are unlocked: messaging routes the texts that arrived while locked.
# Run by `solidarity keys unlock` and by the worker when it sees the keys unlocked; each step is idempotent.
AFTER_UNLOCK = Registry[str, Callable[[], object]]("core.after-unlock")


def after_unlock() -> list[str]:
    """Run each part's after-unlock step; the names of those that failed (each logged by class, none raises).

    A step that fails here is run again by the worker (and the part's own periodic job): the
    unlock itself has succeeded, and an operator's command must say so.
    """
    failed = []
    for name, step in AFTER_UNLOCK.items():
        try:
            step()
        except Exception as error:  # a part's failure must not undo or hide the unlock
            log.error("after unlock: %s failed (%s)", name, type(error).__name__)
            failed.append(name)
    return failed


def lock() -> None:
    for name in ("keyring.json", "data-key"):
        shred(runtime_keyring().with_name(name))


def is_locked() -> bool:
    return is_sealed() and not runtime_keyring().exists()


def add_passphrase(existing: str, new: str) -> int:
    """Another slot for another operator's passphrase; returns how many slots there are."""
    sealed = read_sealed()
    sealed["slots"].append(new_slot(new, open_slots(sealed, existing)))
    write_private(sealed_path(), json.dumps(sealed, indent=1))
    return len(sealed["slots"])


def reseal(text: str) -> None:
    """Re-wrap a changed keyring (a rotation) under the data key held in memory."""
    sealed = read_sealed()
    data_key = base64.b64decode(runtime_keyring().with_name("data-key").read_text())
    sealed["keyring"] = wrap(data_key, text.encode(), b"keyring")
    write_private(sealed_path(), json.dumps(sealed, indent=1))


def inbox_recipient() -> x25519.Recipient:
    if is_sealed():
        return x25519.Recipient.from_str(read_sealed()["inbox"])
    return x25519.Identity.from_str(current().inbox).to_public()


def seal_for_later(data: bytes) -> bytes:
    """Encrypt what arrives (a public report, an inbound message) so only the keyring can open it.

    Works while the network is locked: only the public key is needed.
    """
    return bytes(pyrage.encrypt(data, [inbox_recipient()]))


def open_later(blob: bytes) -> bytes:
    return bytes(pyrage.decrypt(blob, [x25519.Identity.from_str(current().inbox)]))
