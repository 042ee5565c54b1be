"""Gifts from a payment platform's export: a preview before anything is recorded, each gift recorded once."""

import io
import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core import retention
from solidarity.funds import ledger
from solidarity.funds.csv_models import FundImport
from solidarity.funds.fund_csv import SAMPLE, do_stage_import
from solidarity.funds.models import Donation, Fund
from tests.factories.accounts import client_for
from tests.factories.funds import make_fund

pytestmark = pytest.mark.django_db

EXPORT = (
    b"date,amount,name,reference,method,note\r\n"
    b"2026-03-02,25.00,Dora Donor,ch_A1,platform,monthly\r\n"
    b'03/03/2026,"1,250.50",,ch_A2,,\r\n'
    b"2026-03-04,lots,Bad Row,ch_A3,,\r\n"
)


@pytest.fixture
def fund(funds: WorkingGroup, treasurer: User) -> Fund:
    return make_fund(funds, treasurer, "Bond Fund")


def upload_page(client: Client, fund: Fund, data: bytes, language: str = "en") -> Any:
    handle = io.BytesIO(data)
    handle.name = "export.csv"
    return client.post(f"/{language}/funds/{fund.slug}/import/", {"file": handle})


def test_preview_then_apply_records_once_and_the_same_file_again_records_nothing(treasurer: User, fund: Fund) -> None:
    client = client_for(treasurer)
    staged = upload_page(client, fund, EXPORT)
    assert staged.status_code == 302
    found = FundImport.objects.get()
    preview = client.get(staged["Location"])
    assert "ch_A1" in preview.text
    assert "Dora Donor" in preview.text
    assert "$25.00" in preview.text
    assert not Donation.objects.exists()  # nothing recorded before the treasurer confirms
    client.post(f"/en/funds/{fund.slug}/import/{found.uuid}/apply/", {"skip_errors": "yes"})
    assert ledger.held(fund) == 2_500 + 125_050
    assert Donation.objects.get(reference="ch_A1").donor_name == "Dora Donor"
    again = upload_page(client, fund, EXPORT)
    second = FundImport.objects.exclude(pk=found.pk).get()
    assert "already recorded" in client.get(again["Location"]).text
    client.post(f"/en/funds/{fund.slug}/import/{second.uuid}/apply/", {"skip_errors": "yes"})
    assert Donation.objects.count() == 2
    assert ledger.held(fund) == 127_550


def test_a_bad_row_shows_its_error_in_the_users_language_and_the_others_stay(treasurer: User, fund: Fund) -> None:
    client = client_for(treasurer)
    staged = upload_page(client, fund, EXPORT, "es")
    page = client.get(staged["Location"].replace("/en/", "/es/"))
    assert "Escriba una cantidad" in page.text
    assert "ch_A1" in page.text
    assert "ch_A2" in page.text


def test_with_errors_nothing_is_recorded_unless_the_good_rows_are_asked_for(treasurer: User, fund: Fund) -> None:
    client = client_for(treasurer)
    upload_page(client, fund, EXPORT)
    found = FundImport.objects.get()
    client.post(f"/en/funds/{fund.slug}/import/{found.uuid}/apply/", {})
    assert not Donation.objects.exists()


def test_a_file_without_the_needed_columns_is_refused_and_nothing_kept(treasurer: User, fund: Fund) -> None:
    answer = upload_page(client_for(treasurer), fund, b"when,how much\r\n2026-03-02,5\r\n")
    assert answer.status_code == 400
    assert "reference" in answer.text
    assert not FundImport.objects.exists()


def test_the_staged_file_is_encrypted_and_discarded(treasurer: User, fund: Fund) -> None:
    client = client_for(treasurer)
    upload_page(client, fund, EXPORT)
    found = FundImport.objects.get()
    stored = FundImport.objects.filter(pk=found.pk).values_list("text", flat=True).get()
    assert "Dora Donor" not in str(stored)
    client.post(f"/en/funds/{fund.slug}/import/{found.uuid}/discard/")
    assert not FundImport.objects.exists()
    assert not Donation.objects.exists()


def test_the_sample_imports_cleanly(treasurer: User, fund: Fund) -> None:
    client = client_for(treasurer)
    sample = client.get(f"/en/funds/{fund.slug}/import/sample.csv")
    assert sample.status_code == 200
    assert b"reference" in sample.content
    upload_page(client, fund, SAMPLE.encode())
    found = FundImport.objects.get()
    client.post(f"/en/funds/{fund.slug}/import/{found.uuid}/apply/")
    assert Donation.objects.count() == 3


def test_an_outsider_gets_404_on_the_import(outsider: User, treasurer: User, fund: Fund) -> None:
    upload_page(client_for(treasurer), fund, EXPORT)
    found = FundImport.objects.get()
    client = client_for(outsider)
    for url in ("import/", "import/sample.csv", f"import/{found.uuid}/"):
        assert client.get(f"/en/funds/{fund.slug}/{url}").status_code == 404
    for url in (f"import/{found.uuid}/apply/", f"import/{found.uuid}/discard/", "import/"):
        assert client.post(f"/en/funds/{fund.slug}/{url}").status_code == 404
    assert FundImport.objects.exists()
    assert not Donation.objects.exists()


def test_the_api_previews_applies_and_discards(treasurer: User, fund: Fund) -> None:
    client = Client(
        headers={"authorization": f"Bearer {do_create_token(treasurer, name=f't-{uuid4().hex[:6]}').secret}"}
    )
    handle = io.BytesIO(EXPORT)
    handle.name = "export.csv"
    staged = client.post(f"/api/v1/funds/{fund.slug}/imports", {"file": handle}, headers={"accept-language": "es"})
    assert staged.status_code == 201
    body = staged.json()
    assert (body["new"], body["recorded"], body["errors"]) == (2, 0, 1)
    assert body["rows"][2]["errors"][0]["code"] == "bad_amount"
    assert "cantidad" in body["rows"][2]["errors"][0]["message"]
    url = f"/api/v1/funds/{fund.slug}/imports/{body['id']}"
    refused = client.post(f"{url}/apply", json.dumps({}), content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "rows_with_errors"
    applied = client.post(f"{url}/apply", json.dumps({"skip_errors": True}), content_type="application/json")
    assert applied.status_code == 200
    assert applied.json()["state"] == "applied"
    assert applied.json()["new"] == 2
    assert client.delete(url).status_code == 204
    assert Donation.objects.count() == 2
    assert not FundImport.objects.exists()
    broken = io.BytesIO(b"\x00\x01")
    broken.name = "x.csv"
    assert client.post(f"/api/v1/funds/{fund.slug}/imports", {"file": broken}).status_code == 422


def test_a_staged_export_goes_after_a_day(treasurer: User, fund: Fund) -> None:
    do_stage_import(fund, EXPORT, "export.csv", by=treasurer)
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        retention.purge()
    assert FundImport.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=1)):
        assert retention.Purged("funds.imports", 1) in retention.purge()
    assert not FundImport.objects.exists()
