"""Sealed mode: the keyring lives wrapped by operator passphrases, and in memory only once unlocked."""

import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from solidarity.core import backup, keyring, keys
from solidarity.core.keyring import KeyringError, KeyringLocked
from solidarity.web.management.commands.worker import notify_locked
from solidarity.web.middleware import LockedKeys
from tests.factories.core import OPERATOR_PASSPHRASE, SECOND_OPERATOR_PASSPHRASE
from tests.testapp.models import Dossier

pytestmark = pytest.mark.usefixtures("own_home")


def passphrase_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / f"pass-{len(text)}"
    path.write_text(text + "\n")
    return str(path)


@pytest.mark.django_db
def test_sealing_keeps_the_keyring_only_wrapped_on_disk(own_home: Path, tmp_path: Path) -> None:
    dossier = Dossier.objects.create(pseudonym="s", name="Sellada")

    call_command("keys", "seal", "--passphrase-file", passphrase_file(tmp_path, OPERATOR_PASSPHRASE))

    assert not (own_home / "keyring.json").exists()
    sealed = (own_home / "keyring.sealed.json").read_text()
    assert keyring.dump(keyring.current()) not in sealed
    assert json.loads(sealed)["inbox"].startswith("age1")
    assert keyring.keyring_path().is_relative_to(tmp_path / "memory")
    assert Dossier.objects.get(pk=dossier.pk).name == "Sellada"  # still unlocked in memory


@pytest.mark.django_db
def test_a_locked_network_refuses_protected_data_and_says_so(tmp_path: Path, client: Client) -> None:
    dossier = Dossier.objects.create(pseudonym="s", name="Sellada")
    keyring.seal(OPERATOR_PASSPHRASE)

    call_command("keys", "lock")

    with pytest.raises(KeyringLocked):
        _ = Dossier.objects.get(pk=dossier.pk).name
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["status"] == "locked"
    assert health.json()["keys"] == {"ok": False, "mode": "sealed-locked"}
    assert client.get("/es/").status_code == 200  # public pages still work
    page = LockedKeys(lambda request: None).process_exception(RequestFactory().get("/es/x/"), KeyringLocked())
    assert page is not None
    assert page.status_code == 503
    with pytest.raises(backup.BackupError, match="locked"):
        backup.create(tmp_path / "b.age", "a long backup passphrase")


@pytest.mark.django_db
def test_unlocking_needs_a_passphrase_that_opens_a_slot(tmp_path: Path) -> None:
    dossier = Dossier.objects.create(pseudonym="s", name="Sellada")
    keyring.seal(OPERATOR_PASSPHRASE)
    keyring.lock()

    with pytest.raises(CommandError, match="opens no slot"):
        call_command("keys", "unlock", "--passphrase-file", passphrase_file(tmp_path, "not the passphrase"))
    call_command("keys", "unlock", "--passphrase-file", passphrase_file(tmp_path, OPERATOR_PASSPHRASE))

    assert Dossier.objects.get(pk=dossier.pk).name == "Sellada"


@pytest.mark.django_db
def test_each_operator_has_a_slot_so_one_lost_passphrase_loses_nothing(tmp_path: Path) -> None:
    dossier = Dossier.objects.create(pseudonym="s", name="Sellada")
    keyring.seal(OPERATOR_PASSPHRASE)
    call_command(
        "keys",
        "add-passphrase",
        "--passphrase-file",
        passphrase_file(tmp_path, OPERATOR_PASSPHRASE),
        "--new-passphrase-file",
        passphrase_file(tmp_path, SECOND_OPERATOR_PASSPHRASE),
    )
    keyring.lock()

    keyring.unlock(SECOND_OPERATOR_PASSPHRASE)

    assert Dossier.objects.get(pk=dossier.pk).name == "Sellada"
    with pytest.raises(KeyringError):
        keyring.add_passphrase("nobody's passphrase", "a third passphrase here")


@pytest.mark.django_db
def test_a_rotation_while_sealed_survives_a_restart() -> None:
    Dossier.objects.create(pseudonym="s", name="Rotada")
    keyring.seal(OPERATOR_PASSPHRASE)
    keys.rotate()
    rotated = keyring.current().aead.primary

    keyring.lock()  # as a restart would
    keyring.unlock(OPERATOR_PASSPHRASE)

    assert keyring.current().aead.primary == rotated
    assert Dossier.objects.get(pseudonym="s").name == "Rotada"


@pytest.mark.django_db
def test_what_arrives_while_locked_is_sealed_for_later_and_opened_on_unlock() -> None:
    keyring.seal(OPERATOR_PASSPHRASE)
    keyring.lock()

    blob = keyring.seal_for_later(b"report: vans at the corner of 5th and Main")

    assert b"vans" not in blob
    keyring.unlock(OPERATOR_PASSPHRASE)
    assert keyring.open_later(blob) == b"report: vans at the corner of 5th and Main"


def test_sealing_twice_is_refused() -> None:
    keyring.seal(OPERATOR_PASSPHRASE)
    with pytest.raises(KeyringError, match="already sealed"):
        keyring.seal(OPERATOR_PASSPHRASE)


def test_a_short_passphrase_cannot_seal(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="at least 12"):
        call_command("keys", "seal", "--passphrase-file", passphrase_file(tmp_path, "short"))


def test_the_operator_is_told_when_a_sealed_network_starts_locked(settings: Settings) -> None:
    settings.OPERATOR_EMAIL = "operator@example.org"
    keyring.seal(OPERATOR_PASSPHRASE)
    keyring.lock()

    notify_locked()

    [message] = mail.outbox
    assert message.to == ["operator@example.org"]
    assert "keys unlock" in str(message.body)
