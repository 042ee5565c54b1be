"""Inviting people to a call-in campaign: by skill and zone through the outbox, or through the group's lists, with
one reminder when an office is open; the organisers' page and API.

Offices, numbers and people are fictional (555-01xx)."""

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns.invite import (
    REMINDER_TIMER,
    InvitationValues,
    chosen,
    do_invite,
    reminder_due,
)
from solidarity.campaigns.invite_models import Invitation, Invitee, InviteHow, ReminderState
from solidarity.campaigns.models import Campaign, Target
from solidarity.campaigns.services import do_close_campaign, do_pause
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.core.timers import find_timer, fire_due
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.messaging.models import Message
from solidarity.people.models import Person
from solidarity.people.services import do_pause as do_pause_person
from tests.factories.accounts import bearer, client_for, make_member
from tests.factories.campaigns import OFFICE_HOURS, live_campaign, make_campaign
from tests.factories.lists import make_list, subscriber
from tests.factories.messaging import texts_out
from tests.factories.people import make_person, skill, zone

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
TUESDAY_EVENING = datetime(2027, 3, 9, 20, 0, tzinfo=NEW_YORK)  # the offices (9 to 17, Monday to Friday) closed
TUESDAY_MORNING = datetime(2027, 3, 9, 10, 0, tzinfo=NEW_YORK)
# The session, the account, the caller's roles, the campaign, the invitations with their lists, skills and zones,
# however many invitations there are; and the network's settings from the cache (SQLite's tests keep the cache in
# the database: 2 more queries there, none with Redis).
PAGE_QUERIES = 11


@pytest.fixture
def second(medics: WorkingGroup) -> User:
    """A second organiser of the medics' campaigns."""
    return make_member("co.second", medics, Role.COORDINATOR)


def office_campaign(medics: WorkingGroup, coordinator: User, second: User, at: datetime) -> Campaign:
    """The seed's campaign, live from a day before `at` for a week, its offices open 9 to 17 on weekdays."""
    with time_machine.travel(at - timedelta(days=1), tick=False):
        return live_campaign(medics, coordinator, second, starts_at=at - timedelta(days=1), **OFFICE_HOURS)


def people_values(campaign: Campaign, *, skills: tuple[str, ...] = (), zones: tuple[str, ...] = ()) -> InvitationValues:
    return chosen(campaign, InviteHow.PEOPLE, [], skills, zones)


def invited_texts() -> list[Message]:
    return list(Message.objects.filter(idempotency_key__startswith="campaigns.invite:").order_by("pk"))


def observers() -> dict[str, Person]:
    """Legal observers and others, in East Durham and Walltown, with phones (555-01xx)."""
    zone("walltown")
    return {
        "rosa": make_person("Rosa Ejemplo", skills=("legal-observer",), phones=("919-555-0121",), language="es"),
        "sam": make_person("Sam Placeholder", skills=("legal-observer",), phones=("919-555-0122",)),
        "no_consent": make_person("Nadie Ejemplo", skills=("legal-observer",), phones=("919-555-0123",), consent=False),
        "elsewhere": make_person(
            "Lejos Ejemplo", skills=("legal-observer",), zones=("walltown",), phones=("919-555-0124",)
        ),
        "driver": make_person("Conduce Ejemplo", skills=("licensed-driver",), phones=("919-555-0125",)),
        "no_contact": make_person("Sin Contacto", skills=("legal-observer",)),
    }


# By skill and zone.


def test_people_with_the_skill_in_the_zone_who_agreed_get_one_text_each_in_their_language(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_MORNING)
        people = observers()

        invitation = do_invite(
            campaign, people_values(campaign, skills=("legal-observer",), zones=("east-durham",)), by=coordinator
        )

    assert invitation.reached == 2
    texts = {str(message.to): message for message in invited_texts()}
    assert sorted(texts) == ["+19195550121", "+19195550122"]
    assert texts["+19195550121"].language == "es"
    assert f"LLAMAR {campaign.code}" in texts["+19195550121"].content["text"]
    assert f"Text CALL {campaign.code} to this number" in texts["+19195550122"].content["text"]
    assert "Free our neighbour" in texts["+19195550122"].content["text"]
    assert set(Invitee.objects.values_list("person", flat=True)) == {people["rosa"].pk, people["sam"].pk}
    entry = AuditEntry.objects.filter(object_type="campaigns.invitation").get()
    assert entry.detail["skills"] == ["legal-observer"]
    assert entry.detail["reached"] == 2
    assert "Rosa" not in json.dumps(entry.detail)


