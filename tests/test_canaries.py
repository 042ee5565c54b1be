"""No personal value reaches the database files, a dump or the logs in clear."""

import logging
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from solidarity.core.fields import find_by_index
from tests import canaries
from tests.conftest import in_threads
from tests.testapp.models import Dossier


@pytest.mark.django_db(transaction=True)
def test_planted_canaries_appear_nowhere_in_raw_storage_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    planted = canaries.fresh()

    # Given canaries planted through every part's ordinary create path, and used as a person would...
    for plant in canaries.PLANTERS:
        plant(planted)
    [found] = find_by_index(Dossier.objects.all(), "phone_index", planted.phone)
    assert found.note == planted.note
    assert found.document.name == f"{planted.name}.txt"

    # ...then neither the raw database, the uploaded files nor anything logged holds them.
    assert canaries.leaks(planted, canaries.raw_database_bytes()) == []
    assert canaries.leaks(planted, canaries.raw_media_bytes()) == []
    logged = "\n".join(record.getMessage() for record in caplog.records).encode()
    assert canaries.leaks(planted, logged) == []


def test_the_scan_finds_what_it_looks_for() -> None:
    planted = canaries.fresh()
    assert canaries.leaks(planted, f"... {planted.email} ...".encode()) == ["email"]
    assert "phone (E.164)" in canaries.leaks(planted, canaries.Canaries.needles(planted)["phone (E.164)"])


@pytest.mark.django_db(transaction=True)
def test_the_scan_sees_a_value_stored_in_clear() -> None:
    # A control: a canary in a plain column must be found, or the scan proves nothing.
    planted = canaries.fresh()
    Dossier.objects.create(pseudonym=planted.name)
    assert canaries.leaks(planted, canaries.raw_database_bytes()) == ["name"]


def test_the_scan_sees_a_file_stored_in_clear(settings: Settings) -> None:
    planted = canaries.fresh()
    plain = Path(settings.HOME) / "media" / "control" / f"{uuid.uuid4().hex}.txt"
    plain.parent.mkdir(parents=True, exist_ok=True)
    plain.write_text(planted.email)
    try:
        assert canaries.leaks(planted, canaries.raw_media_bytes()) == ["email"]
    finally:
        plain.unlink()


@pytest.mark.django_db(transaction=True)
def test_reading_the_raw_database_leaves_the_connections_of_this_process_whole() -> None:
    """The scan reads SQLite's files without dropping this process's locks on them (tests.canaries): another
    process closing its last connection afterwards must not take the WAL from under this process's."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's files")
    Dossier.objects.create(pseudonym="before the scan")
    canaries.raw_database_bytes()

    name = connection.settings_dict["NAME"]  # read by another process, which then closes its connection
    other = (
        "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('SELECT * FROM sqlite_master'); db.close()"
    )
    subprocess.run([sys.executable, "-c", other, name], check=True)

    assert Path(f"{name}-wal").exists()
    Dossier.objects.create(pseudonym="after the scan")
    assert in_threads(1, lambda _n: Dossier.objects.count()) == [2]  # a new connection, from a thread
