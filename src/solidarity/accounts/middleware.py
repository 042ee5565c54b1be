"""Sessions that are over end here; accounts that reach sensitive data must have a second factor.

end_expired_sessions: a session idle too long, or signed in too long ago, ends (accounts.sessions).

require_second_factor: accounts that reach sensitive data must have a second factor before they see anything else.

That is admins, and anyone holding a role in ROLES_WITH_SENSITIVE_DATA (dispatcher, coordinator,
treasurer) in any working group. Until they set one up they reach only the pages that do so,
and sign-out; every other page, the account pages (email, password) included, sends them there.
allauth's MFA pages act on request.user alone, so they cannot touch another account.
"""

import re
from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import sync_and_async_middleware
from django.utils.translation import gettext as _

from solidarity.accounts.access import reaches_sensitive_data
from solidarity.accounts.sessions import end_this_session, session_is_over

# What such an account without a second factor may still reach: the pages that set one up, and sign-out.
OPEN_PATHS = re.compile(r"^/(?:[a-z]{2}/accounts/(?:2fa|logout|reauthenticate)/|static/|healthz$)")


def needs_second_factor(user: AbstractBaseUser | AnonymousUser, path: str) -> bool:
    if not user.is_authenticated or OPEN_PATHS.match(path):
        return False
    return reaches_sensitive_data(user) and not is_mfa_enabled(user)


@sync_and_async_middleware
def require_second_factor(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> Any:
            user = await request.auser()
            if await sync_to_async(needs_second_factor)(user, request.path):
                return HttpResponseRedirect(reverse("mfa_index"))
            return await get_response(request)

        return async_middleware

    def middleware(request: HttpRequest) -> Any:
        if needs_second_factor(request.user, request.path):
            return HttpResponseRedirect(reverse("mfa_index"))
        return get_response(request)

    return middleware


def check_session(request: HttpRequest) -> None:
    if session_is_over(request):
        end_this_session(request)
        messages.info(request, _("Your session has ended. Please sign in again."))


@sync_and_async_middleware
def end_expired_sessions(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> Any:
            await sync_to_async(check_session)(request)
            return await get_response(request)

        return async_middleware

    def middleware(request: HttpRequest) -> Any:
        check_session(request)
        return get_response(request)

    return middleware