def test_a_skill_alone_reaches_every_zone_and_a_zone_alone_every_skill(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_MORNING)
        observers()
        by_skill = do_invite(campaign, people_values(campaign, skills=("licensed-driver",)), by=coordinator)
        by_zone = do_invite(campaign, people_values(campaign, zones=("walltown",)), by=coordinator)

    assert (by_skill.reached, by_zone.reached) == (1, 1)
    assert sorted(str(message.to) for message in invited_texts()) == ["+19195550124", "+19195550125"]


def test_nobody_gets_a_second_invitation_to_one_campaign(medics: WorkingGroup, coordinator: User, second: User) -> None:
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_MORNING)
        observers()
        do_invite(campaign, people_values(campaign, skills=("legal-observer",)), by=coordinator)
        again = do_invite(campaign, people_values(campaign, zones=("east-durham",)), by=coordinator)

    assert again.reached == 1  # the driver only: the observers had theirs
    assert len(invited_texts()) == 4


def test_a_retry_of_the_same_request_sends_once(medics: WorkingGroup, coordinator: User, second: User) -> None:
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_MORNING)
        observers()
        values = people_values(campaign, skills=("licensed-driver",))
        values.request_key = uuid4()
        first = do_invite(campaign, values, by=coordinator)
        second_try = do_invite(campaign, values, by=coordinator)

    assert first == second_try
    assert Invitation.objects.count() == 1
    assert len(invited_texts()) == 1


def test_paused_people_and_those_who_left_are_not_invited(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_MORNING)
        people = observers()
        do_pause_person(people["sam"], timezone.localdate() + timedelta(days=10), by=None)
        invitation = do_invite(campaign, people_values(campaign, skills=("legal-observer",)), by=coordinator)

    assert invitation.reached == 2
    assert sorted(str(message.to) for message in invited_texts()) == ["+19195550121", "+19195550124"]


def test_only_a_live_campaign_invites_and_a_choice_is_needed(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    draft = make_campaign(medics, coordinator)
    with pytest.raises(ValidationError) as not_live:
        do_invite(draft, InvitationValues(how=InviteHow.PEOPLE, skills=[skill("legal-observer")]), by=coordinator)
    assert not_live.value.code == "state"

    campaign = live_campaign(medics, coordinator, second)
    with pytest.raises(ValidationError) as nothing:
        do_invite(campaign, InvitationValues(how=InviteHow.PEOPLE), by=coordinator)
    assert "skills" in nothing.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        chosen(campaign, InviteHow.PEOPLE, [], ["no-such-skill"], ["east-durham"])
    assert "no-such-skill" in unknown.value.message_dict["skills"][0]
    assert not Invitation.objects.exists()


# The reminder.


def test_an_invitation_sent_while_the_offices_are_closed_is_reminded_of_as_they_open(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_EVENING)
        observers()
        invitation = do_invite(campaign, people_values(campaign, skills=("licensed-driver",)), by=coordinator)
    wednesday_opening = datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK)
    assert invitation.remind_at == wednesday_opening
    timer = find_timer(REMINDER_TIMER, str(invitation.uuid))
    assert timer is not None
    assert timer.due_at == wednesday_opening

    with time_machine.travel(wednesday_opening - timedelta(minutes=1), tick=False):
        fire_due()
    assert not Message.objects.filter(idempotency_key__startswith="campaigns.invite-reminder:").exists()
    with time_machine.travel(wednesday_opening, tick=False):
        fire_due()
        fire_due()

    (reminder,) = Message.objects.filter(idempotency_key__startswith="campaigns.invite-reminder:")
    assert str(reminder.to) == "+19195550125"
    assert "the offices are open now" in reminder.content["text"]
    invitation.refresh_from_db()
    assert invitation.reminder == ReminderState.SENT
    assert invitation.reminder_reached == 1
    assert not Invitee.objects.exists()  # kept for the reminder only


@pytest.mark.parametrize(
    ("sent", "reminded"),
    [
        ((3, 9, 10), (3, 9, 13)),  # open: three hours later, still open
        ((3, 9, 15), (3, 10, 9)),  # open, closed three hours later: next opening
        ((3, 9, 7), (3, 9, 9)),  # before opening: as they open
        ((3, 12, 18), (3, 15, 9)),  # Friday evening: Monday morning
    ],
)
def test_the_reminder_comes_at_a_moment_an_office_is_open(
    medics: WorkingGroup, coordinator: User, second: User, sent: tuple[int, int, int], reminded: tuple[int, int, int]
) -> None:
    """(month, day, hour) in New York, March 2027: Tuesday the 9th, Friday the 12th, Monday the 15th."""
    at = datetime(2027, *sent, tzinfo=NEW_YORK)
    campaign = office_campaign(medics, coordinator, second, at)
    assert reminder_due(campaign, at) == datetime(2027, *reminded, tzinfo=NEW_YORK)


