"""Encrypted fields: values bound to their row and field, found again by blind index."""

import math
import uuid

import pytest
from django.core.exceptions import FieldError
from django.db import connection, models
from django.test.utils import isolate_apps

from solidarity.core import crypto
from solidarity.core.fields import EncryptedTextField, Sealed, find_by_index, reveal
from solidarity.core.models import AuditAction, AuditEntry
from tests.testapp.models import Dossier


def make(**values: object) -> Dossier:
    return Dossier.objects.create(pseudonym=f"p-{uuid.uuid4().hex[:6]}", **values)


def raw(column: str, dossier: Dossier) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM testapp_dossier WHERE id = %s", [dossier.pk])  # noqa: S608  (test-only column names)
        value: str = cursor.fetchone()[0]
    return value


def write_raw(column: str, dossier: Dossier, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE testapp_dossier SET {column} = %s WHERE id = %s", [value, dossier.pk])  # noqa: S608  (test-only column names)


@pytest.mark.django_db
def test_values_are_stored_encrypted_and_read_back_in_clear() -> None:
    dossier = make(name="Marisol Canary", phone="(919) 555-0142", note="needs insulin", needs={"diet": "no salt"})

    stored = raw("name", dossier)
    assert stored.startswith("v1:")
    assert "Marisol" not in stored

    again = Dossier.objects.get(pk=dossier.pk)
    assert again.name == "Marisol Canary"
    assert again.note == "needs insulin"
    assert again.needs == {"diet": "no salt"}


@pytest.mark.django_db
def test_each_save_uses_a_fresh_nonce() -> None:
    first, second = make(note="same words"), make(note="same words")
    assert raw("note", first) != raw("note", second)


@pytest.mark.django_db
def test_a_value_swapped_into_another_row_fails_closed() -> None:
    one, two = make(name="Alma Uno"), make(name="Beto Dos")
    one_cipher, two_cipher = raw("name", one), raw("name", two)
    write_raw("name", one, two_cipher)
    write_raw("name", two, one_cipher)

    for dossier in Dossier.objects.filter(pk__in=[one.pk, two.pk]):
        with pytest.raises(crypto.DecryptionError):
            _ = dossier.name

    refusals = AuditEntry.objects.filter(action=AuditAction.DECRYPTION_FAILED)
    assert sorted(entry.object_ids[0] for entry in refusals) == sorted([str(one.uuid), str(two.uuid)])
    assert {entry.detail["field"] for entry in refusals} == {"testapp.dossier.name"}


@pytest.mark.django_db
def test_a_value_moved_to_another_field_of_the_same_row_fails_closed() -> None:
    dossier = make(name="Carla Tres", note="private")
    write_raw("note", dossier, raw("name", dossier))
    with pytest.raises(crypto.DecryptionError, match=r"testapp\.dossier\.note"):
        _ = Dossier.objects.get(pk=dossier.pk).note


@pytest.mark.django_db
def test_an_altered_ciphertext_fails_closed() -> None:
    dossier = make(note="private")
    stored = raw("note", dossier)
    tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    write_raw("note", dossier, tampered)
    with pytest.raises(crypto.DecryptionError):
        _ = Dossier.objects.get(pk=dossier.pk).note


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["(919) 555-0142", "+19195550142", "919.555.0142", "+1 919 555 0142"])
def test_a_phone_number_is_found_however_it_is_written(written: str) -> None:
    wanted = make(phone="+1 (919) 555-0142")
    for n in range(30):
        make(phone=f"+1 919 555 {1000 + n}")

    found = find_by_index(Dossier.objects.all(), "phone_index", written)

    assert [row.pk for row in found] == [wanted.pk]


@pytest.mark.django_db
def test_an_email_is_found_whatever_its_case() -> None:
    wanted = make(email="Rosa.Ejemplo@Example.org")
    assert [row.pk for row in find_by_index(Dossier.objects.all(), "email_index", "rosa.ejemplo@example.org ")] == [
        wanted.pk
    ]
    assert find_by_index(Dossier.objects.all(), "email_index", "nobody@example.org") == []


@pytest.mark.parametrize("population", [8, 50, 500, 5000, 50_000, 1_000_000])
def test_blind_indexes_are_truncated_to_give_a_few_candidates(population: int) -> None:
    bits = crypto.index_bits(population)
    chance_matches = population / 2**bits
    assert chance_matches >= 2
    assert chance_matches < math.sqrt(population)


@pytest.mark.django_db
def test_encrypted_fields_cannot_be_filtered_on() -> None:
    with pytest.raises(FieldError):
        list(Dossier.objects.filter(name="Marisol"))
    make(name="x")
    assert Dossier.objects.filter(name__isnull=False).count() == 1


@pytest.mark.django_db
def test_values_queries_return_sealed_values_that_reveal_opens() -> None:
    dossier = make(name="Dora Cuatro")
    [(row_uuid, sealed)] = Dossier.objects.values_list("uuid", "name")
    assert isinstance(sealed, Sealed)
    assert reveal(sealed, context="testapp.dossier.name", row=row_uuid) == "Dora Cuatro"
    assert row_uuid == dossier.uuid


@pytest.mark.django_db
def test_saving_an_unread_row_keeps_its_ciphertext() -> None:
    dossier = make(name="Eva Cinco")
    before = raw("name", dossier)
    again = Dossier.objects.get(pk=dossier.pk)
    again.pseudonym = "renamed"
    again.save()
    assert raw("name", again) == before


@isolate_apps("tests.testapp")
def test_a_model_without_a_uuid_cannot_hold_encrypted_fields() -> None:
    class Careless(models.Model):
        secret = EncryptedTextField(context="testapp.careless.secret")

        class Meta:
            app_label = "testapp"

        def __str__(self) -> str:
            return "careless"

    errors = Careless._meta.get_field("secret").check()
    assert [error.id for error in errors] == ["solidarity.E002"]
