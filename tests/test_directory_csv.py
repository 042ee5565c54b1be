"""The directory from and to a spreadsheet: a keeper's CSV import with its preview, and the export."""

import csv
import html
import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import retention
from solidarity.core.models import AuditEntry
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.directory.csv_io import do_apply_import, do_stage_import, export_csv, preview_of
from solidarity.directory.csv_models import ResourceImport
from solidarity.directory.models import Resource
from solidarity.directory.services import do_add_phone
from tests.factories.accounts import client_for
from tests.factories.directory import make_resource

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"
UPLOAD = f"/es/groups/{MEDICS}/resources/import/"

HEADER = "slug,kind,name_en,name_es,free,no_id_asked,languages,zones,public,phones"
GOOD_AND_BAD = "\r\n".join(
    [
        HEADER,
        'campus-dental,Dentista,Campus dental clinic,Clínica dental del campus,sí,x,"en, es",walltown,yes,'
        "+1 919 555 0101 24h; 919-555-0102",
        "east-legal,legal_aid,East legal aid,,yes,no,en,East Durham,yes,+19195550103",
        "broken-one,spa,Broken,,maybe,no,en,nowhere,yes,12",
        "quiet-shelter,sanctuary,Quiet congregation,,yes,no,en,,yes,",
        "no-name,clinic,,,yes,no,es x!,,yes,",
        "nameless,clinic,,,yes,no,es,,yes,",
    ]
).encode()


@pytest.fixture
def zones() -> None:
    do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    do_create_zone(ZoneValues(name_en="East Durham", name_es="Durham Este"), actor="system")


def post_file(client: Client, url: str, data: bytes, name: str) -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(url, {"file": handle})


def translated(message: str) -> str:
    with translation.override("es"):
        return _(message)


def staged(group: WorkingGroup) -> ResourceImport:
    return ResourceImport.objects.filter(group=group).latest("created_at")


def test_a_spanish_speaking_coordinator_previews_errors_in_spanish_then_imports_the_good_rows(
    zones: None, medics: WorkingGroup, coordinator: User
) -> None:
    client = client_for(coordinator)
    assert client.get(UPLOAD).status_code == 200

    answer = post_file(client, UPLOAD, GOOD_AND_BAD, "recursos.csv")
    found = staged(medics)
    assert answer.status_code == 302
    assert answer["Location"] == f"{UPLOAD}{found.uuid}/"
    assert not Resource.objects.exists()  # nothing imported before the keeper confirms

    page = html.unescape(client.get(answer["Location"]).content.decode())
    assert "Póngale un nombre al recurso, en inglés o en español." in page
    assert "x! no es un código de idioma" in page
    with translation.override("es"):
        assert f"free: {_('Write yes or no.')}" in page
        assert _("Choose a kind from the list (such as clinic, dental or legal_aid).") in page
    assert "nowhere" in page  # the unknown zone is named
    assert "congregation_agreed" in page  # the sanctuary's rule names its column

    refused = client.post(f"{UPLOAD}{found.uuid}/apply/")
    assert refused.status_code == 302
    assert not Resource.objects.exists()  # with errors, nothing unless the keeper says to leave them out

    client.post(f"{UPLOAD}{found.uuid}/apply/", {"skip_errors": "yes"})
    dental = Resource.objects.get(slug="campus-dental")
    assert dental.kind == "dental"
    assert dental.name_es == "Clínica dental del campus"
    assert (dental.is_free, dental.no_id_asked, dental.is_public) == (True, True, True)
    assert dental.languages == ["en", "es"]
    assert {zone.slug for zone in dental.zones.all()} == {"walltown"}
    assert {(p.number, p.is_24h) for p in dental.phones.all()} == {("+19195550101", True), ("+19195550102", False)}
    legal = Resource.objects.get(slug="east-legal")
    assert [zone.slug for zone in legal.zones.all()] == ["east-durham"]
    assert set(Resource.objects.values_list("slug", flat=True)) == {"campus-dental", "east-legal"}
    found.refresh_from_db()
    assert found.state == "applied"
    assert found.result == {"new": 2, "changed": 0, "unchanged": 0, "skipped": 4}
    done = client.get(f"{UPLOAD}{found.uuid}/").content.decode()
    with translation.override("es"):
        added = ngettext("%(count)d resource was imported.", "%(count)d resources were imported.", 2) % {"count": 2}
    assert added in done
    assert AuditEntry.objects.filter(object_type="directory.resourceimport", action="changed").exists()
    assert AuditEntry.objects.filter(object_type="directory.resource", action="created").count() == 2


