"""An action's slots and sign-ups on the pages and through the services: a lapsed medic refused, medics in pairs,
the last place taken once, the reminders, check-in and attendance, the update list, and who sees what.

Places, numbers and people are fictional (555-01xx)."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.timers import find_timer, run_once
from solidarity.events.models import Role, SignUp, SignUpState, Slot
from solidarity.events.signups import (
    DAY_BEFORE_TIMER,
    SOON_TIMER,
    SlotValues,
    do_add_slot,
    do_check_in,
    do_check_out,
    do_remove_slot,
    do_settle_attendance,
    do_sign_up,
    do_update_slot,
    link_token,
    turnout,
)
from solidarity.events.updates import do_open_update_list, do_post_update
from solidarity.lists.models import Broadcast, Subscription, SubscriptionState
from tests.conftest import in_threads
from tests.factories.accounts import client_for
from tests.factories.event_signups import (
    ACTION_AT,
    NEW_YORK,
    certified,
    marshal_slot,
    medic_slot,
    monday,
    people,
    phone,
    sent_to,
    the_action,
)
from tests.factories.events import published_action
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db


__all__ = ["monday"]  # a fixture, used by name


def states(slot: Slot) -> list[str]:
    return list(slot.sign_ups.order_by("pk").values_list("state", flat=True))


# Slots.


def test_a_medic_slot_fills_in_pairs_unless_told_otherwise(
    medics: WorkingGroup, coordinator: User, monday: None
) -> None:
    action = the_action(medics, coordinator)

    medics_slot = medic_slot(action, coordinator)
    marshals = marshal_slot(action, coordinator)

    assert (medics_slot.in_pairs, marshals.in_pairs) == (True, False)
    assert find_timer(DAY_BEFORE_TIMER, str(medics_slot.uuid)) is not None
    entry = AuditEntry.objects.filter(object_type="events.slot").latest("seq")
    assert entry.detail == {"role": "marshal", "needed": 3}


def test_a_jail_support_shift_longer_than_four_hours_is_refused(
    medics: WorkingGroup, coordinator: User, monday: None
) -> None:
    action = the_action(medics, coordinator)
    values = SlotValues(
        role=Role.JAIL_SUPPORT, starts_at=action.ends_at, ends_at=action.ends_at + timedelta(hours=5), needed=2
    )

    with pytest.raises(ValidationError) as refused:
        do_add_slot(action, values, by=coordinator)

    assert "shifts outside the jail are kept short" in refused.value.message_dict["ends_at"][0]
    values.ends_at = action.ends_at + timedelta(hours=4)
    assert do_add_slot(action, values, by=coordinator).role == Role.JAIL_SUPPORT


def test_moving_a_shift_moves_its_reminders(medics: WorkingGroup, coordinator: User, monday: None) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    before = find_timer(SOON_TIMER, str(slot.uuid))
    assert before is not None
    assert before.due_at == ACTION_AT - timedelta(hours=2)

    values = SlotValues(role=Role.MARSHAL, starts_at=ACTION_AT + timedelta(hours=1), ends_at=action.ends_at, needed=3)
    assert do_update_slot(slot, values, by=coordinator) == ["starts_at"]

    after = find_timer(SOON_TIMER, str(slot.uuid))
    assert after is not None
    assert after.due_at == ACTION_AT - timedelta(hours=1)


def test_removing_a_slot_tells_those_signed_up(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    (ana,) = people(1)
    do_sign_up(slot, ana, by=None)

    assert do_remove_slot(slot, by=coordinator) == 1

    assert "slot at Counter-demonstration at the plaza" in sent_to(loopback, phone(0))[-1]
    assert find_timer(DAY_BEFORE_TIMER, str(slot.uuid)) is None
    assert not SignUp.objects.exists()


# Signing up.


def test_a_lapsed_medic_cannot_take_a_medic_slot(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = medic_slot(action, coordinator)
    (lapsed,) = people(1)
    certified(lapsed, lapsed=True)

    with pytest.raises(ValidationError) as refused:
        do_sign_up(slot, lapsed, by=None)

    assert refused.value.code == "skill_lapsed"
    assert "Street medic (basic)" in refused.value.messages[0]
    assert "lapsed on" in refused.value.messages[0]
    assert not SignUp.objects.exists()


def test_a_person_with_no_certification_cannot_take_a_skilled_slot(
    medics: WorkingGroup, coordinator: User, monday: None
) -> None:
    slot = medic_slot(the_action(medics, coordinator), coordinator)
    (newcomer,) = people(1)

    with pytest.raises(ValidationError) as refused:
        do_sign_up(slot, newcomer, by=None)

    assert refused.value.code == "skill_missing"


def test_medics_pair_up_and_a_lone_medic_is_told_to_wait_for_a_partner(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    slot = medic_slot(the_action(medics, coordinator), coordinator)
    trio = [certified(person) for person in people(3)]

    made = [do_sign_up(slot, person, by=None) for person in trio]

    assert "waiting for a partner" in sent_to(loopback, phone(0))[0]
    assert "waiting for a partner" not in sent_to(loopback, phone(1))[0]
    assert "waiting for a partner" in sent_to(loopback, phone(2))[0]
    assert f"DROP {made[2].code}" in sent_to(loopback, phone(2))[0]
    page = client_for(coordinator).get(f"/en/actions/{slot.action.code}/slots/").content.decode()
    assert "1 pair formed" in page
    assert "1 street medic alone: needs a partner" in page


def test_a_full_slot_and_an_overlapping_shift_are_refused(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    marshals = marshal_slot(action, coordinator, needed=1)
    drivers = do_add_slot(
        action, SlotValues(role=Role.DRIVER, starts_at=ACTION_AT, ends_at=action.ends_at, needed=2), by=coordinator
    )
    ana, ben = people(2)
    do_sign_up(marshals, ana, by=None)

    with pytest.raises(ValidationError) as full:
        do_sign_up(marshals, ben, by=None)
    with pytest.raises(ValidationError) as overlap:
        do_sign_up(drivers, ana, by=None)

    assert (full.value.code, overlap.value.code) == ("slot_full", "overlapping_shift")
    assert do_sign_up(marshals, ana, by=None).pk == marshals.sign_ups.get().pk  # twice: the one sign-up


def test_a_shift_that_started_or_a_cancelled_action_takes_nobody(
    medics: WorkingGroup, coordinator: User, monday: None
) -> None:
    from solidarity.events.services import do_cancel_action

    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    (ana,) = people(1)
    with time_machine.travel(ACTION_AT + timedelta(minutes=5), tick=False), pytest.raises(ValidationError) as late:
        do_sign_up(slot, ana, by=None)
    do_cancel_action(action, by=coordinator)
    with pytest.raises(ValidationError) as over:
        do_sign_up(slot, ana, by=None)

    assert (late.value.code, over.value.code) == ("shift_started", "action_over")


@pytest.mark.django_db(transaction=True)
def test_two_people_never_take_the_last_place(medics: WorkingGroup, coordinator: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every writer anyway")
    action = published_action(medics, coordinator)
    slot = marshal_slot(action, coordinator, needed=1, hours=2)
    crowd = people(6)

    def take(index: int) -> str:
        try:
            do_sign_up(slot, crowd[index], by=None)
        except ValidationError as refused:
            return str(refused.code)
        return "taken"

    results = in_threads(6, take)

    assert sorted(results) == ["slot_full"] * 5 + ["taken"]
    assert states(slot) == ["signed_up"]


# Reminders.


def test_the_reminders_ask_the_day_before_and_text_shortly_before(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    ana, ben = people(2)
    kept = do_sign_up(slot, ana, by=None)
    gone = do_sign_up(slot, ben, by=None)
    from solidarity.events.signups import do_cancel_sign_up

    do_cancel_sign_up(gone, by=None)

    with time_machine.travel(datetime(2026, 3, 6, 18, 0, 30, tzinfo=NEW_YORK), tick=False):
        run_once()
        run_once()  # fired once: nothing twice
        day_before = sent_to(loopback, phone(0))
    assert day_before[-1].startswith("Solidarity: tomorrow")
    assert f"CONFIRM {kept.code}" in day_before[-1]
    assert f"DROP {kept.code}" in day_before[-1]
    assert len(day_before) == 2  # the confirmation, then the day before
    with time_machine.travel(ACTION_AT - timedelta(hours=2) + timedelta(seconds=30), tick=False):
        run_once()
        soon = "Solidarity: your shift starts at 13:00, Fictional Plaza, north steps. On arrival text ARRIVED "
        assert sent_to(loopback, phone(0))[-1] == soon + f"{kept.code}."
        assert len(sent_to(loopback, phone(1))) == 1  # given back: its confirmation only, never reminded


def test_the_reminder_link_opens_a_page_whose_button_acts_and_the_link_alone_does_nothing(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    slot = marshal_slot(the_action(medics, coordinator), coordinator)
    (ana,) = people(1)
    seat = do_sign_up(slot, ana, by=None)
    page = f"/en/actions/seats/{link_token(seat)}/"

    assert Client().get(page).status_code == 200
    seat.refresh_from_db()
    assert seat.confirmed_at is None
    Client().post(page, {"answer": "confirm"})
    seat.refresh_from_db()
    assert seat.confirmed_at is not None
    Client().post(page, {"answer": "drop"})
    seat.refresh_from_db()
    assert seat.state == SignUpState.CANCELLED
    assert Client().get(page).status_code == 404
    assert Client().get("/en/actions/seats/forged.token/").status_code == 404


# On the day, and after.


def test_check_in_and_out_then_attendance_settles_with_an_override(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    ana, ben, cruz = people(3)
    seats = [do_sign_up(slot, person, by=None) for person in (ana, ben, cruz)]
    with pytest.raises(ValidationError):
        do_check_in(seats[0], by=coordinator)  # too early

    with time_machine.travel(ACTION_AT - timedelta(minutes=30), tick=False):
        board = client_for(coordinator)
        board.post(f"/en/actions/{action.code}/seats/{seats[0].uuid}/check-in/")
        do_check_in(seats[1], by=coordinator)
        do_check_out(seats[1], by=coordinator)
        page = board.get(f"/en/actions/{action.code}/board/").content.decode()
    assert "Check out" in page
    assert "Volunteer 2" in page
    with time_machine.travel(action.ends_at + timedelta(hours=1), tick=False):
        counts = do_settle_attendance(action, {seats[2].uuid: True, seats[1].uuid: False}, by=coordinator)

    assert counts == {"attended": 2, "no_show": 1}
    assert states(slot) == ["attended", "no_show", "attended"]
    assert turnout(action) == {"marshal": {"signed_up": 3, "attended": 2, "no_show": 1}}


def test_the_attendance_page_ticks_those_checked_in(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    ana, ben = people(2)
    seats = [do_sign_up(slot, person, by=None) for person in (ana, ben)]
    with time_machine.travel(ACTION_AT, tick=False):
        do_check_in(seats[0], by=coordinator)
    with time_machine.travel(action.ends_at + timedelta(hours=1), tick=False):
        client = client_for(coordinator)
        assert client.get(f"/es/actions/{action.code}/attendance/").status_code == 200
        answer = client.post(f"/en/actions/{action.code}/attendance/", {"attended": [str(seats[0].uuid)]})
    assert answer.status_code == 302
    assert states(slot) == ["attended", "no_show"]


# The update list.


def test_the_update_list_takes_everyone_signed_up_and_an_update_reaches_them(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    ana = make_person("Ana", phones=[phone(0)], emails=["ana@example.org"])
    do_sign_up(slot, ana, by=None)

    made = do_open_update_list(action, by=coordinator)
    (ben,) = people(1, first=1)
    do_sign_up(slot, ben, by=None)  # after it opened: on it too

    assert made.slug == f"action-{action.code.lower()}"
    assert made.name_en == "Updates: Counter-demonstration at the plaza"
    assert do_open_update_list(action, by=coordinator).pk == made.pk
    confirmed = Subscription.objects.filter(announcement_list=made, state=SubscriptionState.CONFIRMED)
    assert sorted(confirmed.values_list("channel", flat=True)) == ["email", "sms", "sms"]
    broadcast = do_post_update(action, "Meet at the north steps, not the fountain.", "", by=coordinator)
    assert broadcast.recipients == 3
    assert "Meet at the north steps" in sent_to(loopback, phone(1))[-1]


def test_the_board_posts_an_update_and_refuses_an_empty_one(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    client = client_for(coordinator)
    assert "Open the update list" in client.get(f"/en/actions/{action.code}/board/").content.decode()
    client.post(f"/en/actions/{action.code}/updates/open/")

    empty = client.post(f"/es/actions/{action.code}/updates/", {"text_en": "", "text_es": ""})
    sent = client.post(f"/en/actions/{action.code}/updates/", {"text_en": "Water at the corner.", "text_es": ""})

    assert empty.status_code == 400
    assert sent.status_code == 302
    assert Broadcast.objects.count() == 1


# The pages, and who reaches them.


def test_a_member_signs_up_on_the_page_and_gives_the_seat_back(
    medics: WorkingGroup, coordinator: User, medic: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    make_person("Mia", phones=[phone(5)], user=medic)
    client = client_for(medic)

    page = client.get(f"/en/actions/{action.code}/slots/").content.decode()
    assert "Sign up" in page
    assert client.get(f"/es/actions/{action.code}/slots/").status_code == 200
    client.post(f"/en/actions/{action.code}/slots/{slot.uuid}/sign-up/")
    seat = SignUp.objects.get()
    assert "Give my seat back" in client.get(f"/en/actions/{action.code}/slots/").content.decode()
    client.post(f"/en/actions/{action.code}/seats/{seat.uuid}/give-back/")

    seat.refresh_from_db()
    assert seat.state == SignUpState.CANCELLED


def test_the_lapsed_medic_sees_why_on_the_page(
    medics: WorkingGroup, coordinator: User, medic: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = medic_slot(action, coordinator)
    certified(make_person("Mia", phones=[phone(5)], user=medic), lapsed=True)

    answer = client_for(medic).post(f"/en/actions/{action.code}/slots/{slot.uuid}/sign-up/")

    assert answer.status_code == 400
    assert "Street medic (basic) certification, and yours lapsed" in answer.content.decode()


def test_an_outsider_gets_nothing_on_every_page(
    medics: WorkingGroup, coordinator: User, outsider: User, other_coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    (ana,) = people(1)
    seat = do_sign_up(slot, ana, by=None)
    base = f"/en/actions/{action.code}"
    gets = [f"{base}/slots/", f"{base}/slots/new/", f"{base}/slots/{slot.uuid}/edit/", f"{base}/board/"]
    gets += [f"{base}/slots/{slot.uuid}/remove/", f"{base}/attendance/"]
    posts = [f"{base}/slots/{slot.uuid}/sign-up/", f"{base}/seats/{seat.uuid}/give-back/"]
    posts += [f"{base}/seats/{seat.uuid}/check-in/", f"{base}/seats/{seat.uuid}/check-out/"]
    posts += [f"{base}/updates/open/", f"{base}/updates/"]

    for user in (outsider, other_coordinator):
        client = client_for(user)
        assert [client.get(path).status_code for path in gets] == [404] * len(gets)
        assert [client.post(path).status_code for path in posts] == [404] * len(posts)
    assert SignUp.objects.get().state == SignUpState.SIGNED_UP
    assert Client().get(f"{base}/slots/").status_code == 302


def test_a_member_cannot_manage_slots(medics: WorkingGroup, coordinator: User, medic: User, monday: None) -> None:
    action = the_action(medics, coordinator)
    client = client_for(medic)

    assert client.get(f"/en/actions/{action.code}/slots/").status_code == 200
    assert client.get(f"/en/actions/{action.code}/slots/new/").status_code == 404
    assert client.get(f"/en/actions/{action.code}/board/").status_code == 404


def test_a_coordinator_adds_a_slot_on_the_page_and_a_bad_one_comes_back(
    medics: WorkingGroup, coordinator: User, monday: None
) -> None:
    action = the_action(medics, coordinator)
    client = client_for(coordinator)
    form = {
        "role": "jail_support",
        "skill": "",
        "starts_at": "2026-03-07T17:00",
        "ends_at": "2026-03-07T23:00",
        "needed": "2",
        "pairing": "auto",
    }

    refused = client.post(f"/es/actions/{action.code}/slots/new/", form)
    made = client.post(f"/en/actions/{action.code}/slots/new/", form | {"ends_at": "2026-03-07T21:00"})

    assert refused.status_code == 400
    assert made.status_code == 302
    assert Slot.objects.get().role == Role.JAIL_SUPPORT


def test_the_slots_page_reads_in_a_fixed_number_of_queries(
    medics: WorkingGroup,
    coordinator: User,
    loopback: Path,
    monday: None,
    django_assert_num_queries: DjangoAssertNumQueries,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    action = the_action(medics, coordinator)
    slot = medic_slot(action, coordinator)
    do_sign_up(slot, certified(people(1)[0]), by=None)
    client = client_for(coordinator)
    page = f"/en/actions/{action.code}/slots/"
    client.get(page)  # sessions and caches warm
    with django_assert_max_num_queries(12) as first:
        assert client.get(page).status_code == 200
    marshals = marshal_slot(action, coordinator)
    for person in people(3, first=1):
        do_sign_up(marshals, person, by=None)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(page).status_code == 200


def test_sign_ups_go_a_year_after_their_action(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    from solidarity.core.retention import purge

    action = the_action(medics, coordinator)
    do_sign_up(marshal_slot(action, coordinator), people(1)[0], by=None)

    with time_machine.travel(action.ends_at + timedelta(days=300), tick=False):
        assert {result.rule: result.count for result in purge()}.get("events.sign-ups", 0) == 0
    with time_machine.travel(action.ends_at + timedelta(days=366), tick=False):
        assert {result.rule: result.count for result in purge()}["events.sign-ups"] == 1
    assert not SignUp.objects.exists()
