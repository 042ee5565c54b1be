"""The supplies from and to a spreadsheet: a keeper's CSV import of items or stock with its preview, and the
exports; through the pages and the real services."""

import csv
import html
import io
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import retention
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.people.imports import GROUP_SHEET_BYTES, ImportRefused
from solidarity.supplies.csv_io import do_apply_import, do_stage_import, export_items, export_stock, preview_of
from solidarity.supplies.csv_models import SupplyImport
from solidarity.supplies.models import Item, Location, Lot, Movement, MovementKind
from solidarity.supplies.services import stock_by_lot
from tests.factories.accounts import client_for, make_member
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"
BASE = f"/en/groups/{MEDICS}/supplies"


@pytest.fixture
def depot(medics: WorkingGroup, coordinator: User) -> Location:
    return make_location(medics, coordinator, "North depot")


@pytest.fixture
def naloxone(medics: WorkingGroup, coordinator: User) -> Item:
    return make_item(medics, coordinator, "NLX", name_en="Naloxone", name_es="Naloxona", request_limit=2)


def post_file(client: Client, url: str, data: bytes, name: str = "sheet.csv") -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(url, {"file": handle})


def staged(group: WorkingGroup) -> SupplyImport:
    return SupplyImport.objects.filter(group=group).latest("created_at")


