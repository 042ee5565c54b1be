"""Bearer tokens for the API: `Authorization: Bearer sol_…`.

A token is created only from a session verified with a second factor, or on the server's
command line, so a request carrying a valid one counts as second-factor verified.
Its scope is enforced here, for every operation at once: a read token may only read
(GET, HEAD, OPTIONS). Every write through a token is recorded in the audit log.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from solidarity.accounts.models import TokenScope
from solidarity.accounts.services import do_record_token_write, find_token
from solidarity.core.api import READ_METHODS, ApiError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = find_token(token)
        if found is None:
            return None
        if request.method not in READ_METHODS:
            if found.scope != TokenScope.WRITE:
                raise ApiError(403, "read_only_token", _("This token may only read. Create one that may also write."))
            do_record_token_write(found, method=str(request.method), path=request.path)
        request.user = found.user
        return found.user


class SessionAuth(NinjaSessionAuth):
    """The browser's session; a write through it must carry the session's CSRF token (403 otherwise).

    ninja checks the CSRF token first, so a caller with no session at all was told 403 about a
    token it could not have: it is told 401, like every other unauthenticated request.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)
