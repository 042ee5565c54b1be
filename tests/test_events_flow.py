"""Issue 20's "Done when", end to end through the JSON API (API tokens, as an organiser's script would call it):
organisers run the seed's counter-demonstration from Solidarity alone. The public page, flyer and calendar file;
slots with sign-ups that refuse a lapsed medic and pair the rest; the confirmation at once and the update list
with an update reaching everyone signed up; the checklist with kits packed in supplies, the legal-observer
request and the medical and legal fund; check-in on the day; a jail-support board after two fictional arrests
with a criminal bail request reaching the funds part (kept apart from the bond fund); attendance and the debrief.
Then the same story's key pages in Spanish.

Time is frozen and moved with time_machine (the week before, the day, the evening after). Places, numbers and
people are fictional (555-01xx)."""

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.permissions import Role
from solidarity.events.models import Role as SlotRole
from solidarity.events.models import SignUp
from solidarity.events.signups import SlotValues, do_add_slot, do_check_in, do_sign_up
from solidarity.funds.models import Category, Disbursement, Fund, FundKind
from solidarity.funds.requests import PayValues, do_approve_disbursement, do_pay_disbursement
from solidarity.lists.models import Broadcast, Subscription, SubscriptionState
from solidarity.messaging.models import Channel, Message
from solidarity.people.models import Certification, Person
from solidarity.people.services import do_grant_certification
from solidarity.supplies.services import do_pack_kit, do_save_kit_template
from tests.factories.accounts import bearer, client_for, make_member
from tests.factories.events import published_action
from tests.factories.funds import give, make_fund
from tests.factories.messaging import texts_out
from tests.factories.people import make_person, skill
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

API = "/api/v1"
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=NEW_YORK)  # the week before
ACTION_AT = datetime(2026, 3, 7, 13, 0, tzinfo=NEW_YORK)  # the Saturday after, for four hours
MEDIC_SKILL = "street-medic-basic"
TITLE_ES = "Contramanifestación en la plaza"


def phone(index: int) -> str:
    return f"+1919555{index + 100:04d}"  # 555-01xx: fictional


class Caller:
    """An API client holding one account's token (a script of an organiser, or a member's phone app)."""

    def __init__(self, user: User) -> None:
        self.headers = bearer(do_create_token(user, name="flow").secret)
        self.client = Client()

    def __call__(self, method: str, path: str, body: dict[str, Any] | None = None, language: str = "") -> Any:
        headers = self.headers | ({"Accept-Language": language} if language else {})
        data = json.dumps(body or {})
        return self.client.generic(method, API + path, data, content_type="application/json", headers=headers)


def member_with_person(username: str, group: WorkingGroup, index: int, *, medic: str = "") -> tuple[User, Person]:
    """A member of `group` with a person record reached by SMS; `medic`: "current" or "lapsed" certification."""
    user = make_member(username, group, Role.MEMBER)
    person = make_person(f"Volunteer {index}", phones=[phone(index)], user=user, windows=())
    if medic:
        certification = do_grant_certification(person, skill(MEDIC_SKILL), by=None, signed_off=True)
        if medic == "lapsed":
            Certification.objects.filter(pk=certification.pk).update(lapses_at=MONDAY - timedelta(days=10))
    return user, person


def sent_to(outbox: Path, number: str) -> list[str]:
    return [sent["body"] for sent in texts_out(outbox) if sent["to"] == number]


def steps(call: Caller, code: str) -> dict[str, dict[str, Any]]:
    answer = call("GET", f"/actions/{code}/checklist")
    assert answer.status_code == 200
    return {step["kind"]: step for step in answer.json()["items"]}


