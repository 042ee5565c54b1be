"""Key rotation: a new key becomes primary, every value and index is re-encrypted in batches.

Resumable: each batch commits on its own, and rows already under the primary keys are
skipped, so an interrupted rotation continues where it stopped (`keys rotate --resume`)
without losing a value: old keys stay in the keyring until `keys retire` removes one that
no value uses any more.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction

from solidarity.core import crypto, keyring
from solidarity.core.fields import BlindIndexField, EncryptedTextField
from solidarity.core.files import EncryptedFileField
from solidarity.core.services import get_network_settings

BATCH = 200

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Protected:
    """A model with encrypted fields, and the blind indexes that follow them."""

    model: type[models.Model]
    encrypted: list[EncryptedTextField]
    indexes: list[BlindIndexField]
    files: tuple[EncryptedFileField, ...] = ()

    @property
    def label(self) -> str:
        return self.model._meta.label

    def columns(self) -> list[str]:
        return [field.attname for field in [*self.encrypted, *self.indexes, *self.files]]


def protected_models() -> list[Protected]:
    found = []
    for model in apps.get_models():
        encrypted = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        files = tuple(f for f in model._meta.concrete_fields if isinstance(f, EncryptedFileField))
        if encrypted or files:
            indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
            found.append(Protected(model, encrypted, indexes, files))
    return found


def stored_key_ids(row: dict[str, Any], part: Protected) -> Iterator[tuple[str, str]]:
    """(kind, key id) of every value in a row, read from the stored text without decrypting."""
    for field in part.encrypted:
        if row[field.attname]:
            yield "aead", crypto.key_id_of(str(row[field.attname]))
    for index in part.indexes:
        if row[index.attname]:
            yield "index", str(row[index.attname]).split(":", 1)[0]
    for file_field in part.files:
        if row[file_field.attname]:
            yield "aead", crypto.key_id_of(row[file_field.attname].sealed_meta)  # the file's key, from its column


def status() -> dict[str, Counter[str]]:
    """How many stored values each key still protects, per model: {label: {"aead:ab12cd34": 120, ...}}."""
    counts: dict[str, Counter[str]] = {}
    for part in protected_models():
        tally: Counter[str] = Counter()
        for row in part.model._default_manager.values(*part.columns()).iterator():
            tally.update(f"{kind}:{key_id}" for kind, key_id in stored_key_ids(row, part))
        counts[part.label] = tally
    return counts


def is_current(row: dict[str, Any], part: Protected, ring: keyring.Keyring) -> bool:
    primary = {"aead": ring.aead.primary, "index": ring.index.primary}
    return all(key_id == primary[kind] for kind, key_id in stored_key_ids(row, part))


def reencrypt(progress: Progress | None = None) -> int:
    """Bring every value and index under the primary keys; returns how many rows changed."""
    ring = keyring.current()
    changed = 0
    for part in protected_models():
        manager = part.model._default_manager
        total = manager.count()
        done, last_pk = 0, None
        while True:
            batch = manager.order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            pks = list(batch.values_list("pk", flat=True)[:BATCH])
            if not pks:
                break
            changed += reencrypt_batch(part, pks, ring)
            last_pk, done = pks[-1], done + len(pks)
            if progress:
                progress(part.label, done, total)
    return changed


@transaction.atomic
def reencrypt_batch(part: Protected, pks: list[Any], ring: keyring.Keyring) -> int:
    changed = 0
    rows = part.model._default_manager.select_for_update().filter(pk__in=pks).order_by("pk")
    for instance in rows:
        stored = {column: instance.__dict__.get(column) for column in part.columns()}
        if is_current(stored, part, ring):
            continue
        for field in part.encrypted:
            getattr(instance, field.attname)  # decrypts with the old key; save() encrypts with the primary
        for file_field in part.files:
            file_field.reencrypt(instance)  # a new file under the primary key; the old one goes on commit
        # The model's own save is passed over: re-encrypting changes no value, and an append-only model (an
        # incident's timeline) refuses any save of a row it holds, rightly, for every other caller.
        models.Model.save(instance, update_fields=part.columns())
        changed += 1
    return changed


def rotate(progress: Progress | None = None) -> int:
    """Make fresh keys primary, then re-encrypt everything under them.

    The new index key is sized for the network's expected population now (a network setting),
    so a grown network gets longer indexes at its next rotation.
    """
    population = get_network_settings().expected_population
    keyring.save(keyring.with_new_primaries(keyring.current(), population=population))
    return reencrypt(progress)


def retire(key_id: str) -> None:
    """Remove a key no stored value uses any more."""
    ring = keyring.current()
    if key_id in (ring.aead.primary, ring.index.primary):
        raise ValueError(f"{key_id} is a primary key: rotate first")
    if key_id not in ring.aead.keys and key_id not in ring.index.keys:
        raise ValueError(f"no key {key_id} in the keyring")
    in_use = sum(count for tally in status().values() for name, count in tally.items() if name.endswith(f":{key_id}"))
    if in_use:
        raise ValueError(f"{in_use} stored values still use {key_id}: run `solidarity keys rotate --resume`")
    keyring.save(keyring.without_keys(ring, {key_id}))
