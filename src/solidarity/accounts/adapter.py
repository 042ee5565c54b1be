"""allauth, fitted to an invitation-only network whose account emails are encrypted.

allauth finds accounts by email with a filter on the column (allauth.account.internal.userkit),
which an encrypted field refuses. Its two uses here go through services.find_users_by_email
instead: signing in (AuthenticationBackend, AUTHENTICATION_BACKENDS) and password reset
(forms.ResetPasswordForm, ACCOUNT_FORMS). allauth's own table of addresses (account_emailaddress)
would keep them in clear: its email page is switched off (urls), and nothing else writes there.
"""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.http import HttpRequest

from solidarity.accounts.services import find_users_by_email


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type hints
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Nobody signs themselves up: accounts come from invitations (accounts.views).
        return False

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
