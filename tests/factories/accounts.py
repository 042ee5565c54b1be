"""Accounts: users, members of a working group with their roles, signed-in clients, second factors, tokens."""

import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from solidarity.accounts.groups import do_add_member
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role
from solidarity.core.roles import sensitive_roles

PASSWORD = "a long test passphrase"


def make_user(username: str, *, is_admin: bool = False) -> User:
    user = User(username=username, email=f"{username}@example.org", is_superuser=is_admin)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_member(username: str, group: WorkingGroup, *roles: Role) -> User:
    """An account in `group` holding `roles`; a role that reaches sensitive data comes with a second factor."""
    user = make_user(username)
    do_add_member(group, user, roles)
    if set(roles) & sensitive_roles():
        add_totp(user)
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def totp_code(secret: str, steps: int = 0) -> str:
    """What an authenticator app shows now (RFC 6238, 30-second steps), through allauth's own TOTP code;
    `steps` away from now for a phone whose clock is behind (negative) or ahead."""
    code: str = format_hotp_value(hotp_value(secret, int(time.time() // 30) + steps))
    return code


def add_totp(user: User) -> str:
    """A second factor (an authenticator app) for `user`; its secret."""
    secret: str = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def bearer(secret: str) -> dict[str, str]:
    """The headers of an API call made with the token `secret`."""
    return {"authorization": f"Bearer {secret}"}