def test_errors_name_their_column_in_the_readers_language(zones: None, medics: WorkingGroup, coordinator: User) -> None:
    found = do_stage_import(medics, GOOD_AND_BAD, "r.csv", by=coordinator)
    with translation.override("es"):
        rows = {row.slug: row for row in preview_of(found).rows}
    broken = rows["broken-one"]
    assert broken.status == "error"
    by_column = {error.column: error for error in broken.errors}
    assert set(by_column) == {"kind", "free", "zones", "phones"}
    assert by_column["free"].message == translated("Write yes or no.")
    assert "nowhere" in by_column["zones"].message
    assert rows["quiet-shelter"].errors[0].column == "congregation_agreed"
    assert rows["campus-dental"].status == "new"


def test_reimporting_the_same_file_changes_nothing(zones: None, medics: WorkingGroup, coordinator: User) -> None:
    do_apply_import(do_stage_import(medics, GOOD_AND_BAD, "r.csv", by=coordinator), by=coordinator, skip_errors=True)
    again = do_stage_import(medics, GOOD_AND_BAD, "r.csv", by=coordinator)
    statuses = {row.slug: row.status for row in preview_of(again).rows}
    assert statuses == {
        "campus-dental": "unchanged",
        "east-legal": "unchanged",
        "broken-one": "error",
        "quiet-shelter": "error",
        "no-name": "error",
        "nameless": "error",
    }
    entries = AuditEntry.objects.count()
    assert do_apply_import(again, by=coordinator, skip_errors=True) == {
        "new": 0,
        "changed": 0,
        "unchanged": 2,
        "skipped": 4,
    }
    assert AuditEntry.objects.count() == entries + 1  # the import's own entry; no resource touched


def test_a_changed_row_says_which_columns_change_and_keeps_a_kept_phones_label(
    zones: None, medics: WorkingGroup, coordinator: User
) -> None:
    dental = make_resource(medics, coordinator, "campus-dental", kind="dental", name_en="Campus dental clinic")
    do_add_phone(dental, "+19195550101", by=coordinator, label_en="Appointments", label_es="Citas")
    do_add_phone(dental, "+19195550109", by=coordinator)
    data = b"slug,name_en,free,phones\r\ncampus-dental,Campus dental clinic,yes,+19195550101 24h; +19195550108\r\n"
    found = do_stage_import(medics, data, "r.csv", by=coordinator)
    (row,) = preview_of(found).rows
    assert row.status == "changed"
    assert row.changes == ["free", "phones"]

    do_apply_import(found, by=coordinator)
    dental.refresh_from_db()
    assert dental.is_free
    assert dental.kind == "dental"  # a column the file lacks is left as it is
    phones = {p.number: p for p in dental.phones.all()}
    assert set(phones) == {"+19195550101", "+19195550108"}
    assert phones["+19195550101"].is_24h
    assert phones["+19195550101"].label_es == "Citas"


def test_a_slug_of_another_groups_resource_is_refused(
    medics: WorkingGroup, coordinator: User, rapid_response: WorkingGroup, other_coordinator: User
) -> None:
    theirs = make_resource(rapid_response, other_coordinator, "hotline", kind="crisis_hotline", name_en="Hotline")
    data = b"slug,kind,name_en\r\nhotline,clinic,Taken over\r\nown-clinic,clinic,Own clinic\r\n"
    found = do_stage_import(medics, data, "r.csv", by=coordinator)
    rows = preview_of(found).rows
    assert rows[0].status == "error"
    assert rows[0].errors[0].code == "kept_by_another_group"
    do_apply_import(found, by=coordinator, skip_errors=True)
    theirs.refresh_from_db()
    assert theirs.name_en == "Hotline"
    assert theirs.group == rapid_response
    assert Resource.objects.get(slug="own-clinic").group == medics


