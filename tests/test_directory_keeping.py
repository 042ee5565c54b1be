"""Keeping the directory fresh and easy to carry: keepers reminded of stale resources with one button, resources
pinned to the home page, a resource as a contact card, and its dated sessions in a calendar feed."""

import email
from datetime import datetime, time, timedelta
from email.message import Message as EmailMessage

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role
from solidarity.directory.models import Resource
from solidarity.directory.reminders import remind_keepers, still_right_token
from solidarity.directory.services import (
    MAX_PINNED,
    ResourceValues,
    do_add_phone,
    do_add_session,
    do_pin,
    do_save_resource,
    is_stale,
    values_of,
)
from solidarity.directory.vcard import folded, vcard
from solidarity.messaging.models import Channel, Message
from tests.factories.accounts import client_for, make_member
from tests.factories.directory import make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(medics: WorkingGroup, coordinator: User) -> Resource:
    found = make_resource(
        medics,
        coordinator,
        "campus-dental",
        kind="dental",
        name_en="Campus dental clinic",
        name_es="Clínica dental del campus",
        offers_en="Free cleanings; fillings, too.",
        offers_es="Limpiezas y empastes gratis.",
        hours_en="Saturdays 9 to 1",
    )
    do_add_phone(found, "+19195550101", by=coordinator, is_24h=True)
    return found


def emails_to(address: str) -> list[EmailMessage]:
    sent = Message.objects.filter(channel=Channel.EMAIL).order_by("pk")
    found = [email.message_from_string(message.content["mime"]) for message in sent]
    return [message for message in found if message["To"] == address]


