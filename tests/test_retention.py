"""Retention: what is due goes for good, on schedule, audited by count."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from solidarity.core import retention
from solidarity.core.models import AuditEntry
from solidarity.core.services import do_update_network_settings, get_network_settings
from tests import canaries
from tests.testapp.models import Dossier

DOCS = Path(__file__).resolve().parent.parent / "docs" / "security.md"


def closed(pseudonym: str, **values: str) -> Dossier:
    return Dossier.objects.create(pseudonym=pseudonym, closed_at=timezone.now(), **values)


@pytest.mark.django_db
def test_a_closed_record_goes_once_its_period_is_over() -> None:
    closed("closed-1")
    Dossier.objects.create(pseudonym="still-open")

    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert retention.Purged("testapp.closed-dossiers", 0) in retention.purge()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert retention.Purged("testapp.closed-dossiers", 1) in retention.purge()

    assert list(Dossier.objects.values_list("pseudonym", flat=True)) == ["still-open"]
    entry = AuditEntry.objects.filter(action="purged").get()
    assert entry.detail == {"rule": "testapp.closed-dossiers", "count": 1}


@pytest.mark.django_db
def test_no_row_outlives_its_rule() -> None:
    for days_ago in (0, 10, 29, 31, 90):
        with time_machine.travel(timezone.now() - timedelta(days=days_ago)):
            closed(f"closed-{days_ago}")
    retention.purge()
    for rule in retention.RULES.values():
        cutoff = timezone.now() - timedelta(days=rule.days())
        assert not rule.due(cutoff).exists(), rule.name
    assert Dossier.objects.count() == 3


@pytest.mark.django_db
def test_the_network_sets_the_period() -> None:
    current = get_network_settings()
    do_update_network_settings(
        name=current.name, time_zone=current.time_zone, phone_region=current.phone_region, languages=["en"]
    )
    current = get_network_settings()
    current.retention_days = {"testapp.closed-dossiers": 7}
    current.save()
    closed("closed")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert retention.Purged("testapp.closed-dossiers", 1) in retention.purge()


@pytest.mark.django_db
def test_a_dry_run_counts_and_deletes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    closed("closed")
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        call_command("purge", "--dry-run")
    assert "testapp.closed-dossiers: would purge 1" in capsys.readouterr().out
    assert Dossier.objects.count() == 1
    assert not AuditEntry.objects.filter(action="purged").exists()


def postgres_table_bytes(table: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory'), pg_relation_filepath(%s)", [table])
        data_directory, relation = cursor.fetchone()
    return b"".join(path.read_bytes() for path in Path(data_directory).glob(f"{relation}*"))


@pytest.mark.django_db(transaction=True)
def test_purged_values_are_gone_from_the_database_files() -> None:
    planted = canaries.fresh()
    closed(planted.name, note=planted.note)  # the pseudonym column is plain text: the hardest case
    control = canaries.fresh()
    Dossier.objects.create(pseudonym=control.name)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        retention.purge()

    raw = canaries.raw_database_bytes() if connection.vendor == "sqlite" else postgres_table_bytes("testapp_dossier")
    assert canaries.leaks(planted, raw) == []
    assert canaries.leaks(control, raw) == ["name"]  # the scan does see what is still there


def test_the_security_document_lists_every_rule() -> None:
    assert retention.policy_table() in DOCS.read_text(), "update docs/security.md from retention.policy_table()"