def test_an_office_in_another_time_zone_opens_first(medics: WorkingGroup, coordinator: User, second: User) -> None:
    campaign = office_campaign(medics, coordinator, second, TUESDAY_EVENING)
    target = campaign.targets.order_by("position").last()
    assert target is not None
    target.time_zone = "America/Chicago"
    target.opens_at = target.opens_at.replace(hour=7)  # 8:00 in New York
    target.save()
    assert reminder_due(campaign, TUESDAY_EVENING) == datetime(2027, 3, 10, 8, 0, tzinfo=NEW_YORK)


def test_offices_that_open_later_than_planned_delay_the_reminder_to_their_opening(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_EVENING)
        observers()
        invitation = do_invite(campaign, people_values(campaign, skills=("licensed-driver",)), by=coordinator)
    Target.objects.filter(campaign=campaign).update(opens_at=time(11))  # the offices' hours changed since
    reminders = Message.objects.filter(idempotency_key__startswith="campaigns.invite-reminder:")

    with time_machine.travel(datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK), tick=False):
        fire_due()
    assert not reminders.exists()
    invitation.refresh_from_db()
    assert (invitation.reminder, invitation.remind_at) == (
        ReminderState.PLANNED,
        datetime(2027, 3, 10, 11, 0, tzinfo=NEW_YORK),
    )
    with time_machine.travel(datetime(2027, 3, 10, 11, 0, tzinfo=NEW_YORK), tick=False):
        fire_due()
        fire_due()
    assert reminders.count() == 1


def test_no_reminder_once_the_campaign_ends_or_when_it_was_paused_meanwhile(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_EVENING)
        observers()
        invitation = do_invite(campaign, people_values(campaign, skills=("licensed-driver",)), by=coordinator)
        do_pause(campaign, by=coordinator)
    with time_machine.travel(datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK), tick=False):
        fire_due()

    invitation.refresh_from_db()
    assert invitation.reminder == ReminderState.SKIPPED
    assert not Message.objects.filter(idempotency_key__startswith="campaigns.invite-reminder:").exists()
    assert not Invitee.objects.exists()

    ending = office_campaign(medics, coordinator, second, TUESDAY_EVENING)
    ending.ends_at = TUESDAY_EVENING + timedelta(hours=12)  # ends before the offices open again
    ending.save()
    assert reminder_due(ending, TUESDAY_EVENING) is None


def test_closing_the_campaign_forgets_who_was_invited_and_sends_no_reminder(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_EVENING)
        observers()
        invitation = do_invite(campaign, people_values(campaign, skills=("legal-observer",)), by=coordinator)
        assert Invitee.objects.count() == 3
        do_close_campaign(campaign, "won", "Released on bond.", "", by=coordinator)
        assert not Invitee.objects.exists()
    with time_machine.travel(datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK), tick=False):
        fire_due()
    invitation.refresh_from_db()
    assert invitation.reminder == ReminderState.SKIPPED


def test_a_person_who_withdrew_consent_meanwhile_gets_no_reminder(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_EVENING)
        people = observers()
        do_invite(campaign, people_values(campaign, skills=("legal-observer",)), by=coordinator)
        Person.objects.filter(pk=people["rosa"].pk).update(consent_announcements=False)
    with time_machine.travel(datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK), tick=False):
        fire_due()
    reminded = Message.objects.filter(idempotency_key__startswith="campaigns.invite-reminder:")
    assert sorted(str(message.to) for message in reminded) == ["+19195550122", "+19195550124"]


# Through the group's lists.


