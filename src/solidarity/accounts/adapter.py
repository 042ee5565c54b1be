"""allauth, fitted to an invitation-only network whose account emails are encrypted.

allauth finds accounts by email with a filter on the column (allauth.account.internal.userkit),
which an encrypted field refuses. Its two uses here go through services.find_users_by_email
instead: signing in (AuthenticationBackend, AUTHENTICATION_BACKENDS) and password reset
(forms.ResetPasswordForm, ACCOUNT_FORMS). allauth's own table of addresses (account_emailaddress)
would keep them in clear: its email page is switched off (urls), and nothing else writes there.
"""

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.authentication import get_authentication_records
from django.http import HttpRequest

from solidarity.accounts.services import find_users_by_email

# What a person presents to prove it is them: a password, or a second factor (a code, a passkey).
# Not a password-reset link, which proves only an inbox.
CREDENTIALS = {"password", "mfa"}


def presented_credential_recently(request: HttpRequest | None) -> bool:
    """Did the person signed in to this session present a credential within the reauthentication timeout?

    allauth logs each credential presented in the session (its authentication records, bound to
    the account), whether at sign-in or when asked again; a session signed in long ago has only
    old records, and one signed in some other way (an admin's session left open) has none.
    """
    if request is None or not request.user.is_authenticated:
        return False
    times = [
        record.get("at")
        for record in get_authentication_records(request, request.user)
        if record.get("method") in CREDENTIALS
    ]
    latest = max((at for at in times if isinstance(at, int | float)), default=None)
    return latest is not None and 0 <= time.time() - latest < account_settings.REAUTHENTICATION_TIMEOUT


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type hints
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Nobody signs themselves up: accounts come from invitations (accounts.views).
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Ask for the password again only if the person has not just typed it.

        allauth counts only an explicit reauthentication as recent, so signing in and then
        activating an authenticator app asked for the password twice within a minute. A password
        or second factor presented at sign-in counts the same, for REAUTHENTICATION_TIMEOUT seconds.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not presented_credential_recently(self.request)

    def get_user_search_fields(self) -> list[str]:
        # An encrypted email cannot be searched (allauth's admin asks).
        return [field for field in super().get_user_search_fields() if field != "email"]


class AuthenticationBackend(AllauthBackend):  # type: ignore[misc]  # allauth ships no type hints
    """allauth's backend (username or email), finding an email's account through its blind index."""

    def _authenticate_by_email(self, email: str, password: str) -> Any:
        for user in find_users_by_email(email):
            if self._check_password(user, password):
                return user
        return None
