"""The supplies' spreadsheets through the JSON API: staged imports of items and stock with their preview,
apply, discard, and the exports."""

import csv
import io
import json
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.people.imports import GROUP_SHEET_BYTES
from solidarity.supplies.csv_models import SupplyImport
from solidarity.supplies.models import Item, Location, Movement, MovementKind
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"
ITEMS = (
    b"code,name_en,name_es,category,prescription\r\n"
    b"GAUZE,Gauze pads,Gasas,wound_care,no\r\n"
    b"BROKEN,Broken,,spa,maybe\r\n"
)


def bearer(user: User) -> Client:
    return Client(headers={"authorization": f"Bearer {do_create_token(user, name=f'test-{uuid4().hex[:8]}').secret}"})


def upload(client: Client, data: bytes, sheet: str = "items", group: str = MEDICS, **headers: str) -> Any:
    handle = io.BytesIO(data)
    handle.name = f"{sheet}.csv"
    return client.post(f"/api/v1/groups/{group}/supplies/imports?sheet={sheet}", {"file": handle}, headers=headers)


def apply(client: Client, found: str, **body: Any) -> Any:
    return client.post(f"/api/v1/supplies/imports/{found}/apply", json.dumps(body), content_type="application/json")


@pytest.fixture
def depot(medics: WorkingGroup, coordinator: User) -> Location:
    return make_location(medics, coordinator, "North depot")


def test_a_keeper_stages_items_reads_errors_in_spanish_and_applies_the_good_rows(
    medics: WorkingGroup, coordinator: User
) -> None:
    client = bearer(coordinator)
    answer = upload(client, ITEMS, **{"accept-language": "es"})
    assert answer.status_code == 201
    body = answer.json()
    assert (body["sheet"], body["state"], body["new"], body["errors"]) == ("items", "staged", 1, 1)
    broken = body["rows"][1]
    assert broken["line"] == 3
    assert broken["status"] == "error"
    assert {error["code"] for error in broken["errors"]} == {"bad_category", "bad_yes_no"}
    with translation.override("es"):
        expected = _("Write yes or no.")
    assert expected != "Write yes or no."
    assert f"prescription: {expected}" in [error["message"] for error in broken["errors"]]
    found = body["id"]
    assert not Item.objects.exists()

    refused = apply(client, found)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "rows_with_errors"
    done = apply(client, found, skip_errors=True)
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["new"], done.json()["errors"]) == ("applied", 1, 1)
    assert Item.objects.get(code="GAUZE").group == medics
    assert apply(client, found, skip_errors=True).json()["error"]["code"] == "already_applied"


def test_a_stock_import_receives_into_the_ledger(medics: WorkingGroup, coordinator: User, depot: Location) -> None:
    make_item(medics, coordinator, "NLX", name_en="Naloxone")
    client = bearer(coordinator)
    data = b"ubicacion;codigo;lote;vencimiento;cantidad\r\nNorth depot;NLX;L7;15/06/2027;12\r\n"
    body = upload(client, data, "stock").json()
    row = body["rows"][0]
    assert (row["status"], row["location"], row["lot_number"], row["expires_on"], row["quantity"]) == (
        "receive",
        "North depot",
        "L7",
        "2027-06-15",
        12,
    )
    assert apply(client, body["id"]).json()["received"] == 1
    move = Movement.objects.get(kind=MovementKind.RECEIVED)
    assert (move.location, move.quantity, move.lot.expires_on, move.by) == (depot, 12, date(2027, 6, 15), coordinator)


def test_read_and_discard(medics: WorkingGroup, coordinator: User) -> None:
    client = bearer(coordinator)
    found = upload(client, ITEMS).json()["id"]
    again = client.get(f"/api/v1/supplies/imports/{found}")
    assert again.status_code == 200
    assert len(again.json()["rows"]) == 2
    assert client.delete(f"/api/v1/supplies/imports/{found}").status_code == 204
    assert client.get(f"/api/v1/supplies/imports/{found}").status_code == 404


def test_exports_as_csv(medics: WorkingGroup, coordinator: User, depot: Location) -> None:
    item = make_item(medics, coordinator, "NLX", name_en="=cmd", name_es="Naloxona")
    receive(depot, item, 4, coordinator, date(2027, 1, 2))
    client = bearer(coordinator)
    items = client.get(f"/api/v1/groups/{MEDICS}/supplies/items.csv")
    assert items.status_code == 200
    assert items["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(items.content.decode("utf-8-sig"))))
    assert rows[0][0] == "code"
    assert rows[1][:3] == ["NLX", "'=cmd", "Naloxona"]
    stock = client.get(f"/api/v1/groups/{MEDICS}/supplies/stock.csv")
    assert list(csv.reader(io.StringIO(stock.content.decode("utf-8-sig"))))[1] == [
        "North depot",
        "NLX",
        "'=cmd",
        "Naloxona",
        "",
        "2027-01-02",
        "4",
    ]


def test_a_file_too_large_or_unreadable_is_refused(medics: WorkingGroup, coordinator: User) -> None:
    client = bearer(coordinator)
    answer = upload(client, b"code\r\n" + b"AB\r\n" * (GROUP_SHEET_BYTES // 4 + 1))
    assert answer.status_code == 422
    assert "file" in answer.json()["error"]["fields"]
    assert upload(client, b"\x00\x01binary").status_code == 422
    assert upload(client, ITEMS, "shoes").status_code == 422
    assert not SupplyImport.objects.exists()


def test_a_plain_member_and_an_outsider_get_nothing(
    medics: WorkingGroup, coordinator: User, medic: User, outsider: User
) -> None:
    found = upload(bearer(coordinator), ITEMS).json()["id"]
    for user in (medic, outsider):
        client = bearer(user)
        assert upload(client, ITEMS).status_code in (403, 404)
        assert client.get(f"/api/v1/supplies/imports/{found}").status_code == 404
        assert apply(client, found, skip_errors=True).status_code == 404
        assert client.delete(f"/api/v1/supplies/imports/{found}").status_code == 404
        assert client.get(f"/api/v1/groups/{MEDICS}/supplies/items.csv").status_code in (403, 404)
        assert client.get(f"/api/v1/groups/{MEDICS}/supplies/stock.csv").status_code in (403, 404)
    assert not Item.objects.exists()
    assert SupplyImport.objects.get().state == "staged"
