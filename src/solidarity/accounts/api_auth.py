"""Bearer tokens for the API: `Authorization: Bearer sol_…`."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from solidarity.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
