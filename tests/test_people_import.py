"""People in from CSV: the preview, the import job, broken rows and duplicates; export to CSV; who may do it.

Names and numbers are fictional (555-01xx).
"""

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.imports import (
    ImportRefused,
    RowResult,
    RowStatus,
    do_preview_import,
    do_run_import,
    do_start_import,
    preview_rows,
)
from solidarity.people.models import Certification, Contact, ImportState, Person, PersonImport
from tests.factories.accounts import client_for, make_member
from tests.factories.people import holds_a_number, make_person, zone

pytestmark = pytest.mark.django_db
committed: Callable[..., Any]

GOOD = (
    "display_name,phone,email,language,zones,skills\r\n"
    "Rosa Ejemplo,(919) 555-0101,rosa@example.org,es,east-durham,naloxone\r\n"
    "Sam Sample,919-555-0102,,English,Walltown;East Durham,legal-observer:2026-01-15\r\n"
)
BROKEN = (
    "nombre;teléfono;correo;idioma;zonas;habilidades\r\n"
    "Ana Prueba;919 555 0103;;es;walltown;\r\n"  # good
    ";919 555 0104;;es;;\r\n"  # no name
    "Bea Prueba;not a phone;;es;;\r\n"  # bad phone
    "Cam Prueba;;cam@example.org;es;Atlantis;\r\n"  # unknown zone
    "Dee Prueba;;dee@example.org;es;;juggling\r\n"  # unknown skill
    "Eve Prueba;;eve@example.org;klingon;;\r\n"  # bad language
    "Fay Prueba;919 555 0109;;en;;\r\n"  # good
)


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def zones() -> None:
    zone("east-durham")
    zone("walltown")


@pytest.fixture
def keeper(medics: WorkingGroup) -> User:
    return make_member("kim.keeper", medics, ROSTER_KEEPER)


