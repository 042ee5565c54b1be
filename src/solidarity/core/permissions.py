"""Every view declares the permission it needs; the declaration is also the check.

This issue knows three levels. The data protection core adds roles per
working group; the URL walk reads `view.solidarity_permission`.
"""

from collections.abc import Callable
from functools import wraps
from inspect import iscoroutinefunction
from typing import Any, Literal

from asgiref.sync import markcoroutinefunction
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

Permission = Literal["public", "authenticated", "admin"]
View = Callable[..., Any]


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_superuser", False))


def refusal(
    request: HttpRequest, user: AbstractBaseUser | AnonymousUser, needed: Permission
) -> HttpResponseBase | None:
    """None when `user` may pass; otherwise the answer to give (a login redirect) or PermissionDenied."""
    if needed == "public":
        return None
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if needed == "admin" and not is_admin(user):
        raise PermissionDenied
    return None


def permission(needed: Permission) -> Callable[[View], View]:
    """Declare and enforce what a view needs: @permission("admin")."""

    def decorate(view: View) -> View:
        if iscoroutinefunction(view):

            @wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                answer = refusal(request, await request.auser(), needed)
                return answer if answer is not None else await view(request, *args, **kwargs)

            wrapper: Any = markcoroutinefunction(async_wrapper)
        else:

            @wraps(view)
            def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                answer = refusal(request, request.user, needed)
                return answer if answer is not None else view(request, *args, **kwargs)

        wrapper.solidarity_permission = needed
        return wrapper  # type: ignore[no-any-return]  # functools.wraps keeps the view's own signature

    return decorate
