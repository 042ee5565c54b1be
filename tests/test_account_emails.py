"""Account emails are encrypted; signing in and password reset find them through the blind index."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from solidarity.accounts.models import User
from solidarity.accounts.services import do_create_admin, find_users_by_email
from tests.factories.accounts import PASSWORD, make_user
from tests.factories.messaging import deliver

NEW_PASSWORD = "another long passphrase"


def stored_email(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM accounts_user WHERE id = %s", [user.pk])
        value: str = cursor.fetchone()[0]
    return value


@pytest.mark.django_db
def test_an_account_email_is_stored_encrypted_and_found_by_index() -> None:
    user = make_user("mo.member")

    assert "example.org" not in stored_email(user)
    assert User.objects.get(pk=user.pk).email_index
    assert find_users_by_email(" MO.Member@Example.org ") == [user]
    assert find_users_by_email("someone.else@example.org") == []


@pytest.mark.django_db
def test_password_reset_by_email_mails_the_right_account(client: Client) -> None:
    mo = make_user("mo.member")
    make_user("ana.member")

    response = client.post("/en/accounts/password/reset/", {"email": "Mo.Member@example.org"})

    assert response.status_code == 302
    [message] = deliver()
    assert message.to == [mo.email]
    link = re.search(r"http://[^/\s]+(/en/accounts/password/reset/key/\S+)", str(message.body))
    assert link
    form = client.get(link.group(1), follow=True)
    client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    mo.refresh_from_db()
    assert mo.check_password(NEW_PASSWORD)
    assert User.objects.get(username="ana.member").check_password(PASSWORD)


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_sends_nothing_to_an_account(client: Client) -> None:
    make_user("mo.member")

    response = client.post("/en/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response.status_code == 302  # the same answer: no account enumeration
    assert all("/password/reset/key/" not in str(message.body) for message in deliver())


@pytest.mark.django_db
def test_an_invitation_cannot_be_accepted_with_a_taken_email(
    admin_client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    make_user("mo.member")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/en/invitations/", {"email": "new@example.org"})
    path = re.search(r"http://127\.0\.0\.1:8000(/en/join/[\w-]+/)", str(deliver()[0].body))
    assert path

    response = Client().post(
        path.group(1),
        {"username": "newcomer", "email": "MO.MEMBER@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert "An account with this email already exists." in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.django_db
def test_createadmin_refuses_a_taken_email() -> None:
    make_user("mo.member")

    with pytest.raises(ValidationError):
        do_create_admin(username="rosa", email="Mo.Member@example.org")
    with pytest.raises(CommandError, match="email"):
        call_command("createadmin", "rosa", email="mo.member@example.org")
    assert not User.objects.filter(username="rosa").exists()


@pytest.mark.django_db
def test_allauth_email_page_is_switched_off(client: Client) -> None:
    client.force_login(make_user("mo.member"))

    assert client.get("/en/accounts/email/").status_code == 404
    assert client.post("/en/accounts/email/", {"action_add": "", "email": "x@example.org"}).status_code == 404


@pytest.mark.django_db
def test_allauth_never_copies_emails_into_its_own_table(
    admin_client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # Given an invitation accepted, a sign-in by email and a password reset...
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/en/invitations/", {"email": "nueva@example.org"})
    path = re.search(r"http://127\.0\.0\.1:8000(/en/join/[\w-]+/)", str(deliver()[0].body))
    assert path
    Client().post(
        path.group(1),
        {"username": "nueva", "email": "nueva@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    client = Client()
    assert client.post("/en/accounts/login/", {"login": "Nueva@example.org", "password": PASSWORD}).status_code == 302
    assert client.get("/en/dashboard/").status_code == 200
    Client().post("/en/accounts/password/reset/", {"email": "nueva@example.org"})
    reset = re.search(r"http://[^/\s]+(/en/accounts/password/reset/key/\S+)", str(deliver()[-1].body))
    assert reset
    page = client.get(reset.group(1), follow=True)
    client.post(page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert User.objects.get(username="nueva").check_password(NEW_PASSWORD)

    # ...allauth's table of addresses, which would hold them in clear, is still empty.
    assert not EmailAddress.objects.exists()
