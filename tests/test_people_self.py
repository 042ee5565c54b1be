"""A volunteer keeps their own record without a password: a link by SMS or email, one button, a session that
reaches only their own record; pause, come back, change language and shifts, and leave."""

import re
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User
from solidarity.core.models import AuditEntry
from solidarity.people.models import Contact, Person, PersonState, RecordLink
from solidarity.people.self_service import LINKS_PER_ADDRESS, do_send_record_link
from solidarity.people.services import local_today
from tests.factories.messaging import deliver, texts_out
from tests.factories.people import make_person
from tests.factories.self_service import LINK, link_in_text, signed_in_as

pytestmark = pytest.mark.django_db

ROSA_PHONE = "+19195550123"  # 555-01xx: fictional
ROSA_EMAIL = "rosa.ejemplo@example.org"


@pytest.fixture
def rosa() -> Person:
    return make_person("Rosa Ejemplo", phones=[ROSA_PHONE], emails=[ROSA_EMAIL], language="es")


def ask(client: Client, contact: str, language: str = "en") -> int:
    return client.post(f"/{language}/me/", {"contact": contact}).status_code


def test_a_link_by_sms_opens_the_record_in_the_persons_language(rosa: Person, client: Client, loopback: Path) -> None:
    response = client.post("/en/me/", {"contact": "(919) 555-0123"})

    assert response.status_code == 200
    assert "a link is on its way" in response.content.decode()
    path = link_in_text(loopback)
    assert path.startswith("/es/me/open/")  # Rosa reads Spanish: the link opens the Spanish pages
    text = [sent["body"] for sent in texts_out(loopback)][-1]
    assert text.startswith("Solidarity: para abrir su registro")
    opened = client.post(path)
    assert opened["Location"] == "/es/me/record/"
    page = client.get("/es/me/record/").content.decode()
    assert "Rosa Ejemplo" in page
    assert ROSA_PHONE in page


def test_a_link_by_email_opens_the_record(rosa: Person, client: Client) -> None:
    assert ask(client, "Rosa.Ejemplo@Example.org") == 200

    sent = deliver()
    assert [message.to for message in sent] == [[ROSA_EMAIL]]
    found = LINK.search(str(sent[0].body))
    assert found is not None
    assert client.post(f"/es/me/open/{found.group(2)}/").status_code == 302
    assert client.get("/es/me/record/").status_code == 200


def test_a_stranger_gets_the_same_answer_and_nothing_is_sent(rosa: Person, client: Client, loopback: Path) -> None:
    known = client.post("/en/me/", {"contact": ROSA_PHONE}).content.decode()
    unknown = client.post("/en/me/", {"contact": "+19195550199"}).content.decode()

    assert strip_tokens(known) == strip_tokens(unknown)
    assert [sent["to"] for sent in texts_out(loopback)] == [ROSA_PHONE]
    assert RecordLink.objects.count() == 1


def strip_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_what_is_no_phone_or_email_is_refused_in_the_users_language(client: Client) -> None:
    response = client.post("/es/me/", {"contact": "hola"})

    assert response.status_code == 400
    assert "Escriba un número de teléfono o un correo electrónico." in response.content.decode()
    assert RecordLink.objects.count() == 0


def test_someone_who_left_gets_no_link(rosa: Person, client: Client, loopback: Path) -> None:
    other = make_person("Otra Persona", phones=[ROSA_PHONE])
    from solidarity.people.services import do_leave

    do_leave(other, by=None)
    assert ask(client, ROSA_PHONE) == 200
    assert list(RecordLink.objects.values_list("person_id", flat=True)) == [rosa.pk]


def test_links_to_one_address_are_limited(rosa: Person, loopback: Path) -> None:
    sent = [do_send_record_link(ROSA_PHONE) for _ in range(LINKS_PER_ADDRESS.count + 1)]

    assert sent == [1] * LINKS_PER_ADDRESS.count + [0]
    assert len(texts_out(loopback)) == LINKS_PER_ADDRESS.count