def test_outsiders_and_members_get_nothing(
    medics: WorkingGroup, coordinator: User, medic: User, outsider: User, other_coordinator: User
) -> None:
    found = do_stage_import(medics, GOOD_AND_BAD, "r.csv", by=coordinator)
    urls = [UPLOAD, f"{UPLOAD}{found.uuid}/", f"{UPLOAD}sample.csv"]
    for user in (medic, outsider, other_coordinator):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.username, url)
        assert client.post(f"{UPLOAD}{found.uuid}/apply/", {"skip_errors": "yes"}).status_code == 404
        assert client.post(f"{UPLOAD}{found.uuid}/discard/").status_code == 404
    # another group's coordinator does not reach it through their own group's address either
    theirs = f"/es/groups/rapid-response/resources/import/{found.uuid}/"
    assert client_for(other_coordinator).get(theirs).status_code == 404
    assert Client().get(UPLOAD).status_code == 302  # to sign in
    assert ResourceImport.objects.filter(pk=found.pk, state="staged").exists()
    assert not Resource.objects.exists()


def test_discarding_deletes_the_staged_file(medics: WorkingGroup, coordinator: User) -> None:
    found = do_stage_import(medics, GOOD_AND_BAD, "r.csv", by=coordinator)
    answer = client_for(coordinator).post(f"{UPLOAD}{found.uuid}/discard/")
    assert answer.status_code == 302
    assert not ResourceImport.objects.exists()
    assert not Resource.objects.exists()


def test_formula_cells_are_neutralised_but_phone_lists_are_not(medics: WorkingGroup, coordinator: User) -> None:
    tricky = make_resource(
        medics,
        coordinator,
        "tricky",
        name_en='=HYPERLINK("http://evil.example.org","click")',
        offers_en="+cmd|' /C calc'!A0",
        hours_en="-2+3",
        offers_es="@SUM(1+1)",
    )
    do_add_phone(tricky, "+19195550101", by=coordinator, is_24h=True)
    do_add_phone(tricky, "+19195550102", by=coordinator)
    text = export_csv(Resource.objects.all()).decode("utf-8-sig")
    row = dict(zip(*list(csv.reader(io.StringIO(text))), strict=True))
    assert row["name_en"] == '\'=HYPERLINK("http://evil.example.org","click")'
    assert row["offers_en"] == "'+cmd|' /C calc'!A0"
    assert row["hours_en"] == "'-2+3"
    assert row["offers_es"] == "'@SUM(1+1)"
    assert row["phones"] == "+19195550101 24h; +19195550102"
    for cell in row.values():
        assert not cell.startswith(("=", "-", "@")), cell
        assert not cell.startswith("+") or cell == row["phones"]

    # and they come back as they were
    found = do_stage_import(medics, text.encode(), "export.csv", by=coordinator)
    (again,) = preview_of(found).rows
    assert again.status == "unchanged", again.changes


def test_an_export_imports_back_unchanged(zones: None, medics: WorkingGroup, coordinator: User) -> None:
    do_apply_import(do_stage_import(medics, GOOD_AND_BAD, "r.csv", by=coordinator), by=coordinator, skip_errors=True)
    make_resource(
        medics,
        coordinator,
        "night-line",
        kind="crisis_hotline",
        name_en="Night line",
        name_es="Línea nocturna",
        offers_en="Talk, any hour.\nReferrals; six free sessions.",
        hours_en="Every day, all day",
        web_address="https://night.example.org/",
        check_every_days=30,
        is_sliding_scale=True,
        is_walk_in=True,
        zones=("walltown", "east-durham"),
        languages=("es", "en", "pt-br"),
    )
    exported = Client().get("/en/resources/export.csv", {"group": MEDICS})
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    found = do_stage_import(medics, exported.content, "export.csv", by=coordinator)
    preview = preview_of(found)
    assert preview.ignored == []
    assert {row.slug: row.status for row in preview.rows} == {
        "campus-dental": "unchanged",
        "east-legal": "unchanged",
        "night-line": "unchanged",
    }


