"""Encrypted files: a photo in a report, a scanned document in a case, sealed in the default storage.

    class Dossier(models.Model):
        uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
        photo = EncryptedFileField(context="testapp.dossier.photo", image=True, blank=True)

    dossier.photo = request.FILES["photo"]  # an UploadedFile, any File, or bytes
    dossier.save()                          # cleaned (image=True), sealed, written under a random name
    dossier.photo.name, dossier.photo.size  # the original name and size, decrypted from the column
    dossier.photo.read_plain()              # the content, decrypted: the only way to it

On disk (media/sealed/) a file is one AES-256-GCM message over its whole content (crypto.encrypt_bytes),
bound like any value to the field's context, the row's UUID and the key id, under a random name. The
column holds `<storage name> <sealed metadata>`: the metadata (original name, content type, size, and the
storage name again, so the column cannot be pointed at another file) is an encrypted JSON value, so a page
can show a file's name and size without opening it, and `keys status` counts files without reading the
disk. A file and its metadata are always written together, under one key.

One AEAD over the whole file rather than a chunked STREAM: reading gives bytes in memory anyway (a view
decrypts, checks permission and sends), and the size limit (`max_size`, 20 MB by default) bounds memory.
A streaming format can come later as another version of the file header.

There is no URL and no path: a file is served, if ever, by a view that checks permission and decrypts
(as an attachment: a non-image's content type is what its sender declared). Replacing a file or deleting
its row removes the old file, overwritten first where the storage is a local folder, once the transaction
commits; a rollback keeps it. A crash between writing a new file and committing its row leaves an orphan:
encrypted, named by no row.
"""

import json
import logging
import mimetypes
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django import forms
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage
from django.db import models, transaction
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import pre_delete
from django.utils.translation import gettext as _

from solidarity.core import audit, crypto, images, keyring
from solidarity.core.fields import row_uuid_errors
from solidarity.core.models import AuditAction

logger = logging.getLogger("solidarity.crypto")

MAX_SIZE = 20 * 1024 * 1024
FOLDER = "sealed"
OCTET_STREAM = "application/octet-stream"


class StoredFile(str):
    """The column as stored: `<storage name> <sealed metadata>`. Opened only through EncryptedFile."""

    __slots__ = ()

    @property
    def storage_name(self) -> str:
        return self.partition(" ")[0]

    @property
    def sealed_meta(self) -> str:
        return self.partition(" ")[2]

    @property
    def key_id(self) -> str:
        return crypto.key_id_of(self.sealed_meta)


@dataclass(frozen=True)
class Cleaned:
    """Content that already passed its field's checks (a copy, a rotation): sealed as it is, never re-encoded."""

    data: bytes
    name: str
    content_type: str


@dataclass(frozen=True)
class FileMeta:
    name: str
    content_type: str
    size: int


class EncryptedFile:
    """One row's stored file: its name, type and size, and its content through read_plain(). No URL, no path."""

    def __init__(self, field: "EncryptedFileField", instance: models.Model, stored: StoredFile) -> None:
        self.field, self.instance, self.stored = field, instance, stored
        self.opened: FileMeta | None = None

    def __repr__(self) -> str:
        return f"<EncryptedFile {self.field.context} of {self.field.row(self.instance)}>"  # never the file's name

    @property
    def meta(self) -> FileMeta:
        if self.opened is None:
            self.opened = self.field.open_meta(self.instance, self.stored)
        return self.opened

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def content_type(self) -> str:
        return self.meta.content_type

    @property
    def size(self) -> int:
        return self.meta.size

    @property
    def key_id(self) -> str:
        return self.stored.key_id

    def read_plain(self) -> bytes:
        """The decrypted content. Fails closed (DecryptionError, audited) if it is not this row's file."""
        return self.field.open_content(self.instance, self.stored, self.meta)


class EncryptedFileAttribute(DeferredAttribute):
    """Reads give an EncryptedFile (or what was assigned and not saved yet); assignments are sealed on save."""

    field: "EncryptedFileField"

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if not isinstance(value, StoredFile):
            return value
        cached = instance.__dict__.get(self.field.handle_key)
        if isinstance(cached, EncryptedFile) and cached.stored is value:
            return cached
        handle = EncryptedFile(self.field, instance, value)
        instance.__dict__[self.field.handle_key] = handle
        return handle

    def __set__(self, instance: Any, value: Any) -> None:
        self.field.assign(instance, value)


