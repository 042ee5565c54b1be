"""Asking for the password again before a second factor changes: never right after it was typed,
always once the session's last password or code is older than the reauthentication timeout."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.test import Client

from solidarity.accounts.models import User
from solidarity.accounts.services import do_issue_setup_link
from tests.factories.accounts import PASSWORD, add_totp, client_for, make_user, totp_code

START = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
LOGIN = "/en/accounts/login/"
ACTIVATE = "/en/accounts/2fa/totp/activate/"
RECOVERY_CODES = "/en/accounts/2fa/recovery-codes/generate/"
TIMEOUT = timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)


def signed_in_with_a_password(username: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def asked_again(client: Client, path: str) -> bool:
    response = client.get(path)
    if response.status_code == 302:
        assert str(response["Location"]).startswith("/en/accounts/reauthenticate/"), response["Location"]
        return True
    assert response.status_code == 200
    return False


def activates_an_authenticator_app(client: Client, user: User) -> bool:
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    response = client.post(ACTIVATE, {"code": totp_code(page.context["form"].secret)})
    return response.status_code == 302 and is_mfa_enabled(user, [Authenticator.Type.TOTP])


@pytest.mark.django_db
def test_right_after_signing_in_with_a_password_the_authenticator_app_is_activated_without_asking_again() -> None:
    admin = make_user("new.admin", is_admin=True)
    client = signed_in_with_a_password("new.admin")

    assert not asked_again(client, ACTIVATE)
    assert activates_an_authenticator_app(client, admin)


@pytest.mark.django_db
def test_once_the_sign_in_is_older_than_the_timeout_the_password_is_asked_again() -> None:
    admin = make_user("new.admin", is_admin=True)
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_with_a_password("new.admin")
        traveller.shift(TIMEOUT - timedelta(seconds=1))
        assert not asked_again(client, ACTIVATE)

        traveller.shift(timedelta(seconds=1))
        assert asked_again(client, ACTIVATE)
        assert client.post(ACTIVATE, {"code": "123456"}).status_code == 302  # nor can the form be sent
        assert not is_mfa_enabled(admin)

        # Typing it again opens the page for another timeout.
        client.post("/en/accounts/reauthenticate/", {"password": PASSWORD})
        assert activates_an_authenticator_app(client, admin)


@pytest.mark.django_db
def test_a_code_typed_at_sign_in_counts_too_until_the_timeout() -> None:
    user = make_user("cora.coord")
    secret = add_totp(user)
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        client.post(LOGIN, {"login": "cora.coord", "password": PASSWORD})
        traveller.shift(timedelta(seconds=31))  # the next code
        response = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})
        assert response.status_code == 302

        assert not asked_again(client, RECOVERY_CODES)
        traveller.shift(TIMEOUT)
        assert asked_again(client, RECOVERY_CODES)


@pytest.mark.django_db
def test_a_session_opened_without_a_password_is_asked_for_one() -> None:
    client = client_for(make_user("new.admin", is_admin=True))  # a session that saw no credential

    assert asked_again(client, ACTIVATE)


@pytest.mark.django_db
def test_a_password_typed_for_another_account_in_the_session_does_not_count() -> None:
    make_user("someone.else")
    admin = make_user("new.admin", is_admin=True)
    client = signed_in_with_a_password("someone.else")
    client.post("/en/accounts/logout/")
    client.force_login(admin)

    assert asked_again(client, ACTIVATE)


@pytest.mark.django_db
def test_the_first_admin_sets_up_an_authenticator_app_right_after_the_setup_form() -> None:
    client = Client()
    path = do_issue_setup_link().link().removeprefix("http://127.0.0.1:8000")
    response = client.post(
        path,
        {
            "name": "Vecinos del Norte",
            "time_zone": "America/Chicago",
            "phone_region": "US",
            "languages": ["en", "es"],
            "username": "first.admin",
            "email": "first.admin@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302

    assert not asked_again(client, ACTIVATE)
    assert activates_an_authenticator_app(client, User.objects.get(username="first.admin"))