def test_the_public_export_holds_only_what_is_listed_publicly(
    medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    make_resource(medics, coordinator, "open-clinic")
    make_resource(medics, coordinator, "members-shelter", kind="shelter", is_public=False)
    make_resource(medics, coordinator, "unagreed-church", kind="sanctuary", is_public=False)
    make_resource(medics, coordinator, "agreed-church", kind="sanctuary", is_public=True, congregation_agreed=True)

    def slugs(client: Client, url: str) -> set[str]:
        text = client.get(url).content.decode("utf-8-sig")
        return {row["slug"] for row in csv.DictReader(io.StringIO(text))}

    public = {"open-clinic", "agreed-church"}
    assert slugs(Client(), "/en/resources/export.csv") == public
    assert slugs(Client(), "/api/v1/resources.csv") == public
    everything = public | {"members-shelter", "unagreed-church"}
    assert slugs(client_for(medic), "/es/resources/export.csv") == everything
    assert slugs(Client(), "/en/resources/export.csv?kind=sanctuary") == {"agreed-church"}
    assert AuditEntry.objects.filter(object_type="directory.resource", action="exported").count() == 1


def test_excel_files_with_a_bom_and_semicolons_are_read(zones: None, medics: WorkingGroup, coordinator: User) -> None:
    data = "\ufeffSlug;Kind;Name ES;Zones;Public\r\nsalud-walltown;Clínica;Clínica del barrio;Barrio Walltown;sí\r\n"
    answer = post_file(client_for(coordinator), UPLOAD, data.encode("utf-8"), "excel.csv")
    assert answer.status_code == 302
    found = staged(medics)
    (row,) = preview_of(found).rows
    assert row.status == "new", row.errors
    do_apply_import(found, by=coordinator)
    clinic = Resource.objects.get(slug="salud-walltown")
    assert clinic.kind == "clinic"
    assert clinic.name_es == "Clínica del barrio"
    assert [zone.slug for zone in clinic.zones.all()] == ["walltown"]
    # Windows-1252, as Excel saves "CSV" on Windows
    windows = "slug;kind;name_es\r\nayuda-legal;legal_aid;Asesoría\r\n".encode("cp1252")
    (legal,) = preview_of(do_stage_import(medics, windows, "w.csv", by=coordinator)).rows
    assert legal.name == "Asesoría"


def test_huge_files_and_files_without_a_slug_are_refused_with_a_message(
    medics: WorkingGroup, coordinator: User
) -> None:
    client = client_for(coordinator)
    huge = b"slug,kind,name_en\r\n" + b"x" * (1024 * 1024 + 10)
    answer = post_file(client, UPLOAD, huge, "huge.csv")
    assert answer.status_code == 400
    assert "1 MB" in answer.content.decode()

    rows = b"slug,kind,name_en\r\n" + b"".join(f"r-{n},clinic,R {n}\r\n".encode() for n in range(1001))
    answer = post_file(client, UPLOAD, rows, "rows.csv")
    assert answer.status_code == 400
    assert "1000" in answer.content.decode() or "1.000" in answer.content.decode()

    answer = post_file(client, UPLOAD, b"name,phone\r\nA,1\r\n", "noslug.csv")
    assert answer.status_code == 400
    assert "slug" in answer.content.decode()
    assert not ResourceImport.objects.exists()


def test_an_applied_import_is_not_applied_twice(medics: WorkingGroup, coordinator: User) -> None:
    found = do_stage_import(medics, b"slug,kind,name_en\r\nonce,clinic,Once\r\n", "r.csv", by=coordinator)
    do_apply_import(found, by=coordinator)
    client = client_for(coordinator)
    answer = client.post(f"{UPLOAD}{found.uuid}/apply/", follow=True)
    assert answer.status_code == 200
    assert Resource.objects.filter(slug="once").count() == 1


def test_the_list_links_the_export_and_keepers_see_the_import(medics: WorkingGroup, coordinator: User) -> None:
    page = client_for(coordinator).get("/en/resources/").content.decode()
    assert f"/en/groups/{MEDICS}/resources/import/" in page
    assert "/en/resources/export.csv" in page
    upload_page = client_for(coordinator).get(f"/en/groups/{MEDICS}/resources/import/").content.decode()
    assert "check_every_days" in upload_page
    sample = client_for(coordinator).get(f"/en/groups/{MEDICS}/resources/import/sample.csv")
    assert sample.status_code == 200
    found = do_stage_import(medics, sample.content, "sample.csv", by=coordinator)
    assert {row.status for row in preview_of(found).rows} == {"new"}


def test_a_staged_file_goes_after_a_day(medics: WorkingGroup, coordinator: User) -> None:
    do_stage_import(medics, b"slug,kind,name_en\r\nlater,clinic,Later\r\n", "r.csv", by=coordinator)
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        retention.purge()
    assert ResourceImport.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=1)):
        assert retention.Purged("directory.imports", 1) in retention.purge()
    assert not ResourceImport.objects.exists()
