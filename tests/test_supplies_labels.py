"""Supplies on paper: a location's labels with QR codes to its count page, and a count sheet."""

from datetime import timedelta

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # it ships no type hints
import pytest
import zxingcpp
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.supplies.models import Location, LocationKind, Movement
from tests.factories.accounts import client_for
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def depot(medics: WorkingGroup, coordinator: User) -> Location:
    found = make_location(medics, coordinator, "Depot")
    naloxone = make_item(
        medics, coordinator, "NLX", name_en="Naloxone", name_es="Naloxona", storage_en="Below 25 °C, never frozen"
    )
    soon = timezone.localdate() + timedelta(days=30)
    receive(found, naloxone, 6, coordinator, expires_on=soon, lot_number="NX-1904")
    receive(found, make_item(medics, coordinator, "GAUZE", name_en="Gauze", name_es="Gasas"), 40, coordinator)
    return found


def pages(content: bytes) -> list[pdfium.PdfPage]:
    assert content.startswith(b"%PDF-")
    return list(pdfium.PdfDocument(content))


def qr_codes(page: pdfium.PdfPage) -> list[str]:
    image = page.render(scale=3).to_pil().convert("L")
    return sorted(
        found.text
        for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    )


def text(page: pdfium.PdfPage) -> str:
    return " ".join(str(page.get_textpage().get_text_range()).split())


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_a_location_s_labels_open_its_count_page_with_the_lot_chosen(depot: Location, medic: User, paper: str) -> None:
    answer = client_for(medic).get(f"/es/supplies/locations/{depot.uuid}/labels.pdf", {"paper": paper})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    [page] = pages(answer.content)
    lot = Movement.objects.get(lot__lot_number="NX-1904").lot
    gauze = Movement.objects.get(lot__item__code="GAUZE").lot
    count = f"http://127.0.0.1:8000/es/supplies/locations/{depot.uuid}/count/"
    assert qr_codes(page) == sorted([count, f"{count}?lot={lot.uuid}", f"{count}?lot={gauze.uuid}"])
    printed = text(page)
    assert "NLX" in printed
    assert "Naloxona" in printed
    assert "NX-1904" in printed
    assert "Depot" in printed


def test_the_label_s_code_opens_the_count_form_with_its_lot_chosen(depot: Location, medic: User) -> None:
    lot = Movement.objects.get(lot__lot_number="NX-1904").lot
    page = client_for(medic).get(f"/en/supplies/locations/{depot.uuid}/count/", {"lot": str(lot.uuid)})
    assert page.status_code == 200
    assert f'<option value="{lot.uuid}" selected>' in page.content.decode()


def test_the_count_sheet_lists_each_lot_with_a_box_to_fill(depot: Location, medic: User, medics: WorkingGroup) -> None:
    answer = client_for(medic).get(f"/en/groups/{medics.slug}/supplies/count-sheet.pdf")
    assert answer.status_code == 200
    printed = " ".join(text(page) for page in pages(answer.content))
    assert "Count sheet: Street Medics Committee" in printed
    assert "NX-1904" in printed
    assert "GAUZE" in printed
    assert "40" in printed


def test_outsiders_get_nothing_and_a_wrong_paper_is_a_clear_refusal(
    depot: Location, outsider: User, medic: User, medics: WorkingGroup
) -> None:
    assert client_for(outsider).get(f"/en/supplies/locations/{depot.uuid}/labels.pdf").status_code == 404
    assert client_for(outsider).get(f"/en/groups/{medics.slug}/supplies/count-sheet.pdf").status_code == 404
    assert Client().get(f"/en/supplies/locations/{depot.uuid}/labels.pdf").status_code in (302, 404)
    refused = client_for(medic).get(f"/en/supplies/locations/{depot.uuid}/labels.pdf", {"paper": "tabloid"})
    assert refused.status_code == 400
    assert "letter or A4" in refused.content.decode()


def test_an_item_without_stock_prints_only_the_shelf_card(medics: WorkingGroup, coordinator: User) -> None:
    empty = make_location(medics, coordinator, "Cabinet")
    answer = client_for(coordinator).get(f"/en/supplies/locations/{empty.uuid}/labels.pdf")
    [page] = pages(answer.content)
    assert qr_codes(page) == [f"http://127.0.0.1:8000/en/supplies/locations/{empty.uuid}/count/"]


def test_the_api_prints_the_same_labels_and_count_sheet(depot: Location, medic: User, outsider: User) -> None:
    api = client_for(medic)
    labels = api.get(f"/api/v1/supplies/locations/{depot.uuid}/labels.pdf", {"paper": "a4"})
    assert labels.status_code == 200
    assert labels["Content-Type"] == "application/pdf"
    [page] = pages(labels.content)
    assert len(qr_codes(page)) == 3  # the shelf card and two lots
    sheet = api.get(f"/api/v1/groups/{depot.group.slug}/supplies/count-sheet.pdf")
    assert "NX-1904" in text(pages(sheet.content)[0])
    refused = api.get(f"/api/v1/supplies/locations/{depot.uuid}/labels.pdf", {"paper": "legal"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]
    assert client_for(outsider).get(f"/api/v1/supplies/locations/{depot.uuid}/labels.pdf").status_code == 404


def test_a_kits_labels_carry_a_card_to_report_naloxone_used_from_it(
    medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    bag = make_location(medics, coordinator, "Bag 4", kind=LocationKind.MEDIC_BAG)
    answer = client_for(medic).get(f"/en/supplies/locations/{bag.uuid}/labels.pdf")
    [page] = pages(answer.content)
    assert f"http://127.0.0.1:8000/en/naloxone/?kit={bag.uuid}" in qr_codes(page)
    assert "Used the naloxone?" in text(page)
