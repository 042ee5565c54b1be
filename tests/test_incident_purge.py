"""Purging one incident (`solidarity incident purge CODE`): everything about it goes, the rest stays.

A report from the public form with a photo, a texted report, a verifier's and a responder's texted answers and
accounts, a note, observations (one texted, one with a photo, one with a video), an incident merged into it, a
family-support case that closed: afterwards no row, text, message, file or ciphertext of it is left in the
database's files or the uploads, and the audit log says a purge happened with counts only. A case still open is
kept for its family, without its incident.
"""

import io
import logging
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from solidarity.core import backup
from solidarity.core.bond_models import BondRequest
from solidarity.core.fields import find_by_index
from solidarity.core.models import AuditAction, AuditEntry, Timer
from solidarity.incidents import cases
from solidarity.incidents.case_models import Case, CaseNeed, CaseNote, CaseTask, Hearing
from solidarity.incidents.models import Alert, Entry, Incident, Need, Report, Requirement, Source, Trace
from solidarity.incidents.observation_models import Observation
from solidarity.incidents.observations import ObservationValues, do_add_observation
from solidarity.incidents.services import do_add_note, do_confirm, do_merge, do_start_verifying
from solidarity.incidents.timeline import hotline_settings
from solidarity.messaging.models import Inbound, Message
from tests import canaries
from tests.factories.accounts import make_user
from tests.factories.cases import open_case
from tests.factories.incidents import catalogued, incident_of, neighbours, report, responder
from tests.factories.media import CAMERA_MAKE, photo_with_gps, video_with_metadata
from tests.factories.messaging import text_in, texts_out, use_loopback

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "purge-canary-7d1e: two agents took the red bike"
REPORTER = "+19195550161"
VERIFIER = "+19195550162"
OBSERVER = "+19195550163"
ELSEWHERE = "+19195550164"
PASSPHRASE = "a long passphrase for the purge test's backups"


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (20, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def ciphertexts(table: str, column: str, where: str, values: list[int]) -> list[bytes]:
    """The encrypted values as stored: what an attacker with the database files could still find."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {where}", values)  # noqa: S608  (our own names)
        return [str(row[0]).encode() for row in cursor.fetchall() if row[0]]


def backup_bytes(home: Path, name: str) -> bytes:
    """What a backup written now holds, opened as its owner would (a PostgreSQL dump read back as SQL)."""
    archive = home / f"{name}.age"
    backup.create(archive, PASSPHRASE)
    found = []
    with backup.open_archive(archive, PASSPHRASE) as opened:
        for member in opened.getmembers():
            data = opened.extractfile(member)
            if data is None:
                continue
            content = data.read()
            if member.name.endswith(".pgdump"):  # the custom format is compressed: read it back as SQL
                dump = home / f"{name}.pgdump"
                dump.write_bytes(content)
                content = subprocess.run(["pg_restore", "--file=-", str(dump)], capture_output=True, check=True).stdout
                dump.unlink()
            found.append(content)
    archive.unlink()
    return b"".join(found)


@pytest.fixture
def loopback(own_home: Path, settings: object) -> Path:
    return use_loopback(settings, own_home / "sms-outbox.jsonl")  # type: ignore[arg-type]


def test_purging_an_incident_leaves_nothing_of_it_and_keeps_the_rest(
    loopback: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    Requirement.objects.all().delete()
    Requirement.objects.create(type="checkpoint", skill=catalogued("legal-observer"), count=1)
    hotline_settings().verifier_skills.set([catalogued("verifier")])  # the observer is asked to go, not to verify
    neighbours("east-durham", "walltown")
    responder("Vera Purga", "verifier", phone=VERIFIER)
    responder("Olga Purga", "legal-observer", phone=OBSERVER)
    client = Client()

    # What people say about the incident: a form with a photo, a text, a verifier's and a responder's texts.
    form = {"type": "checkpoint", "zone": "east-durham", "description": NOTE, "seen": "yes"}
    image = io.BytesIO(photo())
    image.name = "bike.jpg"
    assert client.post("/en/report/", {**form, "photo": image}).status_code == 302
    incident = Incident.objects.get()
    text_in(client, f"REPORTE reten: {NOTE} en Walltown", sender=REPORTER)
    do_start_verifying(incident, by=None)
    texts_out(loopback)
    text_in(client, "VOY", sender=VERIFIER)
    text_in(client, f"REPORTE {NOTE}", sender=VERIFIER)
    do_add_note(incident, NOTE, by=None)
    do_confirm(incident, by=None, where="Alston Ave and Main")
    texts_out(loopback)
    text_in(client, "VOY", sender=OBSERVER)
    text_in(client, f"REPORT {NOTE}", sender=OBSERVER)
    text_in(client, f"{NOTE}, by the laundromat", sender=OBSERVER)  # an observation, texted from the scene
    for media in (photo_with_gps(), video_with_metadata()):
        do_add_observation(
            incident, ObservationValues(seen=NOTE, reading=NOTE, media=media), actor="system", source=Source.WEB
        )
    merged = incident_of(report("home_raid", "walltown", description=NOTE))
    do_merge(merged, incident, by=None)
    texts_out(loopback)
    # And what must stay: another incident, and a text about nothing.
    other = incident_of(report("arrest", "old-west", description="Someone else's report"))
    text_in(client, "hello, is this the hotline?", sender=ELSEWHERE)
    # A family's case that closed goes with the incident; one still open stays, for its family.
    dispatcher = make_user("dani.purga")
    closed_case = open_case(dispatcher, incident, for_whom=NOTE[:80])
    cases.do_add_need(closed_case, "childcare", NOTE, by=dispatcher)
    cases.do_add_task(closed_case, NOTE, assignee=dispatcher, due_on=None, by=dispatcher)
    cases.do_add_case_note(closed_case, NOTE, by=dispatcher)
    path = cases.LegalPath(held_at=NOTE, bond_status="set", bond_amount=Decimal(9000), referral_note=NOTE)
    cases.do_set_legal_path(closed_case, path, by=dispatcher)
    cases.do_add_hearing(closed_case, "bond", timezone.localdate(), NOTE, by=dispatcher)
    cases.do_set_identifiers(closed_case, cases.Identifiers(a_number="201555017", name_on_record=NOTE), by=dispatcher)
    cases.do_request_bond(closed_case, due_on=None, payer_note="", by=dispatcher)
    cases.do_close_case(closed_case, by=dispatcher)
    open_one = open_case(dispatcher, merged, for_whom="Familia que sigue")
    cases.do_add_case_note(open_one, "The family still needs a lawyer", by=dispatcher)

    traced = list(Trace.objects.values_list("inbound", flat=True))
    assert len(traced) >= 5  # the texted report, the verifier's GO and account, the observer's GO and account
    family = [incident.pk, merged.pk]
    texts = list(Inbound.objects.filter(uuid__in=traced).values_list("pk", flat=True))
    stored = [
        *ciphertexts("incidents_report", "description", "incident_id IN (%s, %s)", family),
        *ciphertexts("incidents_entry", "text", "incident_id IN (%s, %s)", family),
        *[value for pk in texts for value in ciphertexts("messaging_inbound", "body", "id = %s", [pk])],
        *ciphertexts("incidents_case", "for_whom", "id = %s", [closed_case.pk]),
        *ciphertexts("incidents_case", "held_at", "id = %s", [closed_case.pk]),
        *ciphertexts("incidents_case", "referral_note", "id = %s", [closed_case.pk]),
        *ciphertexts("incidents_caseneed", "details", "case_id = %s", [closed_case.pk]),
        *ciphertexts("incidents_casetask", "text", "case_id = %s", [closed_case.pk]),
        *ciphertexts("incidents_casenote", "text", "case_id = %s", [closed_case.pk]),
        *ciphertexts("incidents_hearing", "note", "case_id = %s", [closed_case.pk]),
    ]
    observed = list(Observation.objects.values_list("pk", flat=True))
    assert len(observed) == 3
    for column in ("seen", "reading"):
        stored += [value for pk in observed for value in ciphertexts("incidents_observation", column, "id = %s", [pk])]
    assert len(stored) >= 15, len(texts)
    photo_files = [
        Path(default_storage.path(stored.decode().partition(" ")[0]))
        for stored in [
            *ciphertexts("incidents_report", "photo", "incident_id = %s AND photo <> ''", [incident.pk]),
            *ciphertexts("incidents_observation", "media", "media <> '' AND id > %s", [0]),
        ]
    ]
    assert len(photo_files) == 3  # the report's photo, the observation's photo and video
    assert photo_files
    assert all(path.is_file() for path in photo_files)
    inbound_before = Inbound.objects.count()
    kept_inbound = [str(uuid) for uuid in Inbound.objects.exclude(uuid__in=traced).values_list("uuid", flat=True)]
    assert kept_inbound  # the text about nothing is not the incident's
    before = backup_bytes(loopback.parent, "before")
    assert all(value in before for value in stored)  # the scan below sees them where they are
    kept_messages = Message.objects.filter(idempotency_key__contains=f"{other.uuid}").count()

    call_command("incident", "purge", incident.code.lower(), "--yes")

    assert list(Incident.objects.all()) == [other]
    assert not Report.objects.exclude(incident=other).exists()
    for model in (Need, Alert, Entry, Trace):
        assert not model.objects.exclude(incident=other).exists(), model
    assert not Observation.objects.exists()
    assert not Inbound.objects.filter(uuid__in=traced).exists()
    assert sorted(str(u) for u in Inbound.objects.values_list("uuid", flat=True)) == sorted(kept_inbound)
    assert Inbound.objects.count() < inbound_before
    assert not any(NOTE in str(message.content) for message in Message.objects.all())
    for number in (VERIFIER, OBSERVER, REPORTER):
        assert find_by_index(Message.objects.all(), "to_index", number) == [], number
    assert Message.objects.filter(idempotency_key__contains=f"{other.uuid}").count() == kept_messages
    assert not Timer.objects.filter(key__in=[str(incident.uuid), str(merged.uuid)]).exists()
    assert list(Case.objects.all()) == [open_one]
    open_one.refresh_from_db()
    assert open_one.incident is None
    assert str(open_one.notes.get().text) == "The family still needs a lawyer"
    for case_part in (CaseNeed, CaseTask, Hearing):
        assert not case_part.objects.exists(), case_part
    assert CaseNote.objects.get().case == open_one
    assert not BondRequest.objects.exists()
    assert not any(path.exists() for path in photo_files)
    raw = canaries.raw_database_bytes()
    assert [value for value in stored if value in raw] == []
    assert NOTE.encode() not in canaries.raw_media_bytes()
    assert CAMERA_MAKE.encode() not in canaries.raw_media_bytes()
    after = backup_bytes(loopback.parent, "after")
    assert [value for value in stored if value in after] == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert NOTE not in logged
    assert "purge-canary" not in logged

    entry = AuditEntry.objects.filter(action=AuditAction.PURGED, object_type="incidents.incident").get()
    assert entry.detail["incidents"] == 2
    assert entry.detail["reports"] >= 3
    assert entry.detail["texts_received"] >= 6
    assert entry.detail["cases"] == 1
    assert entry.detail["cases_kept"] == 1
    assert (entry.detail["observations"], entry.detail["media"]) == (3, 2)
    assert NOTE not in str(entry.detail)


def test_the_command_asks_for_the_code_and_purges_nothing_without_it() -> None:
    incident = incident_of(report())

    with pytest.raises(CommandError, match="nothing purged"):
        call_command("incident", "purge", incident.code)  # no terminal to type the code again at: refused
    with pytest.raises(CommandError, match="no incident has the code"):
        call_command("incident", "purge", "ZZ99", "--yes")

    assert Incident.objects.filter(pk=incident.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.PURGED).exists()
