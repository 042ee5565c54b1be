"""Family-support cases on their pages: opened from an incident, worked by its team only (every view audited),
the legal path and a bond request a fake fund picks up, closing that erases the identifiers, and retention."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import retention
from solidarity.core.bond_models import BondRequest, BondRequestState
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import Role
from solidarity.incidents import case_models, cases
from solidarity.incidents.case_models import Case, CaseNeed, CaseNote, CaseState, CaseTask, Hearing
from tests.factories.accounts import client_for, make_member
from tests.factories.cases import FakeFund, case_worker, open_case, registered_fund
from tests.factories.incidents import incident_of, report

pytestmark = pytest.mark.django_db

A_NUMBER = "A 201-555-017"
NAME_ON_RECORD = "Teodoro Ficticio Rosales"


@pytest.fixture
def fund() -> Iterator[FakeFund]:
    yield from registered_fund()


@pytest.fixture
def desk(dispatcher: User) -> Client:
    return client_for(dispatcher)


def page(case: Case) -> str:
    return reverse("cases:case", args=[case.code])


def act(client: Client, case: Case, name: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(reverse(f"cases:{name}", kwargs={"case": case.code}), data or {})


def views_of(case: Case) -> int:
    viewed = AuditEntry.objects.filter(action=AuditAction.VIEWED, object_type="incidents.case")
    return sum(str(case.uuid) in entry.object_ids for entry in viewed)


def test_a_dispatcher_opens_a_case_from_the_incident_page_and_is_its_only_member(
    desk: Client, dispatcher: User
) -> None:
    incident = incident_of(report("arrest"))
    incident_page = reverse("incidents:incident", args=[incident.code])
    assert "Open a case" in desk.get(incident_page).content.decode()

    response = desk.post(
        reverse("cases:open", args=[incident.code]), {"for_whom": "Familia Rosales", "language": "es", "contact": ""}
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page(case)
    assert case.incident == incident
    assert str(case.for_whom) == "Familia Rosales"
    assert list(case.team.all()) == [dispatcher]
    shown = desk.get(incident_page).content.decode()
    assert "1 case opened from this incident." in shown
    assert case.code in shown
    assert case.code in desk.get(reverse("cases:list")).content.decode()


def test_opening_a_case_needs_a_name_the_family_chooses(desk: Client) -> None:
    incident = incident_of(report("arrest"))
    response = desk.post(reverse("cases:open", args=[incident.code]), {"for_whom": "  ", "language": "es"})
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_a_case_with_its_legal_path_and_a_bond_request_seen_by_the_fake_fund(
    desk: Client,
    dispatcher: User,
    fund: FakeFund,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    case = open_case(dispatcher)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("need", {"kind": "childcare", "details": "Two kids, school ends at 3"}),
        ("need", {"kind": "bond", "details": ""}),
        ("task", {"text": "Pick up the kids at school", "assignee": dispatcher.username, "due_on": "2031-05-02"}),
        ("note", {"text": "The family speaks Spanish and Mam."}),
        ("legal-path", {"held_at": "Demo County Detention Center", "bond_status": "set", "bond_amount": "7500"}),
        ("hearing", {"kind": "bond", "on": "2031-05-09", "note": "Courtroom 3"}),
        ("identifiers", {"a_number": A_NUMBER, "name_on_record": NAME_ON_RECORD, "country_of_birth": "Guatemala"}),
    ]
    for name, data in steps:
        assert act(desk, case, name, data).status_code == 302, name
    with django_capture_on_commit_callbacks(execute=True):
        assert act(desk, case, "bond", {"due_on": "2031-05-10"}).status_code == 302

    request = BondRequest.objects.get()
    assert fund.told == [(request.uuid, "requested")]
    assert request.reference == case.uuid
    assert request.amount == Decimal("7500.00")
    assert request.state == BondRequestState.REQUESTED
    note = str(request.payer_note)
    for needed in ("201555017", NAME_ON_RECORD, "Demo County Detention Center"):
        assert needed in note
    shown = desk.get(page(case)).content.decode()
    for seen in ("Two kids, school ends at 3", "Pick up the kids at school", "Mam", "Courtroom 3", "201555017"):
        assert seen in shown, seen
    assert "requested" in shown

    paying = fund.pick_up()
    assert "picked up by the fund" in desk.get(page(case)).content.decode()
    assert not fund.pay(BondRequest.objects.create(source="x", reference=case.uuid, amount=1).uuid)  # not its own
    assert fund.pay(paying)
    request.refresh_from_db()
    assert request.state == BondRequestState.PAID
    assert str(request.payer_note) == ""  # paid: the note for the payer is gone
    assert "paid" in desk.get(page(case)).content.decode()


def test_no_bond_hearing_is_the_habeas_path_with_its_referral(desk: Client, dispatcher: User) -> None:
    case = open_case(dispatcher)
    path = {
        "bond_status": "no_hearing",
        "bond_amount": "5000",  # ignored: no bond was set
        "referral_to": "Demo Immigrant Legal Aid",
        "referred_on": "2031-05-03",
        "referral_note": "Habeas petition",
    }

    assert act(desk, case, "legal-path", path).status_code == 302

    case.refresh_from_db()
    assert case.is_habeas_path
    assert case.bond_amount is None
    assert str(case.referral_to) == "Demo Immigrant Legal Aid"
    assert "habeas petition. Record the referral" in desk.get(page(case)).content.decode()
    assert act(desk, case, "bond").status_code == 409  # no bond to pay
    assert act(desk, case, "legal-path", {"bond_status": "set"}).status_code == 400  # set, without its amount


def test_only_its_team_sees_a_case_and_the_team_adds_only_case_workers(
    desk: Client, dispatcher: User, rapid_response: WorkingGroup, responder: User
) -> None:
    case = open_case(dispatcher)
    other_dispatcher = make_member("otra.dispatcher", rapid_response, Role.DISPATCHER)
    stranger = client_for(other_dispatcher)

    # A dispatcher who is not on the team: the case does not exist for them.
    assert stranger.get(page(case)).status_code == 404
    assert act(stranger, case, "note", {"text": "Hello"}).status_code == 404
    assert reverse("cases:case", args=[case.code]) not in stranger.get(reverse("cases:list")).content.decode()
    incident_page = stranger.get(reverse("incidents:incident", args=[case.incident.code])).content.decode()  # type: ignore[union-attr]
    assert "1 case opened from this incident." in incident_page
    assert reverse("cases:case", args=[case.code]) not in incident_page
    # Nor for a responder, who does not work cases at all.
    assert client_for(responder).get(reverse("cases:list")).status_code == 404
    assert views_of(case) == 0

    # The team adds dispatchers and case workers only.
    assert act(desk, case, "member", {"username": responder.username}).status_code == 400
    worker = case_worker("cata.caseworker", rapid_response)
    assert act(desk, case, "member", {"username": worker.username}).status_code == 302
    assert client_for(worker).get(page(case)).status_code == 200
    assert act(desk, case, "member", {"username": other_dispatcher.username}).status_code == 302
    assert stranger.get(page(case)).status_code == 200
    # Taking people off; the last one stays.
    assert act(desk, case, "member-remove", {"username": worker.username}).status_code == 302
    assert client_for(worker).get(page(case)).status_code == 404
    assert act(stranger, case, "member-remove", {"username": dispatcher.username}).status_code == 302
    assert desk.get(page(case)).status_code == 404
    assert act(stranger, case, "member-remove", {"username": other_dispatcher.username}).status_code == 409
    assert list(case.team.all()) == [other_dispatcher]


def test_every_view_of_a_case_is_audited_with_no_content(desk: Client, dispatcher: User) -> None:
    case = open_case(dispatcher)
    before = views_of(case)

    desk.get(page(case))
    desk.get(page(case))
    act(desk, case, "note", {"text": ""})  # refused: the page shown again with the error is a view too

    assert views_of(case) == before + 3
    entries = AuditEntry.objects.filter(object_type="incidents.case")
    assert all("Rosales" not in str(entry.detail) for entry in entries)
    assert {entry.actor for entry in entries} == {str(dispatcher.uuid)}


def test_closing_erases_the_identifiers_at_once_and_withdraws_the_bond_request(
    desk: Client,
    dispatcher: User,
    fund: FakeFund,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    case = open_case(dispatcher)
    act(desk, case, "legal-path", {"held_at": "Demo County", "bond_status": "set", "bond_amount": "3000"})
    act(desk, case, "identifiers", {"a_number": A_NUMBER, "name_on_record": NAME_ON_RECORD, "booking_number": "B-77"})
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, case, "bond")

    with django_capture_on_commit_callbacks(execute=True):
        assert act(desk, case, "close").status_code == 302

    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.closed_at is not None
    with connection.cursor() as cursor:
        columns = ", ".join(case_models.IDENTIFIERS)
        cursor.execute(f"SELECT {columns} FROM incidents_case WHERE id = %s", [case.pk])  # noqa: S608  (our names)
        assert cursor.fetchone() == ("", "", "", "")
    request = BondRequest.objects.get()
    assert request.state == BondRequestState.WITHDRAWN
    assert [state for _uuid, state in fund.told] == ["requested", "withdrawn"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT payer_note FROM core_bondrequest")
        assert cursor.fetchone() == ("",)
    assert act(desk, case, "note", {"text": "Too late"}).status_code == 409
    assert NAME_ON_RECORD not in desk.get(page(case)).content.decode()


def test_a_case_does_not_close_while_a_fund_is_paying_its_bond(
    desk: Client,
    dispatcher: User,
    fund: FakeFund,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    case = open_case(dispatcher)
    act(desk, case, "legal-path", {"bond_status": "set", "bond_amount": "3000"})
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, case, "bond")
    fund.pick_up()

    assert act(desk, case, "close").status_code == 409
    assert act(desk, case, "legal-path", {"bond_status": "denied"}).status_code == 409
    assert Case.objects.get().state == CaseState.OPEN


def test_closed_cases_go_after_the_retention_period_and_open_ones_stay(dispatcher: User) -> None:
    closing = open_case(dispatcher)
    cases.do_add_need(closing, "food", "Groceries for a week", by=dispatcher)
    cases.do_add_task(closing, "Bring groceries", assignee=dispatcher, due_on=None, by=dispatcher)
    cases.do_add_case_note(closing, "Called the family", by=dispatcher)
    cases.do_add_hearing(closing, "master", timezone.localdate(), "", by=dispatcher)
    cases.do_close_case(closing, by=dispatcher)
    staying = open_case(dispatcher, for_whom="Familia Duarte")

    with time_machine.travel(timezone.now() + timedelta(days=89)):
        retention.purge()
    assert Case.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        retention.purge()

    assert list(Case.objects.all()) == [staying]
    for model in (CaseNeed, CaseTask, CaseNote, Hearing):
        assert not model.objects.exists(), model
    assert AuditEntry.objects.filter(action=AuditAction.PURGED, object_type="incidents.case").exists()


def test_no_field_asks_for_anyone_immigration_status() -> None:
    words = ("immigration", "visa", "document", "citizen", "resident", "asylum", "legal_status", "status_of")
    for model in (Case, CaseNeed, CaseTask, CaseNote, Hearing, BondRequest):
        for field in model._meta.get_fields():
            assert not any(word in field.name for word in words), f"{model.__name__}.{field.name}"


def test_the_case_page_reads_in_spanish(dispatcher: User) -> None:
    case = open_case(dispatcher)
    client = client_for(dispatcher)
    shown = client.get(f"/es/cases/{case.code}/").content.decode()
    assert "Necesidades" in shown
    assert "Cerrar el caso" in shown


def test_the_bond_does_not_change_under_a_request_out_to_the_fund(desk: Client, dispatcher: User) -> None:
    case = open_case(dispatcher)
    act(desk, case, "legal-path", {"bond_status": "set", "bond_amount": "3000"})
    act(desk, case, "bond")

    assert act(desk, case, "legal-path", {"bond_status": "set", "bond_amount": "4000"}).status_code == 409
    assert (
        act(desk, case, "legal-path", {"held_at": "Moved", "bond_status": "set", "bond_amount": "3000"}).status_code
        == 302
    )
    assert act(desk, case, "bond-withdraw").status_code == 302
    assert act(desk, case, "legal-path", {"bond_status": "set", "bond_amount": "4000"}).status_code == 302
    assert BondRequest.objects.get().state == BondRequestState.WITHDRAWN


def test_the_list_of_cases_costs_the_same_queries_however_many(
    desk: Client, dispatcher: User, django_assert_num_queries: Any
) -> None:
    open_case(dispatcher)
    desk.get(reverse("cases:list"))  # the session and roles, warmed
    with CaptureQueriesContext(connection) as one:
        desk.get(reverse("cases:list"))
    for name in ("Familia Duarte", "Familia Soto", "Familia Luna"):
        open_case(dispatcher, for_whom=name)

    with django_assert_num_queries(len(one.captured_queries)):
        shown = desk.get(reverse("cases:list")).content.decode()
    assert shown.count('<li class="card">') == 4
