"""Fetching what a request may touch."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from solidarity.accounts.models import User


def signed_in(request: HttpRequest) -> User:
    """The signed-in account; views reach this only behind a permission that requires one."""
    if not isinstance(request.user, User) or not request.user.is_active:
        raise PermissionDenied
    return request.user