def test_a_list_invitation_is_the_lists_broadcast_with_its_reminder(
    medics: WorkingGroup, coordinator: User, second: User, loopback: Path
) -> None:
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        campaign = office_campaign(medics, coordinator, second, TUESDAY_EVENING)
        texts = make_list(medics, coordinator, "medics-texts", has_email=False)
        subscriber(texts, "sms", "+19195550131", "es")
        subscriber(texts, "sms", "+19195550132", "en", zone="east-durham")
        invitation = do_invite(
            campaign, chosen(campaign, InviteHow.LISTS, ["medics-texts"], [], ["walltown"]), by=coordinator
        )
        before = texts_out(loopback)
        sent = [text for text in before if "CALL" in text["body"] or "LLAMAR" in text["body"]]

    assert invitation.reached == 1
    (text,) = sent
    assert text["to"] == "+19195550131"
    assert f"LLAMAR {campaign.code}" in text["body"]
    (broadcast,) = invitation.broadcasts.all()
    assert broadcast.channels == ["sms"]
    assert list(broadcast.zones.values_list("slug", flat=True)) == ["walltown"]

    with time_machine.travel(datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK), tick=False):
        fire_due()
        reminded = texts_out(loopback)[len(before) :]
    assert [text["to"] for text in reminded if "LLAMAR" in text["body"]] == ["+19195550131"]
    invitation.refresh_from_db()
    assert invitation.reminder == ReminderState.SENT
    assert invitation.broadcasts.count() == 2