def page_of(client: Client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200
    return html.unescape(answer.content.decode())


ITEMS = "\r\n".join(
    [
        "code,name_en,name_es,unit_en,unit_es,category,prescription,never_linked,request_limit",
        "gauze,Gauze pads,Gasas,pack,paquete,Curación de heridas,no,no,",
        "NLX,Naloxone,Naloxona,dose,dosis,medicine,sí,no,2",
        "BAD!,Broken,,dose,dosis,spa,maybe,no,two",
    ]
).encode()


def test_a_coordinator_previews_items_then_imports_the_good_rows(
    medics: WorkingGroup, coordinator: User, naloxone: Item
) -> None:
    client = client_for(coordinator)
    assert client.get(f"{BASE}/import/items/").status_code == 200

    answer = post_file(client, f"{BASE}/import/items/", ITEMS, "items.csv")
    found = staged(medics)
    assert answer.status_code == 302
    assert answer["Location"] == f"{BASE}/import/{found.uuid}/"
    assert not Item.objects.filter(code="GAUZE").exists()  # nothing before the keeper confirms

    page = page_of(client, answer["Location"])
    assert "Line 2" in page
    assert "new" in page
    assert "changed:" in page
    assert "prescription" in page
    assert "Line 4" in page
    assert "Write yes or no." in page
    assert "Write a whole number, at most 1,000,000." in page
    assert "Import the 2 good rows, skip the errors" in page
    assert "Discard" in page

    refused = client.post(f"{BASE}/import/{found.uuid}/apply/", follow=True)
    assert "Some rows have errors" in refused.content.decode()
    assert not Item.objects.filter(code="GAUZE").exists()

    done = client.post(f"{BASE}/import/{found.uuid}/apply/", {"skip_errors": "yes"}, follow=True)
    assert "2 rows were imported." in html.unescape(done.content.decode())
    gauze = Item.objects.get(code="GAUZE")
    assert (gauze.group, gauze.category, gauze.unit_es, gauze.request_limit) == (medics, "wound_care", "paquete", None)
    naloxone.refresh_from_db()
    assert naloxone.is_prescription
    assert not Item.objects.filter(name_en="Broken").exists()
    assert AuditEntry.objects.filter(object_type="supplies.supplyimport", action="changed").exists()
    assert AuditEntry.objects.filter(object_type="supplies.item", action="created").exists()  # through the service


def test_errors_come_in_spanish_with_spanish_headers(medics: WorkingGroup, coordinator: User) -> None:
    data = "código;nombre_es;categoría;receta;límite por pedido\r\nGASA;Gasas;higiene;quizás;0\r\n".encode()
    found = do_stage_import(medics, "items", data, "articulos.csv", by=coordinator)
    client = client_for(coordinator)
    page = page_of(client, f"/es/groups/{MEDICS}/supplies/import/{found.uuid}/")
    with translation.override("es"):
        assert _("Write yes or no.") != "Write yes or no."
        assert f"receta: {_('Write yes or no.')}" in page
        assert "Línea 2" in page
        assert _("not imported") in page
    with translation.override("en"):
        rows = preview_of(found).rows
    assert [(error.column, error.code) for error in rows[0].errors] == [("prescription", "bad_yes_no")]


def test_another_groups_code_is_a_row_error(
    medics: WorkingGroup, coordinator: User, rapid_response: WorkingGroup, other_coordinator: User
) -> None:
    make_item(rapid_response, other_coordinator, "RADIO", name_en="Radio")
    found = do_stage_import(
        medics, "items", b"code,name_en\r\nRADIO,Our radio\r\nRADIO,Again\r\n", "i.csv", by=coordinator
    )
    rows = preview_of(found).rows
    assert [error.code for error in rows[0].errors] == ["kept_by_another_group"]
    assert "repeated" in [error.code for error in rows[1].errors]
    assert Item.objects.get(code="RADIO").name_en == "Radio"


def test_exported_items_import_back_unchanged_and_formulas_are_escaped(
    medics: WorkingGroup, coordinator: User, naloxone: Item
) -> None:
    make_item(
        medics,
        coordinator,
        "SALT",
        name_en='=HYPERLINK("http://x")',
        name_es="+sal",
        storage_en="@dry",
        is_never_linked=True,
    )
    exported = export_items(medics)
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    salt = next(row for row in rows if row[0] == "SALT")
    assert salt[1].startswith("'=")
    assert salt[2] == "'+sal"
    assert salt[6] == "'@dry"

    found = do_stage_import(medics, "items", exported, "items.csv", by=coordinator)
    assert {row.status for row in preview_of(found).rows} == {"unchanged"}
    assert do_apply_import(found, by=coordinator) == {
        "new": 0,
        "changed": 0,
        "unchanged": 2,
        "received": 0,
        "skipped": 0,
    }
    assert Item.objects.get(code="SALT").name_en == '=HYPERLINK("http://x")'


def test_a_stock_import_receives_through_the_ledger(
    medics: WorkingGroup, coordinator: User, depot: Location, naloxone: Item
) -> None:
    receive(depot, naloxone, 3, coordinator, date(2027, 3, 31), lot_number="L1")
    data = "\r\n".join(
        [
            "location,item,lot,expiry,quantity",
            "north depot,nlx,L1,31/03/2027,5",  # the same lot, written day first
            "North depot,NLX,L2,2028-01-15,4",
            "South depot,NLX,L3,2028-01-15,4",
            "North depot,NOPE,,,1",
            "North depot,NLX,,31/02/2027,0",
            "North depot,NLX,,,99999999999",  # more than a database column holds
        ]
    ).encode()
    client = client_for(coordinator)
    answer = post_file(client, f"{BASE}/import/stock/", data, "stock.csv")
    assert answer.status_code == 302
    page = page_of(client, answer["Location"])
    assert "receive 5 units" in page
    assert "The group has no location with this name." in page
    assert "The group keeps no item with this code." in page
    assert "Write the date as 2027-03-31 or 31/03/2027." in page
    assert "Give a count of at least 1." in page
    assert "Write a whole number, at most 1,000,000." in page
    assert not Movement.objects.filter(quantity=5).exists()

    done = client.post(answer["Location"] + "apply/", {"skip_errors": "yes"}, follow=True)
    assert "2 rows were imported." in html.unescape(done.content.decode())
    assert Lot.objects.filter(item=naloxone).count() == 2  # the lot L1 of 2027-03-31 reused
    received = Movement.objects.filter(kind=MovementKind.RECEIVED, location=depot, by=coordinator)
    assert sorted(received.values_list("quantity", flat=True)) == [3, 4, 5]
    on_hand = {(line.lot.lot_number, line.quantity) for line in stock_by_lot(location=depot)}
    assert on_hand == {("L1", 8), ("L2", 4)}


def test_a_prescription_item_is_refused_where_prescriptions_are_off(
    medics: WorkingGroup, coordinator: User, depot: Location
) -> None:
    lead = make_member("lee.lead", medics, Role.COORDINATOR, Role.MEDIC_LEAD)
    clinic = make_location(medics, lead, "Clinic cabinet", prescriptions_enabled=True)
    make_item(medics, coordinator, "AMOX", name_en="Amoxicillin", is_prescription=True)
    data = b"location,item,quantity\r\nNorth depot,AMOX,10\r\nClinic cabinet,AMOX,10\r\n"
    found = do_stage_import(medics, "stock", data, "s.csv", by=coordinator)
    rows = preview_of(found).rows
    assert [error.code for error in rows[0].errors] == ["prescription_only"]
    assert "prescription-only" in rows[0].errors[0].message
    assert rows[1].status == "receive"
    do_apply_import(found, by=coordinator, skip_errors=True)
    assert not Movement.objects.filter(location=depot).exists()
    assert Movement.objects.get(location=clinic).quantity == 10


def test_far_above_need_asks_the_keeper_to_say_so(
    medics: WorkingGroup, coordinator: User, depot: Location, naloxone: Item
) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        receive(depot, naloxone, 50, coordinator)
    found = do_stage_import(
        medics, "stock", b"location,item,quantity\r\nNorth depot,NLX,10\r\n", "s.csv", by=coordinator
    )
    assert preview_of(found).rows[0].warning
    with pytest.raises(ImportRefused) as refused:
        do_apply_import(found, by=coordinator)
    assert refused.value.code == "far_above_need"
    assert do_apply_import(found, by=coordinator, accept_over_need=True)["received"] == 1


def test_the_stock_export_lists_what_is_on_hand_and_nobody(
    medics: WorkingGroup, coordinator: User, depot: Location, naloxone: Item
) -> None:
    receive(depot, naloxone, 6, coordinator, date(2027, 3, 31), lot_number="L1")
    answer = client_for(coordinator).get(f"{BASE}/stock.csv")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert "attachment" in answer["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows == [
        ["location", "item", "name_en", "name_es", "lot", "expiry", "quantity"],
        ["North depot", "NLX", "Naloxone", "Naloxona", "L1", "2027-03-31", "6"],
    ]
    assert "cora" not in answer.content.decode()
    assert export_stock(medics) == answer.content
    # The export reads back as a stock sheet: each line would be received again.
    found = do_stage_import(medics, "stock", answer.content, "stock.csv", by=coordinator)
    assert [row.status for row in preview_of(found).rows] == ["receive"]
    assert not preview_of(found).ignored  # the names are the export's own, read and not needed


def test_a_file_too_large_or_without_its_columns_is_refused_whole(medics: WorkingGroup, coordinator: User) -> None:
    client = client_for(coordinator)
    big = b"code,name_en\r\n" + b"AB,x\r\n" * (GROUP_SHEET_BYTES // 6 + 1)
    answer = post_file(client, f"{BASE}/import/items/", big)
    assert answer.status_code == 400
    assert "too large" in answer.content.decode()
    answer = post_file(client, f"{BASE}/import/stock/", b"place,thing\r\nx,y\r\n")
    assert answer.status_code == 400
    assert "location, item and quantity" in answer.content.decode()
    assert not SupplyImport.objects.exists()


def test_a_plain_member_and_an_outsider_may_not_import_or_export(
    medics: WorkingGroup, coordinator: User, medic: User, outsider: User
) -> None:
    found = do_stage_import(medics, "items", b"code,name_en\r\nGZ,Gauze\r\n", "i.csv", by=coordinator)
    for user in (medic, outsider):
        client = client_for(user)
        for url in (f"{BASE}/import/items/", f"{BASE}/import/stock/", f"{BASE}/items.csv", f"{BASE}/stock.csv"):
            assert client.get(url).status_code in (403, 404), url
        assert post_file(client, f"{BASE}/import/items/", b"code,name_en\r\nXX,x\r\n").status_code in (403, 404)
        assert client.get(f"{BASE}/import/{found.uuid}/").status_code in (403, 404)
        assert client.post(f"{BASE}/import/{found.uuid}/apply/").status_code in (403, 404)
        assert client.post(f"{BASE}/import/{found.uuid}/discard/").status_code in (403, 404)
    assert SupplyImport.objects.get().state == "staged"
    assert not Item.objects.exists()


def test_setup_links_the_sheets_and_the_samples_preview_cleanly(medics: WorkingGroup, coordinator: User) -> None:
    client = client_for(coordinator)
    page = page_of(client, f"{BASE}/setup/")
    for text in ("Import items", "Import stock", "Export items (CSV)", "Export stock (CSV)"):
        assert text in page
    for url in (f"{BASE}/import/items/", f"{BASE}/import/stock/"):
        assert "<label" in page_of(client, url)
    sample = client.get(f"{BASE}/import/items/sample.csv")
    assert sample.status_code == 200
    found = do_stage_import(medics, "items", sample.content, "sample.csv", by=coordinator)
    assert {row.status for row in preview_of(found).rows} == {"new"}
    do_apply_import(found, by=coordinator)
    make_location(medics, coordinator, "Sample depot")
    make_location(medics, coordinator, "Sample medic bag", kind="medic_bag")
    stock = client.get(f"{BASE}/import/stock/sample.csv")
    found = do_stage_import(medics, "stock", stock.content, "sample.csv", by=coordinator)
    assert {row.status for row in preview_of(found).rows} == {"receive"}
    spanish = page_of(client, f"/es/groups/{MEDICS}/supplies/import/{found.uuid}/")
    assert "Línea 2" in spanish


def test_discard_and_an_applied_import_is_not_applied_twice(medics: WorkingGroup, coordinator: User) -> None:
    client = client_for(coordinator)
    found = do_stage_import(medics, "items", b"code,name_en\r\nONCE,Once\r\n", "i.csv", by=coordinator)
    do_apply_import(found, by=coordinator)
    again = client.post(f"{BASE}/import/{found.uuid}/apply/", follow=True)
    assert "imported already" in again.content.decode()
    assert Item.objects.filter(code="ONCE").count() == 1
    assert "1 item added" in page_of(client, f"{BASE}/import/{found.uuid}/")
    other = do_stage_import(medics, "items", b"code,name_en\r\nTWICE,Twice\r\n", "i.csv", by=coordinator)
    assert client.post(f"{BASE}/import/{other.uuid}/discard/").status_code == 302
    assert not SupplyImport.objects.filter(pk=other.pk).exists()
    assert not Item.objects.filter(code="TWICE").exists()


def test_a_staged_file_goes_after_a_day(medics: WorkingGroup, coordinator: User) -> None:
    do_stage_import(medics, "items", b"code,name_en\r\nLATER,Later\r\n", "i.csv", by=coordinator)
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        retention.purge()
    assert SupplyImport.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=1)):
        assert retention.Purged("supplies.imports", 1) in retention.purge()
    assert not SupplyImport.objects.exists()
