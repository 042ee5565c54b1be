"""Model fields for personal data: encrypted values and their blind indexes.

    class Person(models.Model):
        uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
        phone = EncryptedTextField(context="people.person.phone", blank=True)
        phone_index = BlindIndexField(source="phone", normalise=normalise_phone)

A model with encrypted fields has a `uuid` set before its first save: each value is
bound to it. Reading the attribute decrypts (and a value that does not belong to its
row and field fails closed with DecryptionError); assigning stores plaintext in memory,
encrypted again on save. `values()` and `values_list()` return `Sealed` values, which
`reveal()` opens. Encrypted fields cannot be filtered on: look up through a blind index.
"""

import json
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

import phonenumbers
from django.core import checks
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from solidarity.core import audit, crypto, keyring
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings

logger = logging.getLogger("solidarity.crypto")


def row_uuid_errors(field: models.Field[Any, Any], what: str) -> list[checks.CheckMessage]:
    """An encrypted field's model needs a `uuid` UUIDField with a default: each `what` is bound to it (E002)."""
    uuid_field = next((f for f in field.model._meta.fields if f.name == "uuid"), None)
    if isinstance(uuid_field, models.UUIDField) and callable(uuid_field.default):
        return []
    return [
        checks.Error(
            f"{field.model.__name__} has encrypted fields but no `uuid` UUIDField with a default",
            hint=f"Each encrypted {what} is bound to its row's UUID, which must exist before the first save.",
            obj=field,
            id="solidarity.E002",
        )
    ]


class Sealed(str):
    """A value as stored: ciphertext, opened only with its row's UUID."""

    __slots__ = ()


def reveal(value: Any, *, context: str, row: UUID) -> str:
    return crypto.decrypt(str(value), context=context, row=row) if isinstance(value, Sealed) else str(value)


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read, and keeps the plaintext on the instance for later reads."""

    field: "EncryptedTextField"

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        value = super().__get__(instance, cls)
        if instance is None or not isinstance(value, Sealed):
            return value
        try:
            plain = self.field.from_plaintext(crypto.decrypt(value, context=self.field.context, row=instance.uuid))
        except crypto.DecryptionError:
            # Fail closed, and leave a trace: a moved or altered value is a sign of tampering.
            logger.warning("decryption refused: %s of %s", self.field.context, instance.uuid)
            audit.record(
                actor=audit.SYSTEM,
                action=AuditAction.DECRYPTION_FAILED,
                object_type=instance._meta.label_lower,
                object_ids=[instance.uuid],
                detail={"field": self.field.context},
            )
            raise
        instance.__dict__[self.field.attname] = plain
        return plain

    def __set__(self, instance: Any, value: Any) -> None:
        # A data descriptor, so that reads always pass through __get__ above.
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField[Any, Any]):
    """Text encrypted at rest, bound to `context` (a stable name, e.g. "people.person.phone") and the row."""

    descriptor_class = EncryptedAttribute

    def __init__(self, *args: Any, context: str, **kwargs: Any) -> None:
        self.context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *row_uuid_errors(self, "value")]

    def to_plaintext(self, value: Any) -> str:
        return str(value)

    def from_plaintext(self, text: str) -> Any:
        return text

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None or value == "" else Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, Sealed):
            return value  # unchanged since it was read: keep the stored ciphertext
        if value == "" and not isinstance(self, EncryptedJSONField):
            return ""
        row = model_instance.uuid  # type: ignore[attr-defined]  # the check above guarantees it
        return crypto.encrypt(self.to_plaintext(value), context=self.context, row=row)

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertexts compare to nothing: only "is it set?" makes sense. Find rows by a blind index.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


class EncryptedJSONField(EncryptedTextField):
    """JSON encrypted at rest: the whole document is one sealed value."""

    # For django-stubs: instances hold any JSON value, not only text.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_plaintext(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True)

    def from_plaintext(self, text: str) -> Any:
        return json.loads(text)


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """E.164 when the number parses (default region: the network's setting), else its digits."""
    try:
        number = phonenumbers.parse(value, get_network_settings().phone_region)
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in value if ch.isdigit())
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class BlindIndexField(models.CharField[Any, Any]):
    """A truncated keyed hash of another field's normalised plaintext, kept up to date on save.

    The truncation follows from the expected number of rows: the network's setting, recorded
    with each index key when it is made (keyring.populations), so a new setting takes effect
    at the next `keys rotate` and values under the old key stay findable meanwhile. A field
    whose table holds a known share of it may say `population=` itself.
    """

    def __init__(
        self,
        *args: Any,
        source: str = "",
        normalise: Callable[[str], str] = normalise_email,
        population: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.source, self.normalise, self.population = source, normalise, population
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key in ("max_length", "db_index", "editable", "blank"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        source = self.model._meta.get_field(self.source)
        assert isinstance(source, EncryptedTextField)  # noqa: S101  (a declaration error, caught in tests)
        return source.context

    def bits(self, key_id: str, ring: keyring.Keyring | None = None) -> int:
        """The truncation of this field's index under one index key."""
        ring = ring or keyring.current()
        return crypto.index_bits(self.population or ring.population(key_id))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.source)
        if isinstance(value, Sealed):
            return getattr(model_instance, self.attname)  # source unchanged: index unchanged
        index = self.index_of(str(value)) if value else ""
        setattr(model_instance, self.attname, index)  # the instance shows what was stored, as auto_now does
        return index

    def index_of(self, value: str) -> str:
        ring = keyring.current()
        primary = ring.index.primary
        bits = self.bits(primary, ring)
        return crypto.blind_index(self.normalise(value), context=self.context, bits=bits, key_id=primary, ring=ring)

    def candidates(self, value: str) -> list[str]:
        """The index values a look-up for `value` must match (all keys in the keyring)."""
        ring = keyring.current()
        return crypto.blind_indexes(
            self.normalise(value), context=self.context, bits=lambda key_id: self.bits(key_id, ring), ring=ring
        )


def find_by_index(queryset: models.QuerySet[Any], index_field: str, value: str) -> list[Any]:
    """Rows whose indexed field equals `value` once normalised: candidates by index, then compared in clear."""
    field = queryset.model._meta.get_field(index_field)
    assert isinstance(field, BlindIndexField)  # noqa: S101  (a programming error, caught in tests)
    wanted = field.normalise(value)
    found = queryset.filter(**{f"{index_field}__in": field.candidates(value)})
    return [row for row in found if field.normalise(str(getattr(row, field.source))) == wanted]
