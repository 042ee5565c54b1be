"""Sessions: a new id at sign-in, an idle timeout and an absolute lifetime enforced on the server,
signing out and disabling an account end every session, and an admin resets a lost second factor."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from solidarity.accounts.models import Session, User
from solidarity.accounts.services import do_disable_account
from solidarity.accounts.sessions import SEEN_AT, SIGNED_IN_AT, SessionStore
from solidarity.core.models import AuditAction, AuditEntry
from tests.factories.accounts import PASSWORD, client_for

START = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
LOGIN = "/en/accounts/login/"
CANARY_ADDRESS = "203.0.113.77"


def dashboard(client: Client) -> int:
    return client.get(reverse("web:dashboard")).status_code


def signed_out(client: Client) -> bool:
    response = client.get(reverse("web:dashboard"))
    return response.status_code == 302 and str(response["Location"]).startswith(LOGIN)


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.django_db
def test_signing_in_gives_the_browser_a_new_session_id(member: User) -> None:
    client = Client(REMOTE_ADDR=CANARY_ADDRESS)
    before = client.session  # a session from before signing in, as a visitor's would be
    before["language_seen"] = True
    before.save()
    assert before.session_key is not None
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key

    response = client.post(LOGIN, {"login": "mo.member", "password": PASSWORD})

    assert response.status_code == 302
    after = session_key(client)
    assert after != before.session_key
    assert not Session.objects.filter(session_key=before.session_key).exists()
    assert Session.objects.get(session_key=after).user == member
    assert dashboard(client) == 200


@pytest.mark.django_db
def test_the_session_table_holds_no_ip_address(member: User) -> None:
    client = Client(REMOTE_ADDR=CANARY_ADDRESS)
    client.post(LOGIN, {"login": "mo.member", "password": PASSWORD})
    client.get(reverse("web:dashboard"))

    rows = list(Session.objects.all())
    assert rows
    for row in rows:
        stored = " ".join([row.session_key, row.session_data, str(row.get_decoded())])
        assert CANARY_ADDRESS not in stored
    assert {field.name for field in Session._meta.get_fields()} == {
        "session_key",
        "session_data",
        "expire_date",
        "user",
    }


@pytest.mark.django_db
def test_a_session_ends_after_30_minutes_without_a_request(member: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = client_for(member)
        key = session_key(client)
        traveller.shift(timedelta(minutes=29))
        assert dashboard(client) == 200  # activity: the idle clock starts again
        traveller.shift(timedelta(minutes=29))
        assert dashboard(client) == 200
        traveller.shift(timedelta(minutes=30))

        assert signed_out(client)
        assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_a_busy_session_still_ends_12_hours_after_signing_in(member: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = client_for(member)
        for _step in range(12 * 3 - 1):
            traveller.shift(timedelta(minutes=20))
            assert dashboard(client) == 200
        traveller.shift(timedelta(minutes=20))

        assert signed_out(client)


@pytest.mark.django_db
def test_a_signed_in_session_without_its_sign_in_time_is_ended(member: User) -> None:
    client = client_for(member)
    session = client.session
    del session[SIGNED_IN_AT], session[SEEN_AT]
    session.save()

    assert signed_out(client)


@pytest.mark.django_db
def test_signing_out_ends_every_session_of_the_account_and_no_one_elses(member: User, outsider: User) -> None:
    phone, laptop, someone_else = client_for(member), client_for(member), client_for(outsider)
    assert Session.objects.filter(user=member).count() == 2

    response = phone.post("/en/accounts/logout/")

    assert response.status_code == 302
    assert signed_out(laptop)
    assert signed_out(phone)
    assert not Session.objects.filter(user=member).exists()
    assert dashboard(someone_else) == 200


@pytest.mark.django_db
def test_disabling_an_account_ends_its_sessions_and_is_audited(admin: User, member: User) -> None:
    phone, laptop = client_for(member), client_for(member)

    assert do_disable_account(admin, member) is True

    member.refresh_from_db()
    assert not member.is_active
    assert not Session.objects.filter(user=member).exists()
    assert signed_out(phone)
    assert signed_out(laptop)
    entry = AuditEntry.objects.get(action=AuditAction.CHANGED, object_type="accounts.user")
    assert entry.actor == str(admin.uuid)
    assert entry.object_ids == [str(member.uuid)]
    assert entry.detail == {"what": "account disabled", "sessions": 2}
    again = Client()
    again.post(LOGIN, {"login": "mo.member", "password": PASSWORD})
    assert signed_out(again)


@pytest.mark.django_db
def test_an_admin_disables_an_account_from_its_security_page(admin_client: Client, member: User) -> None:
    member_client = client_for(member)
    url = reverse("accounts:account-security", kwargs={"person": member.uuid})

    response = admin_client.post(url, {"action": "disable"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    assert signed_out(member_client)


@pytest.mark.django_db
def test_an_admin_resets_a_coordinators_lost_second_factor_and_ends_their_sessions(
    admin: User, admin_client: Client, coordinator: User
) -> None:
    coordinator_client = client_for(coordinator)
    assert dashboard(coordinator_client) == 200
    url = reverse("accounts:account-security", kwargs={"person": coordinator.uuid})
    page = admin_client.get(url)
    assert page.status_code == 200
    assert coordinator.username in page.content.decode()

    response = admin_client.post(url, {"action": "reset_second_factor"})

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=coordinator).exists()
    assert signed_out(coordinator_client)
    entry = AuditEntry.objects.get(object_type="accounts.user", actor=str(admin.uuid))
    assert (entry.action, entry.role) == (AuditAction.CHANGED, "admin")
    assert entry.object_ids == [str(coordinator.uuid)]
    assert entry.detail["what"] == "second factor reset"
    # Signed in again, the coordinator must set up a new second factor before seeing anything.
    again = client_for(coordinator)
    assert again.get(reverse("web:dashboard"))["Location"] == reverse("mfa_index")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator", "other_coordinator", "outsider"])
def test_only_an_admin_may_reset_a_second_factor(request: pytest.FixtureRequest, persona: str, medic: User) -> None:
    caller: User = request.getfixturevalue(persona)
    coordinator: User = request.getfixturevalue("coordinator")
    url = reverse("accounts:account-security", kwargs={"person": coordinator.uuid})

    response = client_for(caller).post(url, {"action": "reset_second_factor"})

    assert response.status_code == 403
    assert Authenticator.objects.filter(user=coordinator).exists()
    assert not AuditEntry.objects.filter(object_type="accounts.user", detail__what="second factor reset").exists()


@pytest.mark.django_db
def test_the_security_page_of_an_unknown_account_is_404(admin_client: Client) -> None:
    url = reverse("accounts:account-security", kwargs={"person": "00000000-0000-4000-8000-000000000000"})
    assert admin_client.get(url).status_code == 404


def test_session_rows_come_from_the_accounts_engine() -> None:
    store = Session.get_session_store_class()
    assert store is SessionStore
    assert SessionStore.get_model_class() is Session
