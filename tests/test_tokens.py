"""API tokens: scopes, an expiry, created only from a session verified with a second factor
(or the server's command line), revocable, and every write through one is in the audit log."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from solidarity.accounts.models import ApiToken, TokenScope, User
from solidarity.accounts.services import digest, do_create_token, do_disable_account
from solidarity.core import audit
from solidarity.core.models import AuditAction, AuditEntry, NetworkSettings
from tests.factories.accounts import PASSWORD, add_totp, bearer, client_for, make_user, totp_code

TOKENS = "/en/security/tokens/"


def rename_network(client: Client, secret: str, name: str) -> int:
    response = client.patch("/api/v1/network", {"name": name}, content_type="application/json", headers=bearer(secret))
    return response.status_code


def signed_in_with_second_factor(username: str) -> Client:
    """Signs in through allauth's own pages: the password, then the authenticator app's code."""
    user = make_user(username)
    secret = add_totp(user)
    client = Client()
    first = client.post("/en/accounts/login/", {"login": username, "password": PASSWORD})
    assert first["Location"] == reverse("mfa_authenticate")
    second = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert second.status_code == 302
    return client


@pytest.mark.django_db
def test_a_read_token_reads_but_is_refused_every_write(client: Client, admin: User) -> None:
    secret = do_create_token(admin, name="dashboard", scope=TokenScope.READ).secret

    assert client.get("/api/v1/network", headers=bearer(secret)).status_code == 200
    refused = client.patch("/api/v1/network", {"name": "Mine"}, content_type="application/json", headers=bearer(secret))

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "read_only_token"
    assert NetworkSettings.objects.get().name != "Mine"


@pytest.mark.django_db
def test_a_write_through_a_token_is_in_the_audit_log_with_its_prefix(client: Client, admin: User) -> None:
    issued = do_create_token(admin, name="scripts", scope=TokenScope.WRITE)
    client.get("/api/v1/network", headers=bearer(issued.secret))
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()  # reads are not audited here

    assert rename_network(client, issued.secret, "Red Sur") == 200

    entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert entry.actor == str(admin.uuid)
    assert entry.object_type == "accounts.apitoken"
    assert entry.object_ids == [str(issued.token.uuid)]
    assert entry.detail == {"token": issued.token.prefix, "method": "PATCH", "path": "/api/v1/network"}
    assert issued.secret not in str(entry.detail)
    assert audit.verify().problem is None


@pytest.mark.django_db
def test_a_token_stops_working_when_it_expires(client: Client, member: User) -> None:
    secret = do_create_token(member, name="week", lifetime=timedelta(days=7)).secret
    assert client.get("/api/v1/accounts/me", headers=bearer(secret)).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        assert client.get("/api/v1/accounts/me", headers=bearer(secret)).status_code == 401


@pytest.mark.django_db
def test_a_disabled_accounts_tokens_stop_working(client: Client, admin: User, member: User) -> None:
    secret = do_create_token(member, name="scripts").secret
    do_disable_account(admin, member)
    assert client.get("/api/v1/accounts/me", headers=bearer(secret)).status_code == 401


@pytest.mark.django_db
def test_a_token_made_on_the_web_is_shown_once_kept_as_a_hash_and_expires_in_90_days(db: None) -> None:
    client = signed_in_with_second_factor("tess.tokens")
    form = client.get(TOKENS).content.decode()
    assert 'value="90" selected' in form

    created = client.post(TOKENS, {"name": "phone", "scope": "read", "days": "90"})

    assert created.status_code == 200
    token = ApiToken.objects.get(user__username="tess.tokens")
    page = created.content.decode()
    secret = page.split("<code>", 1)[1].split("</code>", 1)[0]
    assert secret.startswith(token.prefix)
    assert token.token_hash == digest(secret)
    assert token.scope == TokenScope.READ
    assert token.expires_at is not None
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    assert secret not in client.get(TOKENS).content.decode()
    assert Client().get("/api/v1/accounts/me", headers=bearer(secret)).json()["username"] == "tess.tokens"
    entry = AuditEntry.objects.get(action=AuditAction.CREATED, object_type="accounts.apitoken")
    assert entry.actor == str(token.user.uuid)


@pytest.mark.django_db
def test_a_session_without_a_verified_second_factor_cannot_create_tokens(member: User, coordinator: User) -> None:
    # The member has no second factor; the coordinator has one, but this session did not prove it.
    for user in (member, coordinator):
        client = client_for(user)
        page = client.post(TOKENS, {"name": "phone", "scope": "write", "days": "90"})

        assert page.status_code == 200
        assert "set up a second factor" in page.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_the_web_refuses_a_second_live_token_with_the_same_name(db: None) -> None:
    client = signed_in_with_second_factor("tess.tokens")
    client.post(TOKENS, {"name": "phone", "scope": "read", "days": "30"})

    again = client.post(TOKENS, {"name": "phone", "scope": "read", "days": "30"})

    assert again.status_code == 200
    assert "already have a token with this name" in again.content.decode()
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_revoking_a_token_on_the_web_stops_it(client: Client, member: User) -> None:
    issued = do_create_token(member, name="old")
    url = reverse("accounts:revoke-token", kwargs={"api_token": issued.token.uuid})

    assert client_for(member).post(url).status_code == 302

    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert client.get("/api/v1/accounts/me", headers=bearer(issued.secret)).status_code == 401
    entry = AuditEntry.objects.get(action=AuditAction.CHANGED, object_type="accounts.apitoken")
    assert (entry.actor, entry.detail["what"]) == (str(member.uuid), "revoked")


@pytest.mark.django_db
def test_no_one_else_can_see_or_revoke_a_token(coordinator: User, outsider: User, other_coordinator: User) -> None:
    issued = do_create_token(coordinator, name="cora's script")
    url = reverse("accounts:revoke-token", kwargs={"api_token": issued.token.uuid})

    for user in (outsider, other_coordinator):
        client = client_for(user)
        assert client.post(url).status_code == 404
        assert "cora's script" not in client.get(TOKENS).content.decode()

    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


@pytest.mark.django_db
def test_the_cli_makes_a_read_token_and_the_log_says_so(member: User, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("token", "create", "mo.member", "--name", "reports", "--scope", "read", "--expires-days", "30")
    secret = capsys.readouterr().out.strip()

    token = ApiToken.objects.get(user=member)
    assert token.scope == TokenScope.READ
    assert token.token_hash == digest(secret)
    entry = AuditEntry.objects.get(action=AuditAction.CREATED, object_type="accounts.apitoken")
    assert entry.actor == audit.CLI
    assert entry.detail == {"token": token.prefix, "scope": "read"}


@pytest.mark.django_db
def test_the_api_lists_a_tokens_scope(client: Client, member: User) -> None:
    issued = do_create_token(member, name="reader", scope=TokenScope.READ)

    listed = client.get("/api/v1/accounts/tokens", headers=bearer(issued.secret)).json()

    assert listed["count"] == 1
    [token] = listed["items"]
    assert (token["id"], token["name"], token["scope"]) == (str(issued.token.uuid), "reader", "read")


@pytest.mark.django_db
def test_the_api_lists_live_tokens_oldest_first_as_items_and_count_a_page_at_a_time(
    client: Client, member: User, coordinator: User
) -> None:
    secret = do_create_token(member, name="first").secret
    do_create_token(member, name="second")
    do_create_token(member, name="third")
    revoked = do_create_token(member, name="revoked")
    call_command("token", "revoke", "mo.member", "--name", "revoked")
    do_create_token(coordinator, name="cora's script")

    page = client.get("/api/v1/accounts/tokens?limit=2&offset=1", headers=bearer(secret)).json()

    assert page["count"] == 3
    assert [token["name"] for token in page["items"]] == ["second", "third"]
    assert str(revoked.token.uuid) not in str(page)
