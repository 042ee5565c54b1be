"""Encrypted backups: written while running, useless without the passphrase, restored whole."""

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests import canaries
from tests.conftest import command_env, run_solidarity

PASSPHRASE = "correct horse battery staple"
PLANT = """
from tests.testapp.models import Dossier
from solidarity.accounts.models import User
for n in range(25):
    Dossier.objects.create(
        pseudonym=f"d{{n}}", name=f"Nombre {{n}}", phone=f"+1 919 555 {{3000 + n}}", needs={{"n": n}}
    )
Dossier.objects.create(pseudonym="canary", name={name!r}, phone={phone!r}, email={email!r}, note={note!r})
User.objects.create(username="backup.member", email="backup.member@example.org")
"""
READ = """
from tests.testapp.models import Dossier
from solidarity.core.fields import find_by_index
print(sorted((d.pseudonym, d.name, d.phone, d.needs) for d in Dossier.objects.exclude(pseudonym="canary"))[:3])
print([d.note for d in find_by_index(Dossier.objects.all(), "phone_index", {phone!r})])
"""


def database_url(name: str) -> dict[str, str]:
    """A fresh database of the kind this run uses: a file in the home, or a new PostgreSQL database."""
    if connection.vendor == "sqlite":
        return {}
    db = connection.settings_dict
    subprocess.run(["createdb", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], name], check=True)
    return {"SOLIDARITY_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"}


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    tag = uuid.uuid4().hex[:8]
    names = [f"backup_a_{tag}", f"backup_b_{tag}"]
    envs = [
        command_env(tmp_path / side, DJANGO_SETTINGS_MODULE="tests.settings", **database_url(name))
        for side, name in zip(("a", "b"), names, strict=True)
    ]
    yield envs[0], envs[1]
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        for name in names:
            subprocess.run(["dropdb", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], name], check=False)


def prepare(env: dict[str, str]) -> None:
    solidarity_ok("manage", "migrate", "-v0", env=env)


def solidarity_ok(*args: str, env: dict[str, str]) -> str:
    result = run_solidarity(*args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_backup_restores_every_record_intact_and_decryptable(
    tmp_path: Path, homes: tuple[dict[str, str], dict[str, str]]
) -> None:
    original, fresh = homes
    planted = canaries.fresh()
    prepare(original)
    solidarity_ok("manage", "shell", "-c", PLANT.format(**planted.__dict__), env=original)
    before = solidarity_ok("manage", "shell", "-c", READ.format(phone=planted.phone), env=original)
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    archive = tmp_path / "nightly.age"

    # When a backup is written while the network runs...
    solidarity_ok("backup", str(archive), "--passphrase-file", str(secret), env=original)

    # ...it is owner-only and holds no personal value in clear.
    assert archive.stat().st_mode & 0o777 == 0o600
    assert canaries.leaks(planted, archive.read_bytes()) == []

    # A wrong passphrase opens nothing, and a restore never overwrites a database in use.
    wrong = run_solidarity("restore", str(archive), env=fresh | {"SOLIDARITY_BACKUP_PASSPHRASE": "not the one at all"})
    assert wrong.returncode != 0
    assert "wrong passphrase" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    busy = run_solidarity("restore", str(archive), "--passphrase-file", str(secret), env=original)
    assert busy.returncode != 0
    assert "not empty" in busy.stderr

    # Restored into a new home and an empty database, every record is back and decrypts.
    solidarity_ok("restore", str(archive), env=fresh | {"SOLIDARITY_BACKUP_PASSPHRASE": PASSPHRASE})
    after = solidarity_ok("manage", "shell", "-c", READ.format(phone=planted.phone), env=fresh)
    assert after == before
    assert "Nombre 0" in after
    assert planted.note in after


def test_a_short_passphrase_is_refused(tmp_path: Path) -> None:
    result = run_solidarity(
        "backup", str(tmp_path / "x.age"), env=command_env(tmp_path, SOLIDARITY_BACKUP_PASSPHRASE="short")
    )
    assert result.returncode != 0
    assert "at least 12 characters" in result.stderr
