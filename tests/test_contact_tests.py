""" "Send me a test": a short message to each contact, confirmed by CONFIRM and its code from that very phone,
or by an email's button; the contact is then "last confirmed working"."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.models import AuditEntry
from solidarity.core.retention import purge
from solidarity.messaging.models import Inbound, InboundState
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.contact_tests import TESTS_PER_DAY
from solidarity.people.models import Contact, ContactKind, ContactTest, Person
from tests.factories.accounts import client_for, make_member
from tests.factories.messaging import deliver, text_in, texts_out
from tests.factories.people import make_person
from tests.factories.self_service import signed_in_as

pytestmark = pytest.mark.django_db

ROSA_PHONE = "+19195550123"  # 555-01xx: fictional
ROSA_EMAIL = "rosa.ejemplo@example.org"
STRANGER = "+19195550177"
CODE = re.compile(r"(?:CONFIRM|CONFIRMAR) ([A-Z0-9]+)")


@pytest.fixture
def keeper(medics: WorkingGroup) -> User:
    return make_member("kim.keeper", medics, ROSTER_KEEPER)


@pytest.fixture
def rosa() -> Person:
    return make_person("Rosa Ejemplo", phones=[ROSA_PHONE], emails=[ROSA_EMAIL], language="es")


def contact_of(person: Person, kind: str) -> Contact:
    return Contact.objects.get(person=person, kind=kind)


def keeper_tests(keeper: User, person: Person, contact: Contact) -> int:
    url = f"/en/people/{person.uuid}/contacts/{contact.uuid}/test/"
    return client_for(keeper).post(url).status_code


def code_sent(outbox: Path) -> str:
    bodies = [sent["body"] for sent in texts_out(outbox) if sent["to"] == ROSA_PHONE]
    found = CODE.search(bodies[-1])
    assert found is not None, bodies[-1]
    return found.group(1)


def answers_to(outbox: Path, number: str) -> list[str]:
    return [sent["body"] for sent in texts_out(outbox) if sent["to"] == number]


def test_a_roster_keeper_tests_a_phone_and_confirm_and_its_code_confirms_it(
    keeper: User, rosa: Person, client: Client, loopback: Path
) -> None:
    phone = contact_of(rosa, ContactKind.PHONE)
    assert keeper_tests(keeper, rosa, phone) == 302
    (sent,) = answers_to(loopback, ROSA_PHONE)
    assert sent.startswith("Solidarity: este es un mensaje de prueba. Responda CONFIRMAR ")

    text_in(client, f"confirmar {code_sent(loopback).lower()}", sender=ROSA_PHONE)

    phone.refresh_from_db()
    assert phone.confirmed_at is not None
    assert answers_to(loopback, ROSA_PHONE)[-1] == "Solidarity: gracias. Este numero funciona."
    assert Inbound.objects.get().state == InboundState.HANDLED
    page = client_for(keeper).get(f"/en/people/{rosa.uuid}/").content.decode()
    assert "Last confirmed working" in page
    entry = AuditEntry.objects.filter(object_type="people.contacttest").latest("seq")
    assert (entry.actor, entry.detail) == ("public", {"confirmed": True, "channel": "phone"})


def test_a_bare_confirm_from_a_phone_with_one_test_waiting_confirms_it(
    keeper: User, rosa: Person, client: Client, loopback: Path
) -> None:
    phone = contact_of(rosa, ContactKind.PHONE)
    keeper_tests(keeper, rosa, phone)

    text_in(client, "CONFIRM", sender=ROSA_PHONE)

    phone.refresh_from_db()
    assert phone.confirmed_at is not None


def test_another_numbers_confirm_does_not_confirm(keeper: User, rosa: Person, client: Client, loopback: Path) -> None:
    phone = contact_of(rosa, ContactKind.PHONE)
    keeper_tests(keeper, rosa, phone)
    make_person("Otra Persona", phones=[STRANGER])

    text_in(client, f"CONFIRM {code_sent(loopback)}", sender=STRANGER)
    text_in(client, "CONFIRM", sender=STRANGER)

    phone.refresh_from_db()
    assert phone.confirmed_at is None
    assert ContactTest.objects.get().confirmed_at is None
    assert "that code matches nothing we sent to this number" in answers_to(loopback, STRANGER)[0]


def test_a_wrong_code_from_the_right_phone_does_not_confirm(
    keeper: User, rosa: Person, client: Client, loopback: Path
) -> None:
    keeper_tests(keeper, rosa, contact_of(rosa, ContactKind.PHONE))

    text_in(client, "CONFIRM XX99", sender=ROSA_PHONE)

    assert contact_of(rosa, ContactKind.PHONE).confirmed_at is None


def test_a_test_expires_after_two_days_and_then_goes(
    keeper: User, rosa: Person, client: Client, loopback: Path
) -> None:
    keeper_tests(keeper, rosa, contact_of(rosa, ContactKind.PHONE))
    code = code_sent(loopback)

    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        text_in(client, f"CONFIRM {code}", sender=ROSA_PHONE)
        assert contact_of(rosa, ContactKind.PHONE).confirmed_at is None
    with time_machine.travel(timezone.now() + timedelta(days=9)):
        purge()
    assert not ContactTest.objects.exists()


def test_the_volunteer_tests_their_email_and_its_button_confirms_it(
    rosa: Person, client: Client, loopback: Path
) -> None:
    signed_in_as(client, loopback)
    email = contact_of(rosa, ContactKind.EMAIL)

    assert client.post(f"/es/me/contacts/{email.uuid}/test/").status_code == 302

    (sent,) = [message for message in deliver() if message.to == [ROSA_EMAIL]]
    found = re.search(r"https?://\S+(/es/contact-tests/[A-Za-z0-9_-]+/)", str(sent.body))
    assert found is not None
    link = found.group(1)
    assert Client().get(link).status_code == 200  # a mail scanner opens it: nothing happens
    email.refresh_from_db()
    assert email.confirmed_at is None
    assert Client().post(link).status_code == 302
    email.refresh_from_db()
    assert email.confirmed_at is not None
    entry = AuditEntry.objects.filter(object_type="people.contacttest", action="created").latest("seq")
    assert (entry.actor, entry.role) == (str(rosa.uuid), "self")


def test_a_few_tests_a_day_per_contact(keeper: User, rosa: Person, loopback: Path) -> None:
    phone = contact_of(rosa, ContactKind.PHONE)
    for _ in range(TESTS_PER_DAY + 1):
        keeper_tests(keeper, rosa, phone)

    assert len(answers_to(loopback, ROSA_PHONE)) == TESTS_PER_DAY
    assert ContactTest.objects.count() == TESTS_PER_DAY


def test_the_volunteer_cannot_test_someone_elses_contact(rosa: Person, client: Client, loopback: Path) -> None:
    other = make_person("Otra Persona", phones=[STRANGER])
    signed_in_as(client, loopback)

    response = client.post(f"/es/me/contacts/{contact_of(other, ContactKind.PHONE).uuid}/test/")

    assert response.status_code == 404
    assert not ContactTest.objects.exists()


TOKENS: dict[int, str] = {}


def call(user: User, method: str, path: str) -> tuple[int, object]:
    if user.pk not in TOKENS or not user.api_tokens.exists():
        TOKENS[user.pk] = do_create_token(user, name="script").secret
    token = TOKENS[user.pk]
    response = Client().generic(
        method, f"/api/v1{path}", "{}", content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, json.loads(response.content) if response.content else None


def test_the_api_sends_a_test_and_shows_when_each_contact_was_confirmed(
    keeper: User, rosa: Person, client: Client, loopback: Path
) -> None:
    phone = contact_of(rosa, ContactKind.PHONE)

    status, _body = call(keeper, "POST", f"/people/{rosa.uuid}/contacts/{phone.uuid}/test")
    assert status == 202
    text_in(client, f"CONFIRM {code_sent(loopback)}", sender=ROSA_PHONE)

    status, person = call(keeper, "GET", f"/people/{rosa.uuid}")
    assert status == 200
    assert isinstance(person, dict)
    by_kind = {contact["kind"]: contact for contact in person["contacts"]}
    assert by_kind["phone"]["id"] == str(phone.uuid)
    assert by_kind["phone"]["confirmed_at"] is not None
    assert by_kind["email"]["confirmed_at"] is None


def test_the_api_refuses_others_and_the_limit(
    keeper: User, rosa: Person, outsider: User, medic: User, loopback: Path
) -> None:
    phone = contact_of(rosa, ContactKind.PHONE)
    path = f"/people/{rosa.uuid}/contacts/{phone.uuid}/test"
    assert call(outsider, "POST", path)[0] == 404
    assert call(medic, "POST", path)[0] == 404
    for _ in range(TESTS_PER_DAY):
        assert call(keeper, "POST", path)[0] == 202

    status, body = call(keeper, "POST", path)

    assert status == 409
    assert isinstance(body, dict)
    assert body["error"]["code"] == "refused"