def test_a_list_of_another_group_is_refused(
    medics: WorkingGroup, rapid_response: WorkingGroup, coordinator: User, second: User, other_coordinator: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    theirs = make_list(rapid_response, other_coordinator, "rapid-texts")
    with pytest.raises(ValidationError) as refused:
        chosen(campaign, InviteHow.LISTS, ["rapid-texts"], [], [])
    assert "lists" in refused.value.message_dict
    with pytest.raises(ValidationError):
        do_invite(campaign, InvitationValues(how=InviteHow.LISTS, lists=[theirs]), by=coordinator)
    assert not Broadcast.objects.exists()
    assert AnnouncementList.objects.count() == 1


# The organisers' page.


def page(campaign: Campaign) -> str:
    return f"/en/campaigns/{campaign.code}/invitations/"


def form(campaign: Campaign) -> str:
    return f"/en/campaigns/{campaign.code}/invitations/new/"


def test_an_organiser_invites_by_skill_and_zone_from_the_page(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    observers()
    client = client_for(coordinator)
    shown = client.get(form(campaign)).content.decode()
    assert 'name="key"' in shown
    assert "Licensed" in shown or "Driver with a valid licence" in shown

    key = str(uuid4())
    posted = {"how": "people", "skills": ["legal-observer"], "zones": ["east-durham"], "key": key}
    response = client.post(form(campaign), posted)
    assert response.status_code == 302
    client.post(form(campaign), posted)  # the same form sent twice
    assert Invitation.objects.count() == 1
    listing = client.get(page(campaign)).content.decode()
    assert "2 people reached" in listing
    assert "Legal observer" in listing


def test_bad_input_comes_back_on_the_form(medics: WorkingGroup, coordinator: User, second: User) -> None:
    campaign = live_campaign(medics, coordinator, second)
    response = client_for(coordinator).post(form(campaign), {"how": "people", "zones": [], "key": str(uuid4())})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose a skill or a zone" in body
    assert 'value="people" required id="id_how_1" checked' in body  # what was chosen stays chosen
    assert not Invitation.objects.exists()


def test_the_page_in_spanish(medics: WorkingGroup, coordinator: User, second: User) -> None:
    campaign = live_campaign(medics, coordinator, second)
    body = client_for(coordinator).get(f"/es/campaigns/{campaign.code}/invitations/new/").content.decode()
    assert "Invitar" in body


def test_members_see_the_invitations_but_only_organisers_send(
    medics: WorkingGroup, coordinator: User, second: User, medic: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    client = client_for(medic)
    assert client.get(page(campaign)).status_code == 200
    assert client.get(form(campaign)).status_code == 404
    assert client.post(form(campaign), {"how": "people", "zones": ["east-durham"]}).status_code == 404
    assert not Invitation.objects.exists()


def test_outsiders_get_nothing(
    medics: WorkingGroup, coordinator: User, second: User, outsider: User, other_coordinator: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    for user in (outsider, other_coordinator):
        client = client_for(user)
        assert client.get(page(campaign)).status_code == 404
        assert client.get(form(campaign)).status_code == 404
        assert client.post(form(campaign), {"how": "people", "zones": ["east-durham"]}).status_code == 404
        api = f"/api/v1/campaigns/{campaign.code}/invitations"
        assert client.get(api).status_code == 404
        assert (
            client.post(api, {"how": "people", "zones": ["east-durham"]}, content_type="application/json").status_code
            == 404
        )
    assert Client().get(page(campaign)).status_code == 302
    assert not Invitation.objects.exists()


def test_the_invitations_page_reads_in_a_fixed_number_of_queries(
    medics: WorkingGroup,
    coordinator: User,
    second: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    observers()
    client = client_for(coordinator)
    do_invite(campaign, people_values(campaign, skills=("legal-observer",)), by=coordinator)
    client.get(page(campaign))  # sessions and caches warm
    with django_assert_max_num_queries(PAGE_QUERIES) as first:
        assert client.get(page(campaign)).status_code == 200
    for slug in ("licensed-driver", "interpreter-en-es", "verifier"):
        do_invite(campaign, people_values(campaign, skills=(slug,), zones=("walltown",)), by=coordinator)
    with django_assert_num_queries(len(first.captured_queries)):
        assert "Verifier" in client.get(page(campaign)).content.decode()


# The API.


def test_the_api_invites_and_lists_invitations(medics: WorkingGroup, coordinator: User, second: User) -> None:
    from solidarity.accounts.services import do_create_token

    campaign = live_campaign(medics, coordinator, second)
    observers()
    token = do_create_token(coordinator, name="script")
    client = Client()
    url = f"/api/v1/campaigns/{campaign.code}/invitations"
    payload = {"how": "people", "skills": ["legal-observer"], "zones": ["east-durham"], "key": str(uuid4())}
    made = client.post(url, payload, content_type="application/json", headers=bearer(token.secret))
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["reached"] == 2
    assert body["skills"] == ["legal-observer"]
    again = client.post(url, payload, content_type="application/json", headers=bearer(token.secret))
    assert again.status_code == 201
    assert again.json()["id"] == body["id"]

    listed = client.get(url, headers=bearer(token.secret)).json()
    assert listed["count"] == 1
    assert listed["items"][0]["id"] == body["id"]

    bad = client.post(url, {"how": "people"}, content_type="application/json", headers=bearer(token.secret))
    assert bad.status_code == 422
    assert "skills" in bad.json()["error"]["fields"]
    unknown = client.post(
        url, {"how": "people", "zones": ["atlantis"]}, content_type="application/json", headers=bearer(token.secret)
    )
    assert unknown.status_code == 422
    assert "zones" in unknown.json()["error"]["fields"]


def test_the_api_refuses_a_campaign_that_is_not_live(medics: WorkingGroup, coordinator: User) -> None:
    campaign = make_campaign(medics, coordinator)
    zone("east-durham")
    response = client_for(coordinator).post(
        f"/api/v1/campaigns/{campaign.code}/invitations",
        {"how": "people", "zones": ["east-durham"]},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_live"


# Emails (they carry the callers' page's link).


def test_someone_without_a_phone_gets_an_email_with_the_link(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    make_person("Correo Ejemplo", skills=("verifier",), emails=("correo@example.org",), language="es")
    do_invite(campaign, people_values(campaign, skills=("verifier",)), by=coordinator)
    (message,) = invited_texts()
    assert message.channel == "email"
    assert f"/es/call/{campaign.code}/" in message.content["mime"]
    assert f"LLAMAR {campaign.code}" in message.content["mime"]


def test_no_invitation_names_the_person_even_with_consent(
    medics: WorkingGroup, coordinator: User, second: User, loopback: Path
) -> None:
    from solidarity.campaigns.services import do_record_consent, do_set_subject

    campaign = live_campaign(medics, coordinator, second, title_en="Free {person}")
    do_set_subject(campaign, "Nadie Ejemplo", "A-000-000-002", by=coordinator)
    do_record_consent(campaign, lawyer=False, consent_from="family", by=coordinator)
    campaign = do_record_consent(campaign, lawyer=True, by=coordinator)
    assert campaign.is_named
    make_person("Sam Placeholder", skills=("verifier",), phones=("919-555-0122",))
    make_person("Correo Ejemplo", skills=("verifier",), emails=("correo@example.org",))
    texts = make_list(medics, coordinator, "medics-all")
    subscriber(texts, "sms", "+19195550131")
    do_invite(campaign, people_values(campaign, skills=("verifier",)), by=coordinator)
    do_invite(campaign, chosen(campaign, InviteHow.LISTS, ["medics-all"], [], []), by=coordinator)

    sent = [json.dumps(message.content) for message in Message.objects.filter(batch__startswith="campaigns.")]
    sent += [f"{item.subject_en} {item.text_en} {item.text_es}" for item in Broadcast.objects.all()]
    assert len(sent) == 4
    assert all("Free a member of our community" in text for text in sent[:2])
    assert not any("Nadie" in text or "A-000-000-002" in text for text in sent)
