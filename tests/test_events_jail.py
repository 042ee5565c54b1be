"""Jail support at an action: the board (two fictional arrests, forward one tap at a time), criminal bail through
core.bonds to the medical and legal fund, arrest plans read only by the two leads (every read audited) and deleted
after the action unless linked, the arm cards, and who reaches what (404 for anyone else).

Support names, places and numbers are fictional (555-01xx)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # it ships no type hints
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import retention, timers
from solidarity.core.bond_models import BondRequest, BondRequestKind, BondRequestState
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.core.services import local
from solidarity.events.jail import (
    ArrestValues,
    PlanValues,
    arrest_counts,
    do_advance_arrest,
    do_end_support,
    do_link_plan,
    do_record_arrest,
    do_request_bail,
    do_save_plan,
    do_set_jail_leads,
    forget_old_arrests,
)
from solidarity.events.models import Action, Arrest, ArrestPlan, ArrestState, SignUp, Slot
from solidarity.events.models import Role as SlotRole
from solidarity.funds.models import Category, Disbursement, FundKind, RequestState
from solidarity.people.models import Person
from tests.factories.accounts import add_totp, client_for, make_member, make_user
from tests.factories.events import make_action, published_action
from tests.factories.funds import make_fund
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., Any]


@pytest.fixture
def action(medics: WorkingGroup, coordinator: User) -> Action:
    return published_action(medics, coordinator)


@pytest.fixture
def lead(rapid_response: WorkingGroup) -> User:
    """A jail-support lead from ANOTHER group (leads are members of the network), with a second factor."""
    user = make_member("lu.lead", rapid_response, Role.MEMBER)
    add_totp(user)
    return user


@pytest.fixture
def led(action: Action, lead: User, coordinator: User) -> Action:
    do_set_jail_leads(action, [lead], by=coordinator)
    return action


def participant(name: str = "pat.participant") -> tuple[User, Person]:
    user = make_user(name)
    return user, make_person("Pat Ejemplo", user=user, windows=())


def jail_sign_up(action: Action, person: Person, role: str = SlotRole.JAIL_SUPPORT, state: str = "signed_up") -> SignUp:
    slot = Slot.objects.create(action=action, role=role, starts_at=action.starts_at, ends_at=action.ends_at, needed=4)
    return SignUp.objects.create(slot=slot, person=person, code=f"JS{SignUp.objects.count() + 22}", state=state)


def an_arrest(action: Action, by: User, name: str = "Sparrow") -> Arrest:
    return do_record_arrest(action, ArrestValues(support_name=name, arrested_at=timezone.now()), by=by)


def board_url(action: Action, tail: str = "") -> str:
    return f"/en/actions/{action.code}/jail/{tail}"


def arrest_url(arrest: Arrest, tail: str = "") -> str:
    return f"/en/actions/{arrest.action.code}/jail/arrests/{arrest.uuid}/{tail}"


# The board.


def test_two_arrests_go_forward_one_tap_at_a_time(action: Action, coordinator: User) -> None:
    client = client_for(coordinator)
    at = local(timezone.now()).strftime("%Y-%m-%dT%H:%M")
    for name in ("Sparrow", "Heron"):
        answer = client.post(board_url(action, "arrests/new/"), {"support_name": name, "arrested_at": at})
        assert answer.status_code == 302
    sparrow, heron = action.arrests.order_by("pk")

    refused = client.post(arrest_url(sparrow, "advance/"), {})  # located needs where
    assert refused.status_code == 400
    client.post(arrest_url(sparrow, "advance/"), {"where": "Fictional County Jail"})
    client.post(arrest_url(sparrow, "advance/"), {})
    client.post(arrest_url(sparrow, "advance/"), {})
    sparrow.refresh_from_db()
    assert sparrow.state == ArrestState.RELEASED
    assert sparrow.released_at is not None
    assert sparrow.where == "Fictional County Jail"
    assert client.post(arrest_url(sparrow, "advance/"), {}).status_code == 400  # never further, never back

    page = client.get(board_url(action)).content.decode()
    assert "Sparrow" in page
    assert "Heron" in page
    assert "Fictional County Jail" in page
    assert "never a legal name" in page
    assert arrest_counts(action) == {"arrested": 1, "located": 0, "arraigned": 0, "released": 1}
    assert heron.state == ArrestState.ARRESTED
    entries = AuditEntry.objects.filter(object_type="events.arrest")
    assert not any("Sparrow" in str(entry.detail) or "Fictional" in str(entry.detail) for entry in entries)


def test_needs_and_note_are_changed_on_the_arrest_page(action: Action, coordinator: User) -> None:
    arrest = an_arrest(action, coordinator)
    at = local(arrest.arrested_at).strftime("%Y-%m-%dT%H:%M")
    data = {"support_name": "Sparrow", "arrested_at": at, "needs_ride": "on", "needs_call": "on", "note": "Asthma"}
    assert client_for(coordinator).post(arrest_url(arrest), data).status_code == 302
    arrest.refresh_from_db()
    assert arrest.needs_ride
    assert arrest.needs_call
    assert not arrest.needs_medicine
    assert arrest.note == "Asthma"
    held_too_soon = client_for(coordinator).post(arrest_url(arrest), data | {"where": "Precinct 9"})
    assert held_too_soon.status_code == 400  # where is held comes once located
    assert "Asthma" not in str(Arrest.objects.filter(pk=arrest.pk).values_list("note", flat=True).query)


def test_board_is_for_coordinators_leads_and_jail_support_sign_ups(
    led: Action, coordinator: User, lead: User, medic: User, outsider: User, other_coordinator: User
) -> None:
    action = led
    supporter, person = participant("sam.supporter")
    jail_sign_up(action, person)
    marshal, marshal_person = participant("max.marshal")
    jail_sign_up(action, marshal_person, SlotRole.MARSHAL)
    gave_back, gave_back_person = participant("gia.gaveback")
    jail_sign_up(action, gave_back_person, state="cancelled")

    for user in (coordinator, lead, supporter):
        assert client_for(user).get(board_url(action)).status_code == 200, user.username
    for user in (medic, outsider, other_coordinator, marshal, gave_back):
        assert client_for(user).get(board_url(action)).status_code == 404, user.username
    assert Client().get(board_url(action)).status_code == 302


def test_every_view_of_the_board_is_audited(action: Action, coordinator: User) -> None:
    an_arrest(action, coordinator)
    client = client_for(coordinator)
    client.get(board_url(action))
    client.get(board_url(action))
    views = AuditEntry.objects.filter(object_type="events.jail_board", action="viewed")
    assert views.count() == 2
    assert views.latest("seq").actor == str(coordinator.uuid)
    assert views.latest("seq").detail == {"arrests": 1}


# Criminal bail.


def test_bail_request_reaches_the_medical_and_legal_fund_as_a_waiting_bail_payment(
    action: Action,
    coordinator: User,
    funds: WorkingGroup,
    treasurer: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    make_fund(funds, treasurer, "Bond Fund")
    fund = make_fund(funds, treasurer, "Medical and Legal Fund", kind=FundKind.MEDICAL_LEGAL)
    arrest = an_arrest(action, coordinator)
    client = client_for(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(arrest_url(arrest, "bail/"), {"amount": "500", "payer_note": "Window 3, Fictional Court"})
    assert answer.status_code == 302

    arrest.refresh_from_db()
    request = arrest.bail_request
    assert request is not None
    assert request.kind == BondRequestKind.BAIL
    request.refresh_from_db()
    assert request.state == BondRequestState.PICKED_UP
    assert request.source == "events.arrest"
    assert request.reference == arrest.uuid
    paying = Disbursement.objects.get(bond_request=request)
    assert paying.fund == fund
    assert paying.category == Category.BAIL
    assert paying.state == RequestState.WAITING
    assert paying.cents == 50_000
    assert "picked up by the fund" in client.get(board_url(action)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(arrest_url(arrest, "bail/withdraw/")).status_code == 302
    request.refresh_from_db()
    paying.refresh_from_db()
    assert request.state == BondRequestState.WITHDRAWN
    assert request.payer_note == ""
    assert paying.state == RequestState.WITHDRAWN
    assert "withdrawn" in client.get(board_url(action)).content.decode()


def test_one_live_bail_request_at_a_time_and_none_once_released(action: Action, coordinator: User) -> None:
    arrest = an_arrest(action, coordinator)
    do_request_bail(arrest, "250", by=coordinator)
    with pytest.raises(ValidationError) as refused:
        do_request_bail(arrest, "300", by=coordinator)
    assert refused.value.code == "bail_live"
    answer = client_for(coordinator).post(arrest_url(arrest, "bail/"), {"amount": "0"})
    assert answer.status_code == 400
    for _step in range(3):
        do_advance_arrest(arrest, by=coordinator, where="Fictional County Jail")
    with pytest.raises(ValidationError):
        do_request_bail(arrest, "100", by=coordinator)
    do_end_support(arrest, by=coordinator)  # a live request is withdrawn with the support
    assert BondRequest.objects.get(reference=arrest.uuid).state == BondRequestState.WITHDRAWN


# Arrest plans.


def test_a_participant_fills_in_a_plan_only_the_leads_read_every_read_audited(
    led: Action, coordinator: User, lead: User, medic: User, outsider: User
) -> None:
    action = led
    user, person = participant()
    data = {"support_name": "Wren", "who_to_call": "My sister, (919) 555-0123", "medication": "Insulin twice daily"}
    assert client_for(user).post(f"/en/actions/{action.code}/arrest-plan/", data).status_code == 302
    plan = ArrestPlan.objects.get(action=action, person=person)
    assert plan.medication == "Insulin twice daily"
    raw = ArrestPlan.objects.filter(pk=plan.pk).values_list("medication", flat=True).get()
    assert "Insulin" not in str(raw)

    for refused in (coordinator, medic, outsider, user):
        assert client_for(refused).get(board_url(action, "plans/")).status_code == 404, refused.username
    before = AuditEntry.objects.filter(object_type="events.arrestplan", action="viewed").count()
    page = client_for(lead).get(board_url(action, "plans/")).content.decode()
    assert "Insulin twice daily" in page
    assert "Wren" in page
    read = AuditEntry.objects.filter(object_type="events.arrestplan", action="viewed").latest("seq")
    assert AuditEntry.objects.filter(object_type="events.arrestplan", action="viewed").count() == before + 1
    assert str(plan.uuid) in read.object_ids
    assert read.actor == str(lead.uuid)
    assert "Insulin" not in str(read.detail)
    assert "Wren" not in str(read.detail)

    own = client_for(user).get(f"/en/actions/{action.code}/arrest-plan/").content.decode()
    assert "Insulin twice daily" in own  # one's own plan, to change


def test_a_participant_changes_or_deletes_their_plan_until_the_action_ends(action: Action) -> None:
    user, person = participant()
    client = client_for(user)
    url = f"/en/actions/{action.code}/arrest-plan/"
    client.post(url, {"support_name": "Wren"})
    client.post(url, {"support_name": "Wren", "pets_and_car": "Cat: neighbour has a key"})
    assert ArrestPlan.objects.get(person=person).pets_and_car == "Cat: neighbour has a key"
    client.post(url + "delete/")
    assert not ArrestPlan.objects.filter(person=person).exists()
    client.post(url, {"support_name": "Wren"})
    with time_machine.travel(action.ends_at + timedelta(minutes=1)):
        client = client_for(user)
        assert client.post(url, {"support_name": "Robin"}).status_code == 400
        client.post(url + "delete/")
    assert ArrestPlan.objects.get(person=person).support_name == "Wren"


def test_draft_actions_plans_are_for_the_group_only(medics: WorkingGroup, coordinator: User) -> None:
    draft = make_action(medics, coordinator)
    user, _person = participant()
    assert client_for(user).get(f"/en/actions/{draft.code}/arrest-plan/").status_code == 404
    page = client_for(coordinator).get(f"/en/actions/{draft.code}/arrest-plan/")
    assert page.status_code == 200
    assert "person record" in page.content.decode()


def test_plans_are_deleted_a_day_after_the_action_unless_linked(led: Action, coordinator: User, lead: User) -> None:
    action = led
    kept_user, kept_person = participant("kim.kept")
    gone_user, gone_person = participant("gus.gone")
    kept = do_save_plan(action, kept_person, PlanValues(support_name="Finch"), by=kept_user)
    do_save_plan(action, gone_person, PlanValues(support_name="Lark"), by=gone_user)
    arrest = an_arrest(action, lead, "Finch")
    do_link_plan(arrest, kept, by=lead)

    with time_machine.travel(action.ends_at + timedelta(hours=23)):
        timers.run_once()
    assert ArrestPlan.objects.filter(action=action).count() == 2
    with time_machine.travel(action.ends_at + timedelta(hours=25)):
        timers.run_once()
    assert list(ArrestPlan.objects.filter(action=action)) == [kept]
    assert AuditEntry.objects.filter(object_type="events.arrestplan", action="purged").exists()

    for _step in range(3):
        do_advance_arrest(arrest, by=lead, where="Fictional County Jail")
    client_for(lead).post(arrest_url(arrest, "end-support/"))
    assert not ArrestPlan.objects.filter(action=action).exists()  # support ended: purged at once
    arrest.refresh_from_db()
    assert arrest.support_ended_at is not None
    assert "Finch" not in client_for(lead).get(board_url(action)).content.decode()

    assert arrest.support_ended_at is not None
    with time_machine.travel(arrest.support_ended_at + timedelta(days=30, minutes=1)):
        timers.run_once()
    arrest.refresh_from_db()
    assert arrest.support_name == ""
    assert arrest.where == ""
    assert arrest.state == ArrestState.RELEASED
    assert arrest_counts(action)["released"] == 1


def test_a_lead_links_a_plan_chosen_by_support_name_when_recording(led: Action, lead: User) -> None:
    user, person = participant()
    plan = do_save_plan(led, person, PlanValues(support_name="Wren", medication="Inhaler"), by=user)
    client = client_for(lead)
    form = client.get(board_url(led, "arrests/new/")).content.decode()
    assert "Wren" in form
    at = local(timezone.now()).strftime("%Y-%m-%dT%H:%M")
    client.post(board_url(led, "arrests/new/"), {"support_name": "Wren", "arrested_at": at, "plan": str(plan.uuid)})
    plan.refresh_from_db()
    assert plan.arrest is not None
    assert plan.arrest.support_name == "Wren"
    assert "Inhaler" in client.get(arrest_url(plan.arrest)).content.decode()


def test_the_retention_rules_are_a_safety_net(led: Action, lead: User) -> None:
    user, person = participant()
    do_save_plan(led, person, PlanValues(support_name="Wren"), by=user)
    arrest = an_arrest(led, lead)
    for _step in range(3):
        do_advance_arrest(arrest, by=lead, where="Fictional County Jail")
    Arrest.objects.filter(pk=arrest.pk).update(support_ended_at=timezone.now() - timedelta(days=31))
    names = {"events.arrest-plans-unlinked", "events.arrest-plans-ended", "events.arrests"}
    assert names <= set(retention.RULES)

    retention.purge(now=led.ends_at + timedelta(days=2))
    assert not ArrestPlan.objects.exists()
    assert forget_old_arrests() == 1
    assert Arrest.objects.get(pk=arrest.pk).support_name == ""


# Leads.


def test_coordinators_name_at_most_two_leads_each_with_a_second_factor(
    action: Action, coordinator: User, lead: User, medic: User, medics: WorkingGroup
) -> None:
    second = make_member("li.lead", medics, Role.MEMBER)
    add_totp(second)
    third = make_member("lo.lead", medics, Role.MEMBER)
    add_totp(third)
    url = board_url(action, "leads/")
    client = client_for(coordinator)
    assert client.post(url, {"first": "nobody.here"}).status_code == 400
    assert client.post(url, {"first": medic.username}).status_code == 400  # no second factor
    assert client.post(url, {"first": lead.username, "second": second.username}).status_code == 302
    assert set(action.jail_leads.all()) == {lead, second}  # a lead from another group: any member of the network
    with pytest.raises(ValidationError):
        do_set_jail_leads(action, [lead, second, third], by=coordinator)
    assert second.username in client.get(url).content.decode()
    assert client_for(medic).get(url).status_code == 404
    assert client_for(lead).get(url).status_code == 404  # a lead, not a coordinator


# The arm cards.


def test_arm_cards_are_a_pdf_with_the_hotline(action: Action, medic: User, outsider: User) -> None:
    page = client_for(medic).get(board_url(action, "cards/"))
    assert page.status_code == 200
    assert "(919) 555-0177" in page.content.decode()
    answer = client_for(medic).get(board_url(action, "cards.pdf"), {"layout": "sides"})
    assert answer["Content-Type"] == "application/pdf"
    english, spanish = pdfium.PdfDocument(answer.content)
    text = " ".join(str(english.get_textpage().get_text_range()).replace("\xa0", " ").split())
    assert "(919) 555-0177" in text
    assert "Jail support / Apoyo en la" in text
    assert "phones get taken" in text
    assert "los teléfonos" in " ".join(str(spanish.get_textpage().get_text_range()).split())
    assert client_for(outsider).get(board_url(action, "cards.pdf")).status_code == 404


def test_without_a_hotline_the_cards_page_says_how_to_add_one(medics: WorkingGroup, coordinator: User) -> None:
    action = published_action(medics, coordinator, hotline="")
    page = client_for(coordinator).get(board_url(action, "cards/")).content.decode()
    assert f"/en/actions/{action.code}/edit/" in page
    assert client_for(coordinator).get(board_url(action, "cards.pdf")).status_code == 400


# Nobody else.


def test_outsiders_get_404_everywhere(led: Action, coordinator: User, outsider: User, other_coordinator: User) -> None:
    arrest = an_arrest(led, coordinator)
    urls = [
        board_url(led),
        board_url(led, "arrests/new/"),
        arrest_url(arrest),
        arrest_url(arrest, "advance/"),
        arrest_url(arrest, "bail/"),
        arrest_url(arrest, "bail/withdraw/"),
        arrest_url(arrest, "end-support/"),
        arrest_url(arrest, "plan/"),
        board_url(led, "plans/"),
        board_url(led, "leads/"),
        board_url(led, "cards/"),
        board_url(led, "cards.pdf"),
    ]
    for user in (outsider, other_coordinator):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code in (404, 405), url
            assert client.post(url, {}).status_code in (404, 405), url
    arrest.refresh_from_db()
    assert arrest.state == ArrestState.ARRESTED