def body_of(message: EmailMessage) -> str:
    part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_stale_resource_reminds_its_keepers_once_and_one_button_says_still_right(
    clinic: Resource, medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    spanish = make_member("sara.coordina", medics, Role.COORDINATOR)
    spanish.language = "es"
    spanish.save()
    assert remind_keepers() == 0  # checked today: nothing to remind

    later = timezone.now() + timedelta(days=clinic.check_every_days + 1)
    with time_machine.travel(later, tick=False):
        assert is_stale(Resource.objects.get(pk=clinic.pk))
        assert remind_keepers() == 2  # both coordinators; the plain member keeps nothing
        assert remind_keepers() == 0  # reminded already: not again tomorrow
        assert emails_to(medic.email) == []

        [english] = emails_to(coordinator.email)
        assert "still right" in english["Subject"]
        body = body_of(english)
        assert "Campus dental clinic" in body
        [mensaje] = emails_to(spanish.email)
        assert "Clínica dental del campus" in body_of(mensaje)
        assert "Sigue bien" in body_of(mensaje)

        still_right = path_of(next(line for line in body.splitlines() if "Still right" in line).split(" ")[-1])
        edit = path_of(next(line for line in body.splitlines() if "Something changed" in line).split(" ")[-1])
        assert edit == "/en/resources/campus-dental/edit/"
        assert coordinator.email not in still_right
        assert coordinator.username not in still_right

        public = Client()
        page = public.get(still_right)  # a mail scanner opening the link changes nothing
        assert page.status_code == 200
        assert "I checked: still right" in page.content.decode()
        assert is_stale(Resource.objects.get(pk=clinic.pk))

        answer = public.post(still_right)
        assert answer.status_code == 302
        checked = Resource.objects.get(pk=clinic.pk)
        assert not is_stale(checked)
        assert checked.last_checked_by == coordinator
        assert checked.reminded_at is None

        # Once used, the link is spent; it never marks anything again.
        assert public.post(still_right).status_code == 404
        assert "no longer works" in public.get(still_right).content.decode()


def test_a_still_right_link_stops_working_for_someone_who_no_longer_keeps_the_resource(
    clinic: Resource, coordinator: User, medic: User
) -> None:
    token = still_right_token(clinic, medic)  # a plain member: not a keeper
    assert Client().post(f"/en/resources/still-right/{token}/").status_code == 404
    good = still_right_token(clinic, coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert Client().post(f"/en/resources/still-right/{good}/").status_code == 404
    assert Client().get("/en/resources/still-right/not-a-token/").status_code == 404
    assert Client().get(f"/en/resources/still-right/{good[:-3]}abc/").status_code == 404


def test_the_reminder_comes_again_a_fortnight_later_if_nobody_checked(clinic: Resource, coordinator: User) -> None:
    start = timezone.now() + timedelta(days=clinic.check_every_days + 1)
    with time_machine.travel(start, tick=False):
        assert remind_keepers() == 1
    with time_machine.travel(start + timedelta(days=13), tick=False):
        assert remind_keepers() == 0
    with time_machine.travel(start + timedelta(days=15), tick=False):
        assert remind_keepers() == 1
    assert len(emails_to(coordinator.email)) == 2


def test_the_keepers_list_shows_the_stale_ones_first_with_their_button(
    clinic: Resource, medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    make_resource(medics, coordinator, "east-legal", kind="legal_aid", name_en="East legal aid", check_every_days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        page = client_for(coordinator).get("/en/resources/to-check/").content.decode()
        assert page.index("East legal aid") < page.index("Campus dental clinic")
        assert page.count("I checked: still right") == 2
    assert client_for(medic).get("/en/resources/to-check/").status_code in (403, 404)


def test_a_keeper_pins_a_few_public_resources_to_the_home_page(
    clinic: Resource, medics: WorkingGroup, coordinator: User
) -> None:
    assert "Campus dental clinic" not in Client().get("/en/").content.decode()
    keeper = client_for(coordinator)
    assert keeper.post("/en/resources/campus-dental/pin/", {"pinned": "1"}).status_code == 302
    home = Client().get("/en/").content.decode()
    assert "Campus dental clinic" in home
    assert 'href="tel:+19195550101"' in home
    assert "Clínica dental del campus" in Client().get("/es/").content.decode()

    hidden = make_resource(medics, coordinator, "quiet-shelter", kind="shelter", is_public=False)
    with pytest.raises(ValidationError):
        do_pin(hidden, by=coordinator)
    for number in range(MAX_PINNED - 1):
        do_pin(make_resource(medics, coordinator, f"more-{number}"), by=coordinator)
    with pytest.raises(ValidationError, match=f"{MAX_PINNED}"):
        do_pin(make_resource(medics, coordinator, "one-too-many"), by=coordinator)

    # Made members-only, a pinned resource leaves the public home page.
    values = values_of(clinic)
    do_save_resource(medics, ResourceValues(**{**values.__dict__, "is_public": False}), by=coordinator, resource=clinic)
    assert Resource.objects.get(pk=clinic.pk).pinned_at is None
    assert "Campus dental clinic" not in Client().get("/en/").content.decode()


def test_a_resource_is_a_contact_card_to_save_in_one_tap(clinic: Resource, coordinator: User) -> None:
    answer = Client().get("/es/resources/campus-dental/card.vcf")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/vcard")
    card = answer.content.decode()
    assert card.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert "FN:Clínica dental del campus\r\n" in card
    assert "tel:+19195550101" in card
    assert card.endswith("END:VCARD\r\n")
    english = vcard(clinic, "en")
    assert "NOTE:Free cleanings\\; fillings\\, too.\\n\\nSaturdays 9 to 1" in english
    # Lines fold at 75 octets without splitting a character; unfolding gives the line back.
    line = "NOTE:" + "ñ" * 100
    assert all(len(part.encode()) <= 75 for part in folded(line).split("\r\n"))
    assert folded(line).replace("\r\n ", "") == line
    hidden = make_resource(clinic.group, coordinator, "quiet-shelter", kind="shelter", is_public=False)
    assert Client().get(f"/en/resources/{hidden.slug}/card.vcf").status_code == 404


def test_a_coming_session_adds_itself_to_the_calendar_feed(clinic: Resource, coordinator: User) -> None:
    soon = timezone.localdate() + timedelta(days=3)
    do_add_session(clinic, soon, by=coordinator, note_en="Free dental care", note_es="Atención dental gratis")
    do_add_session(clinic, soon + timedelta(days=7), by=coordinator, starts_at=time(9), ends_at=time(13))
    do_add_session(clinic, timezone.localdate() - timedelta(days=1), by=coordinator, note_en="Past")
    hidden = make_resource(clinic.group, coordinator, "quiet-shelter", kind="shelter", is_public=False)
    do_add_session(hidden, soon, by=coordinator, note_en="Members only")

    answer = Client().get("/es/resources/dates.ics")
    assert answer["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(answer.content).walk("VEVENT")
    summaries = [str(event["summary"]) for event in events]
    assert summaries == ["Clínica dental del campus: Atención dental gratis", "Clínica dental del campus"]
    whole_day, timed = events
    assert whole_day.decoded("dtstart") == soon
    assert not isinstance(whole_day.decoded("dtstart"), datetime)  # a whole day
    assert timed.decoded("dtstart").hour == 9
    assert timed.decoded("dtend").hour == 13
    assert "/resources/campus-dental/" in str(timed["url"])

    one = Calendar.from_ical(Client().get("/en/resources/campus-dental/dates.ics").content).walk("VEVENT")
    assert len(one) == 2
    assert Client().get("/en/resources/quiet-shelter/dates.ics").status_code == 404
    page = Client().get("/en/resources/campus-dental/").content.decode()
    assert "/en/resources/campus-dental/dates.ics" in page
    assert "/en/resources/campus-dental/card.vcf" in page


def test_a_resource_cannot_take_the_short_name_of_a_directory_page(medics: WorkingGroup, coordinator: User) -> None:
    with pytest.raises(ValidationError, match="taken by one of the directory's pages"):
        make_resource(medics, coordinator, "to-check")


def test_the_api_pins_and_lists_the_resources_a_keeper_must_check(
    clinic: Resource, medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    keeper = client_for(coordinator)
    pinned = keeper.post("/api/v1/resources/campus-dental/pin")
    assert pinned.status_code == 200
    assert pinned.json()["pinned"] is True
    hidden = make_resource(medics, coordinator, "quiet-shelter", kind="shelter", is_public=False)
    refused = keeper.post(f"/api/v1/resources/{hidden.slug}/pin")
    assert refused.status_code == 422
    assert client_for(medic).post("/api/v1/resources/campus-dental/pin").status_code in (403, 404)
    assert keeper.delete("/api/v1/resources/campus-dental/pin").json()["pinned"] is False

    make_resource(medics, coordinator, "east-legal", kind="legal_aid", check_every_days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        keeper = client_for(coordinator)  # a session from two days ago has expired
        due = keeper.get("/api/v1/resources", {"kept": "true", "stale": "true"}).json()["items"]
        assert [item["slug"] for item in due] == ["east-legal"]
        fresh = keeper.get("/api/v1/resources", {"kept": "true", "stale": "false"}).json()["items"]
        assert {item["slug"] for item in fresh} == {"campus-dental", "quiet-shelter"}
        assert Client().get("/api/v1/resources", {"kept": "true"}).json()["items"] == []


def test_a_big_directory_comes_a_page_at_a_time_keeping_the_filters(medics: WorkingGroup, coordinator: User) -> None:
    for number in range(45):
        make_resource(medics, coordinator, f"clinic-{number:02d}", name_en=f"Clinic {number:02d}")
    make_resource(medics, coordinator, "the-dentist", kind="dental", name_en="Zz dentist")
    first = Client().get("/en/resources/").content.decode()
    assert first.count('class="card"') == 40
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first
    second = Client().get("/en/resources/", {"page": "2"}).content.decode()
    assert second.count('class="card"') == 6
    assert "Zz dentist" in second
    filtered = Client().get("/en/resources/", {"kind": "clinic", "page": "2"}).content.decode()
    assert "Zz dentist" not in filtered
    assert 'href="?kind=clinic&amp;page=1"' in filtered
    assert Client().get("/en/resources/", {"page": "nine"}).status_code == 200


def test_a_text_too_long_is_refused_by_name_whoever_saves_it(medics: WorkingGroup, coordinator: User) -> None:
    with pytest.raises(ValidationError) as refused:
        make_resource(medics, coordinator, "wordy", name_en="x" * 161)
    assert refused.value.message_dict == {"name_en": ["At most 160 characters."]}
    with pytest.raises(ValidationError, match="2000"):
        make_resource(medics, coordinator, "wordier", offers_es="y" * 2001)