def pack_one_kit(group: WorkingGroup, by: User) -> None:
    """One street-medic kit per pair, packed in supplies from stock that outlasts the action."""
    depot = make_location(group, by, "Fictional depot")
    gauze = make_item(group, by, "GAUZE", name_en="Gauze")
    water = make_item(group, by, "WATER", name_en="Water bottle")
    receive(depot, gauze, 10, by, expires_on=ACTION_AT.date() + timedelta(days=90))
    receive(depot, water, 10, by)
    template = do_save_kit_template(
        group, {gauze: 2, water: 2}, by=by, name_en="Street-medic kit per pair", name_es="Botiquín por pareja"
    )
    do_pack_kit(template, depot, by=by, name="Kit 1")


@pytest.fixture
def monday() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=False):
        yield


def test_organisers_run_the_counter_demonstration_from_solidarity_alone(
    medics: WorkingGroup,
    coordinator: User,
    medic: User,
    funds: WorkingGroup,
    treasurer: User,
    loopback: Path,
    monday: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    cora = Caller(coordinator)

    # 1. The action, planned and published by API; its public page, flyer and calendar file for anyone.
    made = cora(
        "POST",
        f"/groups/{medics.slug}/actions",
        {
            "title_en": "Counter-demonstration at the plaza",
            "title_es": TITLE_ES,
            "description_en": "We answer hate with a crowd. Peaceful, family friendly.",
            "description_es": "Respondemos al odio con una multitud. Pacífica y para toda la familia.",
            "bring_en": "Water, a snack, comfortable shoes.",
            "starts_at": ACTION_AT.isoformat(),
            "ends_at": (ACTION_AT + timedelta(hours=4)).isoformat(),
            "gathering_place": "Fictional Plaza, north steps",
            "contact": "actions@example.org",
            "hotline": "(919) 555-0177",
            "expected_size": 300,
        },
    )
    assert made.status_code == 201, made.content
    code = made.json()["code"]
    ends_at = ACTION_AT + timedelta(hours=4)
    assert made.json()["state"] == "draft"
    assert Client().get(f"/en/a/{code}/").status_code == 404  # nothing public before it is published
    published = cora("POST", f"/actions/{code}/publish")
    assert published.json()["state"] == "published"
    assert published.json()["public_url"].endswith(f"/en/a/{code}/")

    anyone = Client()
    page = anyone.get(f"/en/a/{code}/")
    assert page.status_code == 200
    assert len(page.content) < 100_000
    assert "Fictional Plaza, north steps" in page.content.decode()
    assert TITLE_ES in anyone.get(f"/es/a/{code}/").content.decode()
    flyer = anyone.get(f"/en/a/{code}/flyer.pdf")
    assert (flyer.status_code, flyer["Content-Type"]) == (200, "application/pdf")
    assert flyer.content.startswith(b"%PDF")
    calendar = anyone.get(f"/en/a/{code}/calendar.ics")
    assert calendar.status_code == 200
    assert calendar["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in calendar.content

    # 2. Slots: marshals, street medics in pairs with a current skill, a short jail-support shift.
    def slot(role: str, needed: int, starts: datetime, hours: int, **more: Any) -> dict[str, Any]:
        body = {"role": role, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=hours)).isoformat()}
        answer = cora("POST", f"/actions/{code}/slots", body | {"needed": needed} | more)
        assert answer.status_code == 201, answer.content
        created: dict[str, Any] = answer.json()
        return created

    marshals = slot("marshal", 2, ACTION_AT, 4)
    street_medics = slot("medic", 4, ACTION_AT, 4, skill=MEDIC_SKILL)
    jail = slot("jail_support", 2, ends_at, 3)
    assert (street_medics["in_pairs"], street_medics["skill"], marshals["in_pairs"]) == (True, MEDIC_SKILL, False)
    assert datetime.fromisoformat(jail["ends_at"]) - datetime.fromisoformat(jail["starts_at"]) == timedelta(hours=3)

    # Sign-ups: a current medic is taken and waits for a partner; a lapsed one is refused; a second pairs them.
    mia = make_person("Mia Ejemplo", phones=[phone(1)], user=medic, windows=())
    do_grant_certification(mia, skill(MEDIC_SKILL), by=None, signed_off=True)
    lapsed_user, lapsed = member_with_person("lee.lapsed", medics, 2, medic="lapsed")
    max_user, _max = member_with_person("max.medic", medics, 3, medic="current")
    medics_path = f"/actions/{code}/slots/{street_medics['id']}/sign-ups"

    mia_seat = Caller(medic)("POST", medics_path)
    assert mia_seat.status_code == 201, mia_seat.content
    assert mia_seat.json()["is_waiting_for_partner"] is True
    assert cora("GET", f"/actions/{code}/slots/{street_medics['id']}").json()["has_lone_medic"] is True
    refused = Caller(lapsed_user)("POST", medics_path)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "skill_lapsed")
    max_seat = Caller(max_user)("POST", medics_path)
    assert max_seat.status_code == 201
    assert max_seat.json()["is_waiting_for_partner"] is False
    paired = cora("GET", f"/actions/{code}/slots/{street_medics['id']}").json()
    assert (paired["taken"], paired["pairs"], paired["has_lone_medic"]) == (2, 1, False)
    assert not SignUp.objects.filter(person=lapsed).exists()

    # Marshals and jail support, signed up by the organisers (people without an account).
    others = [make_person(f"Volunteer {i}", phones=[phone(i)], windows=()) for i in (4, 5, 6)]
    seats = [
        cora("POST", f"/actions/{code}/slots/{slot_id}/sign-ups", {"person": str(person.uuid)})
        for slot_id, person in zip((marshals["id"], marshals["id"], jail["id"]), others, strict=True)
    ]
    assert [answer.status_code for answer in seats] == [201, 201, 201]
    sign_ups = cora("GET", f"/actions/{code}/sign-ups").json()
    assert sign_ups["count"] == 5

    # 3. Reminders: each confirmation went to the outbox at once, by SMS, and out through the provider.
    for seat in sign_ups["items"]:
        confirmation = Message.objects.get(idempotency_key__startswith=f"events.signed-up:{seat['id']}:")
        assert confirmation.channel == Channel.SMS
    mia_code = mia_seat.json()["code"]
    assert any(f"DROP {mia_code}" in text for text in sent_to(loopback, phone(1)))

    # The update list: everyone signed up is on it; an update reaches each of them.
    opened = cora("POST", f"/actions/{code}/update-list")
    assert opened.status_code == 200
    subscribed = Subscription.objects.filter(announcement_list__slug=opened.json()["slug"])
    assert subscribed.filter(state=SubscriptionState.CONFIRMED).count() == 5
    update = cora("POST", f"/actions/{code}/updates", {"text_en": "Meet at the north steps, not the fountain."})
    assert (update.status_code, update.json()["messages"]) == (201, 5)
    broadcast = Broadcast.objects.get(uuid=update.json()["id"])
    assert Message.objects.filter(batch=broadcast.batch).count() == 5
    for index in (1, 3, 4, 5, 6):
        assert "Meet at the north steps" in sent_to(loopback, phone(index))[-1]

    # 4. The checklist: the public page and the update list done by themselves.
    seen = steps(cora, code)
    assert seen["public_page"]["is_done"] is True
    assert seen["update_list"]["is_done"] is True
    assert seen["medics"]["is_done"] is False  # a pair, but no kit yet
    assert seen["fund"]["is_done"] is False

    # The legal-observer request, recorded, and its text to send (place and expected size in it).
    observers = cora(
        "PUT",
        f"/actions/{code}/legal-observers",
        {
            "requested_from": "Fictional Lawyers Guild",
            "requested_on": timezone.localdate().isoformat(),
            "point_person": str(coordinator.uuid),
        },
    )
    assert observers.status_code == 200
    assert observers.json()["state"] == "requested"
    text = cora("GET", f"/actions/{code}/legal-observers/request-text").json()["text"]
    assert "Place: Fictional Plaza, north steps" in text
    assert "Expected size: about 300 people" in text
    assert "Organisation: Street Medics Committee" in text

    # Kits from supplies, and a medical and legal fund with money in it (a bond fund stays apart).
    pack_one_kit(medics, coordinator)
    medical_legal = make_fund(funds, treasurer, "Medical and Legal Fund", kind=FundKind.MEDICAL_LEGAL)
    bond_fund = make_fund(funds, treasurer, "Immigration Bond Fund", kind=FundKind.BOND)
    give(medical_legal, 250_000, by=treasurer)
    give(bond_fund, 500_000, by=treasurer)
    seen = steps(cora, code)
    assert seen["medics"]["is_done"] is True, seen["medics"]["missing"]
    assert seen["fund"]["is_done"] is True, seen["fund"]["missing"]
    assert seen["observers"]["is_done"] is False  # requested, not confirmed yet
    assert "Fictional Lawyers Guild" in seen["observers"]["missing"]

    # 5. The day: both medics checked in, one checked out.
    with time_machine.travel(ACTION_AT - timedelta(minutes=30), tick=False):
        for seat in (mia_seat, max_seat):
            checked = cora("POST", f"/actions/{code}/sign-ups/{seat.json()['id']}/check-in")
            assert checked.status_code == 200, checked.content
            assert checked.json()["checked_in_at"]
    with time_machine.travel(ACTION_AT + timedelta(hours=2), tick=False):
        out = cora("POST", f"/actions/{code}/sign-ups/{max_seat.json()['id']}/check-out")
        assert out.status_code == 200
        assert out.json()["checked_out_at"]

        # 6. Jail support: two arrests by support name; one located; a criminal bail request for her.
        board = f"/actions/{code}/arrests"
        arrests = [
            cora("POST", board, {"support_name": name, "arrested_at": timezone.now().isoformat(), "needs_ride": True})
            for name in ("Sparrow", "Heron")
        ]
        assert [answer.status_code for answer in arrests] == [201, 201]
        sparrow = arrests[0].json()["id"]
        located = cora("POST", f"{board}/{sparrow}/advance", {"where": "Fictional County Jail"})
        assert located.json()["state"] == "located"
        with django_capture_on_commit_callbacks(execute=True):
            bailed = cora("POST", f"{board}/{sparrow}/bail", {"cents": 75_000})
        assert bailed.status_code == 200, bailed.content
        listed = cora("GET", board).json()
        assert listed["count"] == 2
        assert {item["support_name"]: item["state"] for item in listed["items"]} == {
            "Sparrow": "located",
            "Heron": "arrested",
        }

    # The bail reached the funds part: a waiting payment of category bail, in the medical and legal fund only.
    payment = Disbursement.objects.get(serves_reference=sparrow)
    assert (payment.fund, payment.category, payment.cents) == (medical_legal, Category.BAIL, 75_000)
    assert not Disbursement.objects.filter(fund=bond_fund).exists()
    assert cora("GET", f"{board}/{sparrow}").json()["bail"]["state"] == "picked_up"
    with django_capture_on_commit_callbacks(execute=True):
        do_approve_disbursement(payment, by=treasurer)  # from 500.00 up, two treasurers say yes
        do_approve_disbursement(payment, by=make_member("tom.treasurer", funds, Role.TREASURER))
        do_pay_disbursement(payment, PayValues(on=ACTION_AT.date()), by=treasurer)
    assert cora("GET", f"{board}/{sparrow}").json()["bail"]["state"] == "paid"
    assert Fund.objects.get(pk=bond_fund.pk).kind == FundKind.BOND

    # 7. After: attendance settled (medics came; marshals and jail support did not), the debrief recorded.
    with time_machine.travel(ends_at + timedelta(hours=4), tick=False):
        settled = cora("POST", f"/actions/{code}/attendance", {"overrides": {}})
        assert settled.status_code == 200, settled.content
        assert settled.json() == {"attended": 2, "no_show": 3}
        recorded = cora(
            "PUT", f"/actions/{code}/debrief", {"medic_encounters": 7, "other_spent_cents": 4_250, "lessons": "Shade."}
        )
        assert recorded.status_code == 200, recorded.content
        report = cora("GET", f"/actions/{code}/debrief").json()

    turnout = {row["role"]: (row["attended"], row["no_show"]) for row in report["turnout"]}
    assert turnout == {"medic": (2, 0), "marshal": (0, 2), "jail_support": (0, 1)}
    assert report["no_shows"] == 3
    assert report["medic_encounters"] == 7
    assert sum(row["count"] for row in report["arrests"]) == 2
    assert {row["state"]: row["count"] for row in report["arrests"]} == {"arrested": 1, "located": 1}
    assert report["bail_paid_cents"] == 75_000
    assert report["spent_cents"] == 75_000 + 4_250
    assert report["spent"] == "$792.50"


