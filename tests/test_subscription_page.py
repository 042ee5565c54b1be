"""A subscriber's own page (the link in every list email) and the sign-up form: their OpenPGP key, added,
replaced or removed, proved by an email encrypted to it. Real SMTP and real gpg on the subscriber's side."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client, override_settings
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.lists.models import AnnouncementList, Subscription
from solidarity.lists.subscriptions import digest, do_unsubscribe, find_subscription, unsubscribe_token
from solidarity.messaging import pump, services
from solidarity.messaging.models import Channel, KeyProof, Message
from tests.conftest import in_one_rate_window
from tests.factories import lists as lists_factory
from tests.factories.messaging import GpgHome, body_of, decrypted, proof_path, set_openpgp_key
from tests.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db

ROSA = "rosa.pgp@example.org"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server, override_settings(MAILERS=server.mailers):
        yield server


@pytest.fixture
def east(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return lists_factory.make_list(medics, coordinator, name_en="East Durham alerts", name_es="Alertas del Este")


@pytest.fixture
def rosa(east: AnnouncementList) -> Subscription:
    return lists_factory.subscriber(east, Channel.EMAIL, ROSA)


def page(subscription: Subscription, language: str = "en") -> str:
    return f"/{language}/lists/subscriptions/{unsubscribe_token(subscription)}/"


def give_key(subscription: Subscription, armored: str, *, language: str = "en") -> HttpResponse:
    response = Client().post(page(subscription, language), {"openpgp_key": armored}, REMOTE_ADDR="192.0.2.7")
    assert isinstance(response, HttpResponse)
    return response


def pgp_key(gnupg: GpgHome, email: str, expire: str = "0") -> str:
    gnupg.new_key(email, "future-default", "default", expire)
    return gnupg.export(email)


def current_key(address: str) -> str:
    found = services.find_address(Channel.EMAIL, address)
    return str(found.openpgp_key) if found else ""


def send_broadcast(east: AnnouncementList, coordinator: User, subject: str = "Assembly at the plaza") -> None:
    lists_factory.send_now(east.group, [east], coordinator, [Channel.EMAIL], subject=subject)
    pump.drain(Channel.EMAIL)


def test_every_list_email_links_to_the_subscribers_own_page_and_one_click_unsubscribe_stays(
    smtp: SmtpServer, east: AnnouncementList, rosa: Subscription, coordinator: User
) -> None:
    send_broadcast(east, coordinator)

    [received] = [m for m in smtp.inbox.to(ROSA) if m["List-Id"]]
    body = body_of(received)
    token = unsubscribe_token(rosa)
    assert f"/en/lists/subscriptions/{token}/" in body
    assert str(received["List-Unsubscribe"]).endswith(f"/en/lists/unsubscribe/{token}/>")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Client().get(page(rosa)).status_code == 200


def test_opening_the_page_shows_the_lists_and_changes_nothing(
    east: AnnouncementList, rosa: Subscription, medics: WorkingGroup, coordinator: User
) -> None:
    west = lists_factory.make_list(medics, coordinator, slug="west-durham", name_en="West Durham alerts")
    lists_factory.subscriber(west, Channel.EMAIL, ROSA)
    waiting = Message.objects.count()

    response = Client().get(page(rosa))

    assert response.status_code == 200
    assert "East Durham alerts" in response.text
    assert "West Durham alerts" in response.text
    assert ROSA not in response.text
    assert 'name="openpgp_key"' in response.text
    assert "<label" in response.text
    assert Message.objects.count() == waiting
    assert Client().get("/en/lists/subscriptions/not-signed/").status_code == 404


def test_a_key_added_on_the_page_takes_effect_through_the_encrypted_link_and_the_next_broadcast_is_encrypted(
    smtp: SmtpServer, gnupg: GpgHome, east: AnnouncementList, rosa: Subscription, coordinator: User
) -> None:
    armored = pgp_key(gnupg, ROSA)

    response = give_key(rosa, armored)

    assert response.status_code == 200
    assert "We sent an email encrypted to this key" in response.text
    assert current_key(ROSA) == ""  # nothing changes until the link is followed
    send_broadcast(east, coordinator, subject="Before the proof")
    before = [m for m in smtp.inbox.to(ROSA) if m["List-Id"]]
    assert [m.get_content_type() for m in before] == ["text/plain"]

    [proof] = [m for m in smtp.inbox.to(ROSA) if m.get_content_type() == "multipart/encrypted"]
    client = Client()
    assert client.post(proof_path(gnupg, proof)).status_code == 200
    assert current_key(ROSA) == armored.strip()
    shown = Client().get(page(rosa)).text
    assert gnupg.fingerprint(ROSA)[:4] in shown
    assert "Replace my key" in shown
    assert "Remove my key" in shown

    send_broadcast(east, coordinator, subject="After the proof")
    after = [m for m in smtp.inbox.to(ROSA) if m["List-Id"]][-1]
    inner, status = decrypted(gnupg, after)
    assert inner["Subject"] == "After the proof"
    assert any(line.startswith("[GNUPG:] DECRYPTION_OKAY") for line in status)


def test_a_secret_key_is_refused_plainly_in_spanish_and_never_shown_again_or_kept(
    gnupg: GpgHome, rosa: Subscription
) -> None:
    pgp_key(gnupg, "secreta@example.org")
    secret = gnupg.gpg("--armor", "--export-secret-keys", "secreta@example.org").stdout.decode()

    response = give_key(rosa, secret, language="es")

    assert response.status_code == 400
    assert "Esta es una clave secreta" in response.text
    assert "PRIVATE KEY" not in response.text
    assert secret.splitlines()[5] not in response.text
    assert not KeyProof.objects.exists()
    assert not Message.objects.filter(idempotency_key__startswith="messaging.key-proof").exists()


@pytest.mark.parametrize(
    ("kind", "english"),
    [
        ("garbage", "This is not an OpenPGP public key."),
        ("signing only", "This key has no encryption subkey we can use."),
    ],
)
def test_keys_that_cannot_encrypt_are_refused_and_what_was_typed_is_kept(
    gnupg: GpgHome, rosa: Subscription, kind: str, english: str
) -> None:
    if kind == "garbage":
        given = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----"
    else:
        gnupg.new_key("firma.pgp@example.org", "ed25519", "sign")
        given = gnupg.export("firma.pgp@example.org")

    response = give_key(rosa, given)

    assert response.status_code == 400
    assert english in response.text
    assert given.splitlines()[0] in response.text
    assert not KeyProof.objects.exists()


def test_an_expired_key_is_refused(gnupg: GpgHome, rosa: Subscription) -> None:
    armored = pgp_key(gnupg, "vieja.pgp@example.org", "1d")

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        response = give_key(rosa, armored)

    assert response.status_code == 400
    assert "This key has expired" in response.text


def test_a_key_for_another_address_or_expiring_soon_is_accepted_with_a_warning_on_the_page_and_in_the_email(
    smtp: SmtpServer, gnupg: GpgHome, rosa: Subscription
) -> None:
    armored = pgp_key(gnupg, "otra.pgp@example.org", "10d")

    response = give_key(rosa, armored)
    pump.drain(Channel.EMAIL)

    assert response.status_code == 200
    assert "This key does not name your email address" in response.text
    assert "This key expires on" in response.text
    [proof] = [m for m in smtp.inbox.to(ROSA) if m.get_content_type() == "multipart/encrypted"]
    inner, _status = decrypted(gnupg, proof)
    assert "this key does not name this email address" in body_of(inner)
    assert "this key expires on" in body_of(inner)


def test_removing_the_key_turns_encryption_off_and_a_plain_email_says_so(
    smtp: SmtpServer, gnupg: GpgHome, rosa: Subscription
) -> None:
    set_openpgp_key(ROSA, pgp_key(gnupg, "quitar.pgp@example.org"))

    response = Client().post(page(rosa) + "remove-key/")
    pump.drain(Channel.EMAIL)

    assert response.status_code == 200
    assert "Your key was removed" in response.text
    assert current_key(ROSA) == ""
    [notice] = [m for m in smtp.inbox.to(ROSA) if "encryption" in str(m["Subject"])]
    assert notice.get_content_type() == "text/plain"
    assert "encryption turned off" in str(notice["Subject"])
    assert Client().get(page(rosa) + "remove-key/").status_code == 405


def test_an_ended_subscriptions_old_link_no_longer_changes_the_key(gnupg: GpgHome, rosa: Subscription) -> None:
    armored = pgp_key(gnupg, "fin.pgp@example.org")
    do_unsubscribe(rosa)

    shown = Client().get(page(rosa))
    response = give_key(rosa, armored)

    assert shown.status_code == 200
    assert "You are not subscribed" in shown.text
    assert 'name="openpgp_key"' not in shown.text
    assert response.status_code == 400
    assert not KeyProof.objects.exists()


def test_giving_keys_on_the_page_is_rate_limited(gnupg: GpgHome, rosa: Subscription) -> None:
    armored = pgp_key(gnupg, "rapida.pgp@example.org")

    with in_one_rate_window():
        statuses = [give_key(rosa, armored).status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]


def test_the_confirmation_page_leads_to_the_subscription_page(east: AnnouncementList) -> None:
    lists_factory.subscriber(east, Channel.EMAIL, "nueva.pgp@example.org")
    subscription = find_subscription(east, Channel.EMAIL, "nueva.pgp@example.org")
    assert subscription is not None
    subscription.confirm_token_hash = digest("known-token")
    subscription.save()

    shown = Client().get("/en/lists/confirm/known-token/")

    assert page(subscription) in shown.text


# The sign-up form.

SIGN_UP = "/en/lists/east-durham/"


def sign_up(address: str, key: str, **data: str) -> HttpResponse:
    fields = {"address": address, "zone": "walltown", "language": "en", "openpgp_key": key, **data}
    response = Client().post(SIGN_UP, fields, REMOTE_ADDR="192.0.2.9")
    assert isinstance(response, HttpResponse)
    return response


def test_the_sign_up_page_offers_an_optional_key_and_stays_small(east: AnnouncementList) -> None:
    response = Client().get(SIGN_UP)

    assert 'name="openpgp_key"' in response.text
    assert "OpenPGP public key (optional)" in response.text
    assert len(response.content) < 100_000


def test_signing_up_with_a_key_sends_the_confirmation_and_a_proof_encrypted_to_the_key(
    smtp: SmtpServer, gnupg: GpgHome, east: AnnouncementList
) -> None:
    armored = pgp_key(gnupg, "alta.pgp@example.org")

    response = sign_up("alta.pgp@example.org", armored)
    pump.drain(Channel.EMAIL)

    assert response.status_code == 200
    assert "we are also sending an email encrypted to it" in response.text
    kinds = sorted(m.get_content_type() for m in smtp.inbox.to("alta.pgp@example.org"))
    assert kinds == ["multipart/encrypted", "text/plain"]
    proof = next(m for m in smtp.inbox.to("alta.pgp@example.org") if m.get_content_type() == "multipart/encrypted")
    assert Client().post(proof_path(gnupg, proof)).status_code == 200
    assert current_key("alta.pgp@example.org") == armored.strip()


def test_a_bad_key_at_sign_up_keeps_the_rest_of_the_form(gnupg: GpgHome, east: AnnouncementList) -> None:
    response = sign_up("perdida.pgp@example.org", "hello, this is my key")

    assert response.status_code == 400
    assert "This is not an OpenPGP public key." in response.text
    assert 'value="perdida.pgp@example.org"' in response.text
    assert "hello, this is my key" in response.text
    assert not Subscription.objects.exists()


@pytest.mark.usefixtures("loopback")
def test_a_key_with_a_phone_number_is_refused(gnupg: GpgHome, east: AnnouncementList) -> None:
    response = sign_up("+19195550123", pgp_key(gnupg, "tel.pgp@example.org"))

    assert response.status_code == 400
    assert "for email only" in response.text
