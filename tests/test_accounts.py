"""Invitation-only accounts, the first admin, MFA and login throttling."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.core.management import CommandError, call_command
from django.test import Client

from solidarity.accounts.models import Invitation, User
from solidarity.accounts.services import do_issue_setup_link, find_invitation
from solidarity.core.services import get_network_settings
from tests.factories.accounts import PASSWORD, add_totp, make_user, totp_code
from tests.factories.messaging import deliver


def setup_form(**changes: object) -> dict[str, object]:
    return {
        "name": "Vecinos del Norte",
        "time_zone": "America/Chicago",
        "phone_region": "us",
        "languages": ["en", "es"],
        "username": "first.admin",
        "email": "First.Admin@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | changes


@pytest.mark.django_db
def test_setup_link_creates_the_network_and_its_first_admin(client: Client) -> None:
    link = do_issue_setup_link().link()

    response = client.post(link.removeprefix("http://127.0.0.1:8000"), setup_form())

    assert response.status_code == 302
    admin = User.objects.get(username="first.admin")
    assert admin.is_admin
    assert admin.email == "first.admin@example.org"
    network = get_network_settings()
    assert (network.name, network.time_zone, network.phone_region) == ("Vecinos del Norte", "America/Chicago", "US")
    # An admin sees nothing before setting up a second factor.
    assert client.get("/en/dashboard/")["Location"] == "/en/accounts/2fa/"


@pytest.mark.django_db
def test_setup_link_works_once(client: Client) -> None:
    path = do_issue_setup_link().link().removeprefix("http://127.0.0.1:8000")
    client.post(path, setup_form())
    again = Client().post(path, setup_form(username="second", email="second@example.org"))
    assert again.status_code == 404
    assert not User.objects.filter(username="second").exists()


@pytest.mark.django_db
def test_opening_the_link_does_not_use_it(client: Client) -> None:
    issued = do_issue_setup_link()
    path = issued.link().removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200  # a mail scanner's visit spends nothing
    assert find_invitation(issued.token) is not None


@pytest.mark.django_db
def test_bad_setup_input_is_explained_and_nothing_is_created(client: Client) -> None:
    path = do_issue_setup_link().link().removeprefix("/").removeprefix("http://127.0.0.1:8000")
    response = client.post(path, setup_form(phone_region="XX", password2="different"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "two-letter country code" in html
    assert "The two passwords do not match." in html
    assert not User.objects.exists()


@pytest.mark.django_db
def test_createadmin_prints_a_link_to_finish_the_account(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("createadmin", "rosa", email="rosa@example.org")
    out = capsys.readouterr().out
    path = re.search(r"http://127\.0\.0\.1:8000(/en/join/[\w-]+/)", out)
    assert path
    rosa = User.objects.get(username="rosa")
    assert rosa.is_admin
    assert not rosa.has_usable_password()

    client = Client()
    response = client.post(path.group(1), {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    rosa.refresh_from_db()
    assert rosa.check_password(PASSWORD)


@pytest.mark.django_db
def test_nobody_can_sign_themselves_up(client: Client) -> None:
    response = client.post(
        "/en/accounts/signup/",
        {"username": "intruder", "email": "i@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.filter(username="intruder").exists()
    assert response.status_code in {200, 403, 404}


@pytest.mark.django_db
def test_admin_invites_by_email_and_the_invitee_joins(
    admin_client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/es/invitations/", {"email": "nueva@example.org"})
    assert response.status_code == 302
    [message] = deliver()
    assert message.to == ["nueva@example.org"]
    assert message.subject == "Le invitaron a unirse a su red en Solidarity"  # the inviter's language
    path = re.search(r"http://127\.0\.0\.1:8000(/es/join/[\w-]+/)", str(message.body))
    assert path

    joined = Client().post(
        path.group(1),
        {"username": "nueva", "email": "nueva@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert joined.status_code == 302
    assert User.objects.get(username="nueva").language == "es"
    [invitation] = Invitation.objects.filter(is_setup=False)
    assert (invitation.email, invitation.used_at is not None) == ("nueva@example.org", True)


@pytest.mark.django_db
def test_members_cannot_invite(member_client: Client) -> None:
    assert member_client.post("/en/invitations/", {"email": "x@example.org"}).status_code == 403
    assert not deliver()


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["mo.member", "MO.MEMBER@example.org"])
def test_login_by_username_or_email(client: Client, login: str) -> None:
    make_user("mo.member")
    response = client.post("/en/accounts/login/", {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/en/dashboard/").status_code == 200


@pytest.mark.django_db
def test_login_with_a_second_factor(client: Client) -> None:
    user = make_user("ana.admin", is_admin=True)
    secret = add_totp(user)

    response = client.post("/en/accounts/login/", {"login": "ana.admin", "password": PASSWORD})
    assert response["Location"] == "/en/accounts/2fa/authenticate/"
    assert client.get("/en/dashboard/").status_code == 302  # not signed in yet

    response = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/en/dashboard/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("steps", "taken"), [(-1, True), (1, True), (-3, False), (3, False)])
def test_a_phone_clock_a_step_off_still_signs_in(client: Client, steps: int, taken: bool) -> None:
    """A cheap phone's clock drifts and a code turns over while it is typed: one 30-second step either
    way is taken (RFC 6238 5.2); further off is refused. Whichever second the test runs in, a step of 3
    stays outside the window."""
    secret = add_totp(make_user("ana.admin", is_admin=True))
    client.post("/en/accounts/login/", {"login": "ana.admin", "password": PASSWORD})

    client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret, steps)})
    assert (client.get("/en/dashboard/").status_code == 200) is taken


@pytest.mark.django_db
def test_a_code_is_taken_once(client: Client) -> None:
    secret = add_totp(make_user("ana.admin", is_admin=True))
    code = totp_code(secret)
    client.post("/en/accounts/login/", {"login": "ana.admin", "password": PASSWORD})
    client.post("/en/accounts/2fa/authenticate/", {"code": code})
    client.post("/en/accounts/logout/")

    other = Client()
    other.post("/en/accounts/login/", {"login": "ana.admin", "password": PASSWORD})
    other.post("/en/accounts/2fa/authenticate/", {"code": code})
    assert other.get("/en/dashboard/").status_code == 302


@pytest.mark.django_db
def test_admin_activates_totp_then_reaches_the_dashboard(client: Client) -> None:
    user = make_user("new.admin", is_admin=True)
    client.post("/en/accounts/login/", {"login": "new.admin", "password": PASSWORD})
    assert client.get("/en/settings/")["Location"] == "/en/accounts/2fa/"

    # The password was typed a moment ago: adding a factor does not ask for it again (test_reauthentication).
    page = client.get("/en/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    response = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert is_mfa_enabled(user)
    assert client.get("/en/settings/").status_code == 200


@pytest.mark.django_db
def test_guessing_passwords_is_throttled(client: Client) -> None:
    make_user("mo.member")
    statuses = [
        client.post("/en/accounts/login/", {"login": "mo.member", "password": f"wrong {n}"}).status_code
        for n in range(8)
    ]
    assert statuses == [200] * 8  # the form answers each time, with an error
    # Past five failures, even the right password is refused for a while.
    response = client.post("/en/accounts/login/", {"login": "mo.member", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_passwords_are_hashed_with_argon2_in_production() -> None:
    from solidarity.config import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert production.SESSION_COOKIE_AGE <= 12 * 60 * 60


@pytest.mark.django_db
def test_only_the_newest_setup_link_works(client: Client) -> None:
    old = do_issue_setup_link()
    new = do_issue_setup_link()
    assert find_invitation(old.token) is None
    assert find_invitation(new.token) is not None


@pytest.mark.django_db
def test_createadmin_refuses_a_taken_username(member: User) -> None:
    with pytest.raises(CommandError, match="username"):
        call_command("createadmin", "mo.member", email="other@example.org")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/en/settings/?next=/accounts/2fa/", "/en/invitations/x/accounts/2fa/", "/api/v1/network"]
)
def test_admin_without_second_factor_cannot_slip_past_the_setup_pages(path: str) -> None:
    client = Client()
    client.force_login(make_user("no.factor", is_admin=True))
    response = client.get(path)
    assert response.status_code in {302, 404}
    assert response.status_code == 404 or response["Location"] == "/en/accounts/2fa/"