def test_the_link_page_does_not_use_the_link_on_get_and_works_once(
    rosa: Person, client: Client, loopback: Path
) -> None:
    ask(client, ROSA_PHONE)
    path = link_in_text(loopback)

    for _ in range(3):  # a mail scanner, a link preview, the person
        page = client.get(path)
        assert page.status_code == 200
        assert "Open my record" in page.content.decode() or "Abrir mi registro" in page.content.decode()
    assert RecordLink.objects.get().used_at is None

    assert client.post(path).status_code == 302
    again = Client().post(path)
    assert again.status_code == 404
    assert Client().get(path).status_code == 404


def test_the_link_expires_after_fifteen_minutes(rosa: Person, client: Client, loopback: Path) -> None:
    ask(client, ROSA_PHONE)
    path = link_in_text(loopback)

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    assert client.get("/es/me/record/").status_code != 200


def test_the_session_reaches_no_other_person_and_no_staff_page(rosa: Person, client: Client, loopback: Path) -> None:
    other = make_person("Otra Persona", phones=["+19195550124"])
    signed_in_as(client, loopback)

    for path in (f"/en/people/{other.uuid}/", f"/en/people/{rosa.uuid}/", "/en/people/", "/en/dashboard/"):
        response = client.get(path)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/en/accounts/login/"), path
    assert client.get("/api/v1/people").status_code == 401
    page = client.get("/es/me/record/").content.decode()
    assert "Otra Persona" not in page


