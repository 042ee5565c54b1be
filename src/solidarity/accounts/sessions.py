"""Sessions: a database engine whose rows name the account, and the limits on a session's life.

settings.SESSION_ENGINE points here. Ending every session of an account is then one DELETE
(services.do_end_sessions), with no scan of every session's data.

A session ends server-side after settings.SESSION_IDLE_TIMEOUT seconds without a request,
and SESSION_COOKIE_AGE seconds after signing in whatever the activity (the cookie's own
expiry moves on each save, so it cannot be the absolute limit). Signing out ends every
session of the account, on every device.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.http import HttpRequest
from django.utils import timezone

from solidarity.accounts.models import Session, User
from solidarity.accounts.services import do_end_sessions

SIGNED_IN_AT = "solidarity_signed_in_at"
SEEN_AT = "solidarity_seen_at"
SEEN_RESOLUTION = 60  # seconds: note activity at most once a minute, not a session write per request


class SessionStore(DatabaseStore):
    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        # Django's own fields, plus the account signed in (Django's docs: "extending database-backed sessions").
        base = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        return Session(
            session_key=base.session_key,
            session_data=base.session_data,
            expire_date=base.expire_date,
            user_id=int(user_id) if user_id is not None else None,
        )


def signed_in(sender: type, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    """At every sign-in (user_logged_in): when the session's life began. Django gave it a new id already."""
    if request is not None:
        now = timezone.now().timestamp()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


def signed_out(sender: type, request: HttpRequest | None, user: AbstractBaseUser | None, **kwargs: Any) -> None:
    """At sign-out (user_logged_out): end the account's sessions everywhere, not only this browser's."""
    if isinstance(user, User):
        do_end_sessions(user)


def session_is_over(request: HttpRequest) -> bool:
    """Has the signed-in session outlived its idle timeout or its absolute lifetime? Notes activity if not.

    A signed-in session without the stamps was not started by a sign-in we saw: it is over (fail closed).
    """
    if not request.user.is_authenticated:
        return False
    now = timezone.now().timestamp()
    began, seen = request.session.get(SIGNED_IN_AT), request.session.get(SEEN_AT)
    if not isinstance(began, int | float) or not isinstance(seen, int | float):
        return True
    if now - began >= settings.SESSION_COOKIE_AGE or now - seen >= settings.SESSION_IDLE_TIMEOUT:
        return True
    if now - seen >= SEEN_RESOLUTION:
        request.session[SEEN_AT] = now
    return False


def end_this_session(request: HttpRequest) -> None:
    """End the request's session only (a timeout: the account's other devices keep theirs)."""
    request.session.flush()
    request.user = AnonymousUser()