@pytest.fixture(autouse=True)
def commits(django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    """What waits for a commit (the job, live events) runs when each call of a test's own commits."""
    global committed
    committed = django_capture_on_commit_callbacks


def start(found: PersonImport, keeper: User, *, update_existing: bool = False) -> bool:
    with committed(execute=True):
        started = do_start_import(found, update_existing=update_existing, by=keeper)  # the job runs inline
    found.refresh_from_db()
    return started


def run(text: str | bytes, keeper: User, *, update_existing: bool = False) -> PersonImport:
    data = text.encode() if isinstance(text, str) else text
    found = do_preview_import(data, "people.csv", by=keeper)
    assert start(found, keeper, update_existing=update_existing)
    return found


def test_a_good_file_previews_then_imports_everyone(keeper: User) -> None:
    found = do_preview_import(GOOD.encode(), "people.csv", by=keeper)
    assert [row["status"] for row in found.rows] == [RowStatus.NEW, RowStatus.NEW]
    assert not Person.objects.exists()  # nothing is written until the keeper confirms

    assert start(found, keeper)
    assert found.state == ImportState.DONE
    assert (found.created_count, found.failed_count, found.done, found.total) == (2, 0, 2, 2)
    rosa = Person.objects.get(uuid=found.imported[0])
    assert str(rosa.display_name) == "Rosa Ejemplo"
    assert rosa.language == "es"
    assert {str(c.value) for c in rosa.contacts.all()} == {"+19195550101", "rosa@example.org"}
    sam = Person.objects.get(uuid=found.imported[1])
    assert sorted(z.slug for z in sam.zones.all()) == ["east-durham", "walltown"]
    observer = Certification.objects.get(person=sam)
    assert observer.skill.slug == "legal-observer"
    assert observer.first_granted_at.date() == date(2026, 1, 15)
    assert not found.file  # nothing broken: the upload is gone


def test_broken_rows_are_listed_and_the_good_ones_imported(keeper: User) -> None:
    found = run(BROKEN, keeper)
    assert found.created_count == 2
    assert found.failed_count == 5
    assert sorted(str(p.display_name) for p in Person.objects.all()) == ["Ana Prueba", "Fay Prueba"]
    rows = preview_rows(found, with_names=False)
    assert [row.result for row in rows] == ["created", "failed", "failed", "failed", "failed", "failed", "created"]
    assert rows[1].errors == ["nombre: Give a display name or a pseudonym."]
    assert rows[2].errors == ["teléfono: This is not a phone number."]
    assert rows[3].errors == ["zonas: No zone has this name or short name."]
    assert rows[4].errors == ["habilidades: No skill has this short name."]
    assert rows[5].errors == ["idioma: Write en or es (English or Spanish)."]
    with translation.override("es"):
        spanish = preview_rows(found, with_names=False)
    assert spanish[2].errors == ["teléfono: Esto no es un número de teléfono."]
    # The broken rows alone stay, encrypted, to be fixed and uploaded again.
    broken = found.file.read_plain().decode("utf-8-sig")
    assert broken.splitlines()[0] == "nombre;teléfono;correo;idioma;zonas;habilidades"
    assert len(broken.splitlines()) == 6
    assert "Ana Prueba" not in broken


def test_duplicates_of_the_roster_and_of_earlier_rows(keeper: User) -> None:
    on_roster = make_person("Rosa Ejemplo", phones=["+19195550101"], zones=["east-durham"])
    text = (
        "name,phone,email,zones\r\n"
        "Rosa E.,919-555-0101,rosa.new@example.org,walltown\r\n"  # the roster's Rosa, by phone
        "Tom Test,919-555-0110,tom@example.org,\r\n"
        "Tommy,,TOM@example.org,\r\n"  # the row above, by email
    )
    found = do_preview_import(text.encode(), "people.csv", by=keeper)
    assert [row["status"] for row in found.rows] == [RowStatus.DUPLICATE, RowStatus.NEW, RowStatus.REPEAT]
    assert found.rows[0]["person"] == str(on_roster.uuid)
    assert found.rows[2]["of_line"] == 3

    start(found, keeper)
    assert [row["result"] for row in found.rows] == [RowResult.SKIPPED, RowResult.CREATED, RowResult.SKIPPED]
    assert Person.objects.count() == 2
    assert not Contact.objects.filter(person=on_roster, kind="email").exists()


def test_duplicates_get_what_they_lack_when_asked(keeper: User) -> None:
    on_roster = make_person("Rosa Ejemplo", phones=["+19195550101"], zones=["east-durham"])
    text = "name,phone,email,zones,skills\r\nRosa E.,919-555-0101,rosa.new@example.org,walltown,naloxone\r\n"
    found = run(text, keeper, update_existing=True)
    assert found.updated_count == 1
    assert found.created_count == 0
    assert {str(c.value) for c in on_roster.contacts.all()} == {"+19195550101", "rosa.new@example.org"}
    assert sorted(z.slug for z in on_roster.zones.all()) == ["east-durham", "walltown"]
    assert [c.skill.slug for c in on_roster.certifications.all()] == ["naloxone"]
    assert str(Person.objects.get(pk=on_roster.pk).display_name) == "Rosa Ejemplo"  # the roster's name stays


def test_windows_1252_and_semicolons_from_excel(keeper: User) -> None:
    text = "Nombre;Teléfono;Idioma;Zonas\r\nJosé Muñoz;(919) 555-0120;español;Walltown\r\n"
    found = run(b"\xef\xbb\xbf" + text.encode("utf-8"), keeper)  # UTF-8 with a BOM
    latin = run(text.replace("0120", "0121").replace("José", "Inés").encode("cp1252"), keeper)
    assert found.created_count == 1
    assert latin.created_count == 1
    names = sorted(str(p.display_name) for p in Person.objects.all())
    assert names == ["Inés Muñoz", "José Muñoz"]
    assert {p.language for p in Person.objects.all()} == {"es"}


def test_files_that_cannot_be_imported_are_refused_whole(keeper: User) -> None:
    with pytest.raises(ImportRefused, match="display_name"):
        do_preview_import(b"phone,email\r\n919-555-0101,a@example.org\r\n", "x.csv", by=keeper)
    with pytest.raises(ImportRefused, match="2 MB"):
        do_preview_import(b"name\r\n" + b"x" * (2 * 1024 * 1024), "x.csv", by=keeper)
    with pytest.raises(ImportRefused, match="too many rows"):
        do_preview_import(("name\r\n" + "Someone\r\n" * 5001).encode(), "x.csv", by=keeper)
    with pytest.raises(ImportRefused, match="empty"):
        do_preview_import(b"", "x.csv", by=keeper)
    assert not PersonImport.objects.exists()


def test_an_import_runs_once(keeper: User) -> None:
    found = run(GOOD, keeper)
    assert not start(found, keeper)
    assert not do_run_import(found.uuid)
    assert Person.objects.count() == 2


def test_the_audit_has_counts_never_contents(keeper: User) -> None:
    run(BROKEN, keeper)
    entries = AuditEntry.objects.filter(object_type="people.personimport").order_by("seq")
    assert [entry.action for entry in entries] == [AuditAction.CREATED, AuditAction.CHANGED, AuditAction.CREATED]
    assert entries.last().detail["created"] == 2  # type: ignore[union-attr]  # three entries, just checked
    for entry in AuditEntry.objects.all():
        assert "Prueba" not in str(entry.detail)
        assert not holds_a_number(str(entry.detail))
    stored = PersonImport.objects.values_list("rows", "columns", "file")
    assert "Prueba" not in str(list(stored))
    assert not holds_a_number(str(list(stored)))


def test_exported_cells_come_back_in(keeper: User) -> None:
    text = "name,phone\r\n'=Rosa,'+1 919 555 0101\r\n"
    run(text, keeper)
    person = Person.objects.get()
    assert str(person.display_name) == "=Rosa"
    assert str(person.contacts.get().value) == "+19195550101"


def upload(text: str | bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_pages_upload_preview_import_and_mark_vetted(keeper: User) -> None:
    client = client_for(keeper)
    assert client.get(reverse("people:roster")).content.decode().count(reverse("people:import")) == 1
    answer = client.post(reverse("people:import"), {"file": upload(BROKEN)})
    found = PersonImport.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("people:import-detail", kwargs={"import_id": found.uuid})
    preview = client.get(answer["Location"]).content.decode()
    assert "Bea Prueba" in preview  # names come from the encrypted file, for the page alone
    assert "teléfono: This is not a phone number." in preview
    assert not Person.objects.exists()

    with committed(execute=True):
        client.post(reverse("people:run-import", kwargs={"import_id": found.uuid}))
    results = client.get(answer["Location"]).content.decode()
    assert "2 people added" in results
    assert "5 rows not imported" in results
    broken = client.get(reverse("people:import-broken-rows", kwargs={"import_id": found.uuid}))
    assert broken["Content-Type"].startswith("text/csv")
    assert [row[0] for row in rows_of(broken.content)] == [
        "nombre;teléfono;correo;idioma;zonas;habilidades",
        ";919 555 0104;;es;;",
        "Bea Prueba;not a phone;;es;;",
        "Cam Prueba;;cam@example.org;es;Atlantis;",
        "Dee Prueba;;dee@example.org;es;;juggling",
        "Eve Prueba;;eve@example.org;klingon;;",
    ]
    client.post(reverse("people:import-mark-vetted", kwargs={"import_id": found.uuid}))
    assert Person.objects.filter(vetted_by_import_at__isnull=False).count() == 2


def test_the_page_refuses_a_file_whole_and_says_why_in_spanish(keeper: User) -> None:
    client = client_for(keeper)
    with translation.override("es"):
        answer = client.post(reverse("people:import"), {"file": upload("teléfono\r\n919-555-0101\r\n")})
    assert answer.status_code == 400
    assert "display_name" in answer.content.decode()
    assert not PersonImport.objects.exists()


def test_while_it_runs_the_page_refreshes_itself_and_shows_a_progress_bar(keeper: User) -> None:
    found = do_preview_import(GOOD.encode(), "people.csv", by=keeper)
    do_start_import(found, update_existing=False, by=keeper)  # not committed: the job waits
    page = client_for(keeper).get(reverse("people:import-detail", kwargs={"import_id": found.uuid}))
    html = page.content.decode()
    assert '<meta http-equiv="refresh"' in html
    assert '<progress id="progress-bar" max="2" value="0">' in html
    assert reverse("people:import-live", kwargs={"import_id": found.uuid}) in html


def test_the_import_pages_are_for_roster_keepers_only(keeper: User, dispatcher: User, outsider: User) -> None:
    found = do_preview_import(GOOD.encode(), "people.csv", by=keeper)
    urls = [reverse("people:import"), reverse("people:import-detail", kwargs={"import_id": found.uuid})]
    urls.append(reverse("people:import-broken-rows", kwargs={"import_id": found.uuid}))
    urls.append(reverse("people:export"))
    for user in (dispatcher, outsider):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert client.post(reverse("people:run-import", kwargs={"import_id": found.uuid})).status_code == 404
        assert client.post(reverse("people:import", kwargs={}), {"file": upload(GOOD)}).status_code == 404
    found.refresh_from_db()
    assert found.state == ImportState.PREVIEW
    assert PersonImport.objects.count() == 1


def test_the_export_escapes_formulas_round_trips_and_is_audited(keeper: User) -> None:
    make_person('=HYPERLINK("http://evil.example")', phones=["+19195550101"], skills=["naloxone"])
    make_person("@SUM(1+1)", emails=["sam@example.org"], zones=["walltown"], language="es")
    answer = client_for(keeper).get(reverse("people:export"), {"zone": "walltown"})
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment;")
    rows = rows_of(answer.content)
    assert rows[0] == ["display_name", "phone", "email", "language", "zones", "skills"]
    assert rows[1:] == [["'@SUM(1+1)", "", "sam@example.org", "es", "walltown", ""]]

    everyone = rows_of(client_for(keeper).get(reverse("people:export")).content)
    assert everyone[1][0] == '\'=HYPERLINK("http://evil.example")'
    assert everyone[1][1] == "'+19195550101"
    assert everyone[1][5].startswith("naloxone:")
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORTED).order_by("seq").first()
    assert entry is not None
    assert entry.detail == {"rows": 1, "filters": ["zone=walltown"]}
    assert entry.actor == str(keeper.uuid)

    # What goes out comes back in: the same people, found as duplicates of themselves.
    found = do_preview_import(client_for(keeper).get(reverse("people:export")).content, "x.csv", by=keeper)
    assert [row["status"] for row in found.rows] == [RowStatus.DUPLICATE, RowStatus.DUPLICATE]
    assert all(not row["errors"] for row in found.rows)


def test_the_api_uploads_previews_runs_and_reads_an_import(keeper: User) -> None:
    client = client_for(keeper)
    answer = client.post("/api/v1/people/imports", {"file": upload(BROKEN)})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "preview"
    assert (body["new"], body["errors"], body["total"]) == (2, 5, 7)
    bad_phone = body["rows"][2]
    assert bad_phone["status"] == "error"
    assert bad_phone["errors"] == [
        {"column": "phone", "code": "bad_phone", "message": "teléfono: This is not a phone number."}
    ]
    assert "Prueba" not in answer.content.decode()  # the caller has the file: no names come back

    url = f"/api/v1/people/imports/{body['id']}"
    with committed(execute=True):
        ran = client.post(
            f"{url}/run", {"update_existing": True, "consent": ["alerts", "trainings"]}, content_type="application/json"
        )
    assert ran.status_code == 200
    done = client.get(url).json()
    assert (done["state"], done["created"], done["failed"], done["done"]) == ("done", 2, 5, 7)
    assert done["consent"] == ["alerts", "trainings"]
    added = Person.objects.filter(uuid__in=[row["person"] for row in done["rows"] if row.get("person")])
    assert {(p.consent_alerts, p.consent_trainings, p.consent_announcements) for p in added} == {(True, True, False)}
    assert done["has_broken_rows"]
    again = client.post(f"{url}/run", {}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_started"
    broken = client.get(f"{url}/broken-rows")
    assert len(rows_of(broken.content)) == 6
    assert client.post(f"{url}/mark-vetted").json() == {"marked": 2}
    assert client.post(f"{url}/mark-vetted").json() == {"marked": 0}


def test_the_api_refuses_a_file_it_cannot_read(keeper: User) -> None:
    answer = client_for(keeper).post("/api/v1/people/imports", {"file": upload("x" * 10, name="a.csv")})
    assert answer.status_code == 422
    assert "file" in answer.json()["error"]["fields"]
    assert not PersonImport.objects.exists()


def test_the_api_export_is_for_roster_keepers_and_audited(keeper: User, dispatcher: User) -> None:
    make_person("Rosa Ejemplo", phones=["+19195550101"], zones=["walltown"])
    make_person("Sam Sample", zones=["east-durham"])
    assert client_for(dispatcher).get("/api/v1/people/export").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORTED).exists()
    answer = client_for(keeper).get("/api/v1/people/export", {"zone": "walltown"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert rows_of(answer.content)[1][:2] == ["Rosa Ejemplo", "'+19195550101"]
    entry = AuditEntry.objects.get(action=AuditAction.EXPORTED)
    assert entry.detail == {"rows": 1, "filters": ["zone=walltown"]}


def test_the_people_a_file_adds_agreed_only_to_what_the_keeper_checked(keeper: User) -> None:
    """A spreadsheet rarely says what people agreed to: the keeper says it for the file, and none means no alerts."""
    nobody_asked = run(GOOD, keeper)
    assert {p.consent_alerts for p in Person.objects.filter(uuid__in=nobody_asked.imported)} == {False}
    Person.objects.all().delete()

    found = do_preview_import(GOOD.encode(), "people.csv", by=keeper)
    page = client_for(keeper).get(reverse("people:import-detail", kwargs={"import_id": found.uuid}))
    assert 'name="consent" value="alerts"' in page.content.decode()
    with committed(execute=True):
        client_for(keeper).post(
            reverse("people:run-import", kwargs={"import_id": found.uuid}), {"consent": ["alerts", "announcements"]}
        )
    found.refresh_from_db()
    assert found.consent == ["alerts", "announcements"]
    added = Person.objects.filter(uuid__in=found.imported)
    assert {(p.consent_alerts, p.consent_trainings, p.consent_announcements) for p in added} == {(True, False, True)}
    entry = AuditEntry.objects.filter(object_type="people.personimport", object_ids=[str(found.uuid)])
    assert any(e.detail.get("consent") == ["alerts", "announcements"] for e in entry)


@pytest.mark.django_db
def test_a_nul_character_in_a_query_or_a_path_is_refused_not_answered_500(keeper: User) -> None:
    """PostgreSQL cannot compare a text with a NUL in it: the filter must never reach it."""
    client = client_for(keeper)
    response = client.get("/api/v1/people/export", {"state": "paused", "zone": "\u0000"})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["zone"]
    assert client.get("/api/v1/people", {"q": "a\u0000b"}).status_code == 422
    assert client.get("/api/v1/groups/a%00b/lists").status_code == 404
    assert client.get("/en/people/", {"q": "a\u0000b"}).status_code in {200, 400}
