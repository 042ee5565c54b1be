"""A sealed network that nobody has unlocked yet says so, instead of failing."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from solidarity.core.keyring import KeyringLocked
from solidarity.web.views import error_page


class LockedKeys:
    """Turn KeyringLocked, raised by any view that touches protected data, into a clear 503."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, KeyringLocked):
            return None
        message = _("This network is locked until an operator unlocks it. Public pages still work.")
        return error_page(request, 503, "locked", message)