def discard(storage: Storage, name: str) -> None:
    """Remove a sealed file; a local one is overwritten first, so even its ciphertext is gone."""
    try:
        path = Path(storage.path(name))
    except NotImplementedError:
        storage.delete(name)
    else:
        keyring.shred(path)


class EncryptedFileField(models.TextField[Any, Any]):
    """A file encrypted at rest, bound to `context` (e.g. "incidents.report.photo") and the row.

    image=True: only JPEG, PNG or WebP, re-encoded without metadata (core.images) before it is sealed.
    max_size: the largest file accepted, in bytes.
    """

    descriptor_class = EncryptedFileAttribute
    # For django-stubs: instances hold an EncryptedFile, or an upload until saved.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def __init__(self, *args: Any, context: str, image: bool = False, max_size: int = MAX_SIZE, **kwargs: Any) -> None:
        self.context, self.image, self.max_size = context, image, max_size
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        if self.image:
            kwargs["image"] = True
        if self.max_size != MAX_SIZE:
            kwargs["max_size"] = self.max_size
        if kwargs.get("default") == "":
            del kwargs["default"]
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract:
            # The field's own model only: a deleted row takes its file along, whoever deletes it (a purge too).
            pre_delete.connect(self.forget, sender=cls)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *row_uuid_errors(self, "file")]

    @property
    def meta_context(self) -> str:
        return f"{self.context}#meta"

    @property
    def saved_key(self) -> str:
        return f"_{self.attname}_saved"  # what the database holds, as far as this instance knows

    @property
    def handle_key(self) -> str:
        return f"_{self.attname}_file"

    @property
    def storage(self) -> Storage:
        return default_storage

    def row(self, instance: models.Model) -> Any:
        return instance.uuid  # type: ignore[attr-defined]  # the check above guarantees it

    # Assigning and saving.

    def assign(self, instance: models.Model, value: Any) -> None:
        data = instance.__dict__
        if isinstance(value, EncryptedFile):
            if value.field is self and type(value.instance) is type(instance) and value.instance.pk == instance.pk:
                value = value.stored  # this row's own file (refresh_from_db passes it along)
            else:
                value = Cleaned(value.read_plain(), value.name, value.content_type)  # a copy, sealed for this row
        if isinstance(value, str):
            value = StoredFile(value) if value else None
            if value is not None:
                data[self.saved_key] = value
        data[self.attname] = value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        data = model_instance.__dict__
        value = data.get(self.attname)
        if isinstance(value, StoredFile):
            return value  # unchanged since it was read
        saved = data.get(self.saved_key)
        stored = None if value is None else self.seal(model_instance, self.clean_upload(value))
        if isinstance(saved, StoredFile):
            self.discard_on_commit(saved, model_instance._state.db)
        data[self.attname] = stored
        data[self.saved_key] = stored
        return stored or ""

    def clean_upload(self, value: Any) -> Cleaned:
        """Read an assigned upload within the size limit; an image is checked by content and re-encoded."""
        if isinstance(value, Cleaned):
            return value
        declared: str | None = None
        if isinstance(value, bytes | bytearray | memoryview):
            content, name = bytes(value), ""
        elif isinstance(value, File):
            if value.closed:
                value.open("rb")
            if value.seekable():
                value.seek(0)
            read = value.read(self.max_size + 1)
            content, name = read.encode() if isinstance(read, str) else bytes(read), Path(value.name or "").name
            declared = getattr(value, "content_type", None)
        else:
            raise TypeError(f"{self.context}: assign an uploaded file, a File or bytes, not {type(value).__name__}")
        if len(content) > self.max_size:
            raise ValidationError(
                _("The file is too large (%(limit)s MB at most)."),
                code="too_large",
                params={"limit": self.max_size // (1024 * 1024)},
            )
        if self.image:
            clean = images.clean_image(content)
            return Cleaned(clean.content.read(), f"{Path(name).stem or 'photo'}.{clean.extension}", clean.content_type)
        content_type = declared or mimetypes.guess_type(name)[0] or OCTET_STREAM
        return Cleaned(content, name[:255], content_type)

    def seal(self, instance: models.Model, cleaned: Cleaned) -> StoredFile:
        """Write the file encrypted under a random name; returns the column's value. One key for both."""
        row, ring, token = self.row(instance), keyring.current(), secrets.token_hex(16)
        blob = crypto.encrypt_bytes(cleaned.data, context=self.context, row=row, ring=ring)
        name = self.storage.save(f"{FOLDER}/{token[:2]}/{token}", ContentFile(blob))
        with suppress(NotImplementedError):  # a remote storage has no path, and its own access rules
            Path(self.storage.path(name)).chmod(0o600)
        meta = {"file": name, "name": cleaned.name, "type": cleaned.content_type, "size": len(cleaned.data)}
        sealed = crypto.encrypt(json.dumps(meta, sort_keys=True), context=self.meta_context, row=row, ring=ring)
        return StoredFile(f"{name} {sealed}")

    def reencrypt(self, instance: models.Model) -> bool:
        """Seal this row's file again under the primary key (a rotation); the row's save() writes it."""
        stored = instance.__dict__.get(self.attname)
        if not isinstance(stored, StoredFile) or stored.key_id == keyring.current().aead.primary:
            return False
        handle = EncryptedFile(self, instance, stored)
        instance.__dict__[self.attname] = Cleaned(handle.read_plain(), handle.name, handle.content_type)
        return True

    # Reading.

    @contextmanager
    def refusing(self, instance: models.Model) -> Iterator[None]:
        try:
            yield
        except crypto.DecryptionError:
            # Fail closed, and leave a trace: a moved or altered file is a sign of tampering.
            logger.warning("decryption refused: %s of %s", self.context, self.row(instance))
            audit.record(
                actor=audit.SYSTEM,
                action=AuditAction.DECRYPTION_FAILED,
                object_type=instance._meta.label_lower,
                object_ids=[self.row(instance)],
                detail={"field": self.context},
            )
            raise

    def open_meta(self, instance: models.Model, stored: StoredFile) -> FileMeta:
        row = self.row(instance)
        with self.refusing(instance):
            meta = json.loads(crypto.decrypt(stored.sealed_meta, context=self.meta_context, row=row))
            if meta.get("file") != stored.storage_name:
                raise crypto.DecryptionError(f"{self.context} of {row}: the column names another file")
        return FileMeta(str(meta["name"]), str(meta["type"]), int(meta["size"]))

    def open_content(self, instance: models.Model, stored: StoredFile, meta: FileMeta) -> bytes:
        row = self.row(instance)
        with self.refusing(instance):
            try:
                with self.storage.open(stored.storage_name, "rb") as handle:
                    blob = handle.read()
            except FileNotFoundError:
                raise crypto.DecryptionError(f"{self.context} of {row}: the file is missing") from None
            plain = crypto.decrypt_bytes(blob, context=self.context, row=row)
            if len(plain) != meta.size:
                raise crypto.DecryptionError(f"{self.context} of {row}: the file does not match its metadata")
        return plain

    # Deleting.

    def discard_on_commit(self, stored: StoredFile, using: str | None) -> None:
        transaction.on_commit(partial(discard, self.storage, stored.storage_name), using=using)

    def forget(self, sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any) -> None:
        """pre_delete: the row's file goes once the deletion commits (before it, a deferred column can be read)."""
        if self.attname in instance.__dict__:
            stored = instance.__dict__.get(self.saved_key)
        else:
            manager = sender._base_manager.using(using)
            stored = manager.filter(pk=instance.pk).values_list(self.attname, flat=True).first()
        if stored:
            self.discard_on_commit(StoredFile(stored), using)

    # The database, forms and serialisation.

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return StoredFile(value) if value else None

    def to_python(self, value: Any) -> Any:
        return value  # never str() an upload: pre_save seals it

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, EncryptedFile):
            value = value.stored
        if value is None or isinstance(value, str):
            return value
        raise TypeError(f"{self.context}: a file is sealed by save(), never written by update() or a query")

    def get_lookup(self, lookup_name: str) -> Any:
        # "Has a file?" only: filter(photo="") or isnull. Contents and names are sealed.
        return super().get_lookup(lookup_name) if lookup_name in ("exact", "isnull") else None

    def value_to_string(self, obj: models.Model) -> str:
        value = obj.__dict__.get(self.attname)
        return str(value) if isinstance(value, StoredFile) else ""

    def formfield(self, **kwargs: Any) -> Any:
        form_class = forms.ImageField if self.image else forms.FileField
        return super().formfield(**{"form_class": form_class, "widget": forms.FileInput, "max_length": None, **kwargs})

    def save_form_data(self, instance: models.Model, data: Any) -> None:
        if data is False:  # "clear" ticked
            setattr(instance, self.attname, None)
        elif isinstance(data, File | bytes):
            setattr(instance, self.attname, data)