def test_a_volunteer_with_an_account_is_not_signed_in_to_it(medic: User, client: Client, loopback: Path) -> None:
    make_person("Rosa Ejemplo", phones=[ROSA_PHONE], user=medic)
    signed_in_as(client, loopback)

    assert client.get("/en/me/record/").status_code == 200
    response = client.get("/en/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_the_session_ends_after_an_hour_idle_and_on_sign_out(rosa: Person, client: Client, loopback: Path) -> None:
    signed_in_as(client, loopback)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        response = client.get("/es/me/record/")
        assert response.status_code == 302
        assert response["Location"] == "/es/me/"

    signed_in_as(client, loopback)
    assert client.post("/es/me/sign-out/").status_code == 302
    assert client.get("/es/me/record/")["Location"] == "/es/me/"
    actions = AuditEntry.objects.filter(object_type="people.person", action__in=["login", "logout"]).order_by("seq")
    assert [(entry.action, entry.actor, entry.role) for entry in actions][-1] == ("logout", str(rosa.uuid), "self")


def test_the_session_ends_after_eight_hours_whatever_the_activity(rosa: Person, client: Client, loopback: Path) -> None:
    start = timezone.now()
    signed_in_as(client, loopback)
    for minutes in range(50, 8 * 60, 50):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/es/me/record/").status_code == 200
    with time_machine.travel(start + timedelta(hours=8, minutes=5)):
        assert client.get("/es/me/record/").status_code == 302


def test_pause_and_come_back_from_the_own_page_audited_as_the_person(
    rosa: Person, client: Client, loopback: Path
) -> None:
    signed_in_as(client, loopback)
    until = local_today() + timedelta(days=10)

    assert client.post("/es/me/pause/", {"until": until.isoformat()}).status_code == 302
    rosa.refresh_from_db()
    assert (rosa.state, rosa.paused_until) == (PersonState.PAUSED, until)
    entry = AuditEntry.objects.filter(object_type="people.person").latest("seq")
    assert (entry.actor, entry.role, entry.detail["state"]) == (str(rosa.uuid), "self", "paused")

    assert client.post("/es/me/back/").status_code == 302
    rosa.refresh_from_db()
    assert rosa.state == PersonState.ACTIVE


def test_a_pause_in_the_past_is_refused_and_nothing_changes(rosa: Person, client: Client, loopback: Path) -> None:
    signed_in_as(client, loopback)

    response = client.post("/es/me/pause/", {"until": date(2000, 1, 1).isoformat()})

    assert response.status_code == 400
    assert "Elija una fecha posterior a hoy." in response.content.decode()
    rosa.refresh_from_db()
    assert rosa.state == PersonState.ACTIVE


def test_leaving_erases_the_contacts_and_ends_the_session(rosa: Person, client: Client, loopback: Path) -> None:
    signed_in_as(client, loopback)
    warning = client.get("/es/me/leave/").content.decode()
    assert "se borran" in warning

    response = client.post("/es/me/leave/")

    assert response.status_code == 200
    rosa.refresh_from_db()
    assert rosa.state == PersonState.LEFT
    assert str(rosa.display_name) == ""
    assert not Contact.objects.filter(person=rosa).exists()
    assert client.get("/es/me/record/")["Location"] == "/es/me/"
    entry = AuditEntry.objects.filter(object_type="people.person").latest("seq")
    assert (entry.actor, entry.role, entry.detail) == (str(rosa.uuid), "self", {"state": "left", "contacts_erased": 2})


def test_the_language_changes_and_the_pages_follow(rosa: Person, client: Client, loopback: Path) -> None:
    signed_in_as(client, loopback)

    response = client.post("/es/me/language/", {"language": "en"})

    assert response["Location"] == "/en/me/record/"
    rosa.refresh_from_db()
    assert rosa.language == "en"


def test_the_volunteer_sets_their_weekly_shifts(rosa: Person, client: Client, loopback: Path) -> None:
    signed_in_as(client, loopback)
    assert client.get("/en/me/shifts/").status_code == 200
    form = {
        "w-TOTAL_FORMS": "2",
        "w-INITIAL_FORMS": "0",
        "w-0-weekday": "5",
        "w-0-starts": "21:00",
        "w-0-ends": "05:00",
        "w-1-weekday": "2",
        "w-1-starts": "18:00",
        "w-1-ends": "22:30",
    }

    assert client.post("/en/me/shifts/", form).status_code == 302

    shifts = sorted((s.weekday, s.starts, s.duration_minutes) for s in rosa.shifts.all())
    assert shifts == [(2, time(18), 270), (5, time(21), 480)]


def test_a_shift_form_with_a_missing_time_keeps_what_was_typed(rosa: Person, client: Client, loopback: Path) -> None:
    signed_in_as(client, loopback)
    form = {"w-TOTAL_FORMS": "1", "w-INITIAL_FORMS": "0", "w-0-weekday": "5", "w-0-starts": "21:00", "w-0-ends": ""}

    response = client.post("/en/me/shifts/", form)

    assert response.status_code == 400
    assert 'value="21:00"' in response.content.decode()


def test_the_own_pages_without_a_session_send_to_the_link_page(client: Client) -> None:
    for path in ("/en/me/record/", "/en/me/leave/", "/en/me/shifts/"):
        assert client.get(path)["Location"] == "/en/me/"
    assert client.post("/en/me/back/")["Location"] == "/en/me/"


def test_an_all_week_window_saved_unchanged_stays_all_week(client: Client, loopback: Path) -> None:
    rosa = make_person("Rosa Ejemplo", phones=[ROSA_PHONE])  # on call all week
    signed_in_as(client, loopback)
    page = client.get("/en/me/shifts/").content.decode()
    form = {
        "w-TOTAL_FORMS": "2",
        "w-INITIAL_FORMS": "1",
        "w-0-weekday": "0",
        "w-0-starts": "00:00",
        "w-0-ends": "00:00",
        "w-0-minutes": re.search(r'name="w-0-minutes" value="(\d+)"', page).group(1),  # type: ignore[union-attr]
    }

    assert client.post("/en/me/shifts/", form).status_code == 302

    assert [shift.duration_minutes for shift in rosa.shifts.all()] == [7 * 24 * 60]
