"""Encrypted files: sealed on disk under random names, bound to their row and field, gone with their row."""

import io
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from PIL import Image, PngImagePlugin
from pytest_django.fixtures import Settings

from solidarity.core import crypto, keyring, keys, retention
from solidarity.core.files import EncryptedFile, EncryptedFileField
from solidarity.core.models import AuditAction, AuditEntry
from tests import canaries
from tests.conftest import command_env, run_solidarity
from tests.testapp.models import Dossier

GPS_IFD = 0x8825
Capture = Callable[..., Any]  # django_capture_on_commit_callbacks


def media() -> Path:
    return Path(settings.HOME) / "media"


def raw_column(column: str, dossier: Dossier) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM testapp_dossier WHERE id = %s", [dossier.pk])  # noqa: S608  (test-only column names)
        value: str = cursor.fetchone()[0]
    return value


def write_column(column: str, dossier: Dossier, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE testapp_dossier SET {column} = %s WHERE id = %s", [value, dossier.pk])  # noqa: S608  (test-only column names)


def on_disk(handle: EncryptedFile) -> Path:
    return media() / handle.stored.storage_name


def with_document(content: bytes = b"scan of a lease", name: str = "lease.pdf") -> Dossier:
    return Dossier.objects.create(pseudonym=f"p-{uuid.uuid4().hex[:6]}", document=ContentFile(content, name=name))


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CanaryCam"
    exif[GPS_IFD] = {1: "N", 2: (35.0, 46.0, 48.0), 3: "W", 4: (78.0, 38.0, 18.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 40)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png_with_text(text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 0, 255)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_file_is_stored_encrypted_under_a_random_name_and_read_back_explicitly() -> None:
    dossier = with_document(b"%PDF-1.7 the lease of Calle Canario 12", name="lease of Marisol.pdf")

    again = Dossier.objects.get(pk=dossier.pk)
    assert isinstance(again.document, EncryptedFile)
    assert again.document.read_plain() == b"%PDF-1.7 the lease of Calle Canario 12"
    assert (again.document.name, again.document.content_type, again.document.size) == (
        "lease of Marisol.pdf",
        "application/pdf",
        38,
    )
    assert not hasattr(again.document, "url")
    assert not hasattr(again.document, "path")
    assert "Marisol" not in raw_column("document", dossier)
    raw = on_disk(again.document).read_bytes()
    assert raw.startswith(f"v1:{keyring.current().aead.primary}:".encode())
    assert b"Calle Canario" not in raw
    assert on_disk(again.document).stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_an_uploaded_file_from_a_form_is_sealed_on_save() -> None:
    form_class = forms.modelform_factory(Dossier, fields=["pseudonym", "document"])
    upload = SimpleUploadedFile("informe.txt", b"what happened", content_type="text/plain")

    form = form_class(data={"pseudonym": "from-a-form"}, files=MultiValueDict({"document": [upload]}))
    assert form.is_valid(), form.errors
    dossier = form.save()

    stored = Dossier.objects.get(pk=dossier.pk).document
    assert (stored.name, stored.content_type, stored.read_plain()) == ("informe.txt", "text/plain", b"what happened")


@pytest.mark.django_db(transaction=True)
def test_file_canaries_appear_nowhere_in_the_media_folder_or_the_database() -> None:
    planted = canaries.fresh()
    Dossier.objects.create(
        pseudonym="canary",
        photo=ContentFile(png_with_text(planted.note), name=f"{planted.name}.png"),
        document=ContentFile(f"{planted.note} / {planted.phone}".encode(), name=f"{planted.name}.txt"),
    )

    assert canaries.leaks(planted, canaries.raw_media_bytes()) == []
    assert canaries.leaks(planted, canaries.raw_database_bytes()) == []
    dossier = Dossier.objects.get(pseudonym="canary")
    assert dossier.document.name == f"{planted.name}.txt"
    assert planted.note.encode() in dossier.document.read_plain()


@pytest.mark.django_db
def test_files_swapped_between_rows_fail_closed_on_both_and_are_audited() -> None:
    one, two = with_document(b"first"), with_document(b"second")
    one_column, two_column = raw_column("document", one), raw_column("document", two)
    write_column("document", one, two_column)
    write_column("document", two, one_column)

    for dossier in Dossier.objects.filter(pk__in=[one.pk, two.pk]):
        with pytest.raises(crypto.DecryptionError):
            dossier.document.read_plain()

    refusals = AuditEntry.objects.filter(action=AuditAction.DECRYPTION_FAILED)
    assert sorted(entry.object_ids[0] for entry in refusals) == sorted([str(one.uuid), str(two.uuid)])
    assert {entry.detail["field"] for entry in refusals} == {"testapp.dossier.document"}


@pytest.mark.django_db
def test_file_contents_swapped_on_disk_fail_closed() -> None:
    one, two = with_document(b"first file"), with_document(b"other file")  # the same size: only the AEAD tells
    one_path, two_path = on_disk(one.document), on_disk(two.document)
    one_bytes, two_bytes = one_path.read_bytes(), two_path.read_bytes()
    one_path.write_bytes(two_bytes)
    two_path.write_bytes(one_bytes)

    for dossier in (one, two):
        with pytest.raises(crypto.DecryptionError, match="does not belong here"):
            Dossier.objects.get(pk=dossier.pk).document.read_plain()
    assert AuditEntry.objects.filter(action=AuditAction.DECRYPTION_FAILED).count() == 2


@pytest.mark.django_db
def test_a_file_moved_to_another_field_of_the_same_row_fails_closed() -> None:
    dossier = Dossier.objects.create(pseudonym="two-files", document=ContentFile(png_with_text("x"), name="a.png"))
    write_column("photo", dossier, raw_column("document", dossier))
    with pytest.raises(crypto.DecryptionError, match=r"testapp\.dossier\.photo"):
        _ = Dossier.objects.get(pk=dossier.pk).photo.name


@pytest.mark.django_db
def test_a_photo_loses_its_gps_before_it_is_sealed() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    dossier = Dossier.objects.create(pseudonym="photo", photo=SimpleUploadedFile("IMG_0042.jpeg", original))

    photo = Dossier.objects.get(pk=dossier.pk).photo
    plain = photo.read_plain()
    assert b"CanaryCam" not in plain
    assert not Image.open(io.BytesIO(plain)).getexif().get_ifd(GPS_IFD)
    assert (photo.name, photo.content_type) == ("IMG_0042.jpg", "image/jpeg")


@pytest.mark.django_db
def test_an_image_field_refuses_what_is_not_an_image_and_any_field_refuses_a_huge_file() -> None:
    with pytest.raises(ValidationError) as not_an_image:
        Dossier.objects.create(pseudonym="x", photo=ContentFile(b"<html>not a photo</html>", name="photo.jpg"))
    assert not_an_image.value.code == "unreadable"

    field = Dossier._meta.get_field("document")
    assert isinstance(field, EncryptedFileField)
    with pytest.raises(ValidationError) as too_large:
        field.clean_upload(b"x" * (field.max_size + 1))
    assert too_large.value.code == "too_large"


@pytest.fixture
def own_keyring(tmp_path: Path, settings: Settings) -> None:
    """Rotate a copy: the suite's other tests keep their keyring."""
    copy = tmp_path / "keyring.json"
    shutil.copy(settings.KEYRING_PATH, copy)
    settings.KEYRING_PATH = copy


@pytest.mark.django_db
@pytest.mark.usefixtures("own_keyring")
def test_rotation_reseals_files_under_the_new_key_and_the_old_key_retires(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    dossier = with_document(b"rotate me")
    old_key, old_path = keyring.current().aead.primary, on_disk(dossier.document)
    assert keys.status()["testapp.Dossier"] == {f"aead:{old_key}": 1}

    with django_capture_on_commit_callbacks(execute=True):
        keys.rotate()

    new_key = keyring.current().aead.primary
    document = Dossier.objects.get(pk=dossier.pk).document
    assert keys.status()["testapp.Dossier"] == {f"aead:{new_key}": 1}
    assert on_disk(document).read_bytes().startswith(f"v1:{new_key}:".encode())
    assert not old_path.exists()
    keys.retire(old_key)
    assert old_key not in keyring.current().aead.keys
    assert document.read_plain() == b"rotate me"


@pytest.mark.django_db
def test_deleting_the_row_or_replacing_the_file_removes_the_old_file(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    dossier = with_document(b"first version")
    first = on_disk(dossier.document)

    with django_capture_on_commit_callbacks(execute=True):
        dossier.document = b"second version"
        dossier.save()
    assert not first.exists()
    second = on_disk(Dossier.objects.get(pk=dossier.pk).document)
    assert second.exists()

    with django_capture_on_commit_callbacks(execute=True):
        Dossier.objects.filter(pk=dossier.pk).delete()
    assert not second.exists()


@pytest.mark.django_db
def test_a_row_loaded_without_its_file_column_still_takes_its_file_along(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    path = on_disk(with_document().document)
    with django_capture_on_commit_callbacks(execute=True):
        Dossier.objects.only("pk").get().delete()
    assert not path.exists()


@pytest.mark.django_db
def test_a_file_assigned_from_another_row_is_sealed_again_for_its_new_row() -> None:
    source = with_document(b"shared scan", name="scan.png")
    copy = Dossier.objects.create(pseudonym="copy", document=source.document)

    stored = Dossier.objects.get(pk=copy.pk).document
    assert (stored.name, stored.read_plain()) == ("scan.png", b"shared scan")
    assert stored.stored.storage_name != source.document.stored.storage_name


@pytest.mark.django_db
def test_a_deletion_that_rolls_back_keeps_the_file() -> None:
    dossier = with_document()
    path = on_disk(dossier.document)

    @transaction.atomic
    def delete_then_fail() -> None:
        dossier.delete()
        raise RuntimeError("the deletion fails later")

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert path.exists()
    assert Dossier.objects.get(uuid=dossier.uuid).document.read_plain() == b"scan of a lease"


@pytest.mark.django_db
def test_a_purge_removes_the_files_of_the_rows_it_deletes(django_capture_on_commit_callbacks: Capture) -> None:
    closed = Dossier.objects.create(pseudonym="closed", closed_at=timezone.now(), document=b"closed case")
    still_open = with_document(b"open case")
    closed_path, open_path = on_disk(closed.document), on_disk(still_open.document)

    with time_machine.travel(timezone.now() + timedelta(days=31)), django_capture_on_commit_callbacks(execute=True):
        assert retention.Purged("testapp.closed-dossiers", 1) in retention.purge()

    assert not closed_path.exists()
    assert open_path.exists()


PLANT = """
from django.core.files.base import ContentFile
from tests.testapp.models import Dossier
Dossier.objects.create(pseudonym="with-file", document=ContentFile({content!r}, name="acta.txt"))
"""
READ = """
from tests.testapp.models import Dossier
document = Dossier.objects.get(pseudonym="with-file").document
print(document.name, document.read_plain())
"""


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Two homes, each with a database of the kind this run uses: SQLite in the home, or a new PostgreSQL one."""
    db, names, envs = connection.settings_dict, [f"files_{side}_{uuid.uuid4().hex[:8]}" for side in "ab"], []
    server = ["-h", str(db["HOST"]), "-p", str(db["PORT"]), "-U", str(db["USER"])]
    for side, name in zip("ab", names, strict=True):
        extra = {}
        if connection.vendor == "postgresql":
            subprocess.run(["createdb", *server, name], check=True)
            extra["SOLIDARITY_DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"
        envs.append(command_env(tmp_path / side, DJANGO_SETTINGS_MODULE="tests.settings", **extra))
    yield envs[0], envs[1]
    if connection.vendor == "postgresql":
        for name in names:
            subprocess.run(["dropdb", *server, name], check=False)


def solidarity_ok(*args: str, env: dict[str, str]) -> str:
    result = run_solidarity(*args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_backup_restores_files_that_still_decrypt(
    tmp_path: Path, homes: tuple[dict[str, str], dict[str, str]]
) -> None:
    original, fresh = homes
    planted = canaries.fresh()
    solidarity_ok("manage", "migrate", "-v0", env=original)
    solidarity_ok("manage", "shell", "-c", PLANT.format(content=planted.note.encode()), env=original)
    archive, passphrase = tmp_path / "nightly.age", {"SOLIDARITY_BACKUP_PASSPHRASE": "correct horse battery staple"}

    solidarity_ok("backup", str(archive), env=original | passphrase)
    solidarity_ok("restore", str(archive), env=fresh | passphrase)

    assert list((tmp_path / "b" / "media" / "sealed").rglob("*"))
    assert f"acta.txt {planted.note.encode()!r}" in solidarity_ok("manage", "shell", "-c", READ, env=fresh)