def test_the_same_story_in_spanish(
    medics: WorkingGroup, coordinator: User, medic: User, loopback: Path, monday: None
) -> None:
    action = published_action(medics, coordinator, starts_at=ACTION_AT, hours=4)
    slot = do_add_slot(
        action,
        SlotValues(
            role=SlotRole.MEDIC, skill=MEDIC_SKILL, starts_at=action.starts_at, ends_at=action.ends_at, needed=4
        ),
        by=coordinator,
    )
    lee_user, lapsed = member_with_person("lee.lapsed", medics, 2, medic="lapsed")
    pair = [
        member_with_person(name, medics, index, medic="current")[1]
        for name, index in (("ana.medic", 7), ("max.medic", 3))
    ]
    seats = [do_sign_up(slot, person, by=coordinator) for person in pair]
    anyone = Client()
    code = action.code

    public = anyone.get(f"/es/a/{code}/")
    assert public.status_code == 200
    assert len(public.content) < 100_000
    assert 'lang="es"' in public.content.decode()
    assert TITLE_ES in public.content.decode()
    assert "Qué traer" in public.content.decode()
    assert "Apoyo en la cárcel" in public.content.decode()
    flyer = anyone.get(f"/es/a/{code}/flyer.pdf")
    assert (flyer.status_code, flyer["Content-Type"]) == (200, "application/pdf")
    assert anyone.get(f"/es/a/{code}/calendar.ics")["Content-Type"].startswith("text/calendar")

    # The lapsed medic's refusal, in Spanish, through the API.
    lee = Caller(lee_user)
    refused = lee("POST", f"/actions/{code}/slots/{slot.uuid}/sign-ups", language="es")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "skill_lapsed")
    assert "lapsed" not in refused.json()["error"]["message"]
    assert not SignUp.objects.filter(person=lapsed).exists()

    cora = client_for(coordinator)
    for rest in ("", "slots/", "checklist/", "legal-observers/", "board/"):
        answer = cora.get(f"/es/actions/{code}/{rest}")
        assert answer.status_code == 200, rest
        assert 'lang="es"' in answer.content.decode(), rest
    assert "Lista de verificación" in cora.get(f"/es/actions/{code}/checklist/").content.decode()

    with time_machine.travel(ACTION_AT, tick=False):
        for seat in seats:
            do_check_in(seat, by=coordinator)
        cora = client_for(coordinator)
        at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        new = cora.post(f"/es/actions/{code}/jail/arrests/new/", {"support_name": "Gorrión", "arrested_at": at})
        assert new.status_code == 302
        jail = cora.get(f"/es/actions/{code}/jail/")
        assert jail.status_code == 200
        assert 'lang="es"' in jail.content.decode()
        assert "Gorrión" in jail.content.decode()
    with time_machine.travel(action.ends_at + timedelta(hours=2), tick=False):
        cora = client_for(coordinator)
        assert cora.get(f"/es/actions/{code}/attendance/").status_code == 200
        debrief = cora.get(f"/es/actions/{code}/debrief/")
        assert debrief.status_code == 200
        assert "Asistencia por función" in debrief.content.decode()
