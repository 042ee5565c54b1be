"""Every view declares the permission it needs; the declaration is also the check.

A view or API operation declares one of:

- `"public"`: anyone, signed in or not;
- `"authenticated"`: any signed-in account (it sees its own things only);
- `"admin"`: a network admin;
- `role(Role.COORDINATOR, ...)`: one of these roles in the working group the URL
  names (its `group` keyword argument, a slug). To anyone else the group does not
  exist: 404, never 403.

The URL walk (tests/test_url_walk.py) reads the declaration as `view.solidarity_permission`.

core knows the words for roles but not who holds them (accounts, two tiers up, does):
accounts answers the ROLE_LOOKUP hook at start-up. Until it does, every role check fails closed.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from inspect import iscoroutinefunction
from typing import Any, Literal

from asgiref.sync import markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.shortcuts import resolve_url
from django.utils.translation import gettext_lazy as _

from solidarity.core.hooks import Hook

View = Callable[..., Any]
AnyUser = AbstractBaseUser | AnonymousUser


class Role(models.TextChoices):
    """A role held in one working group (accounts.Membership.role)."""

    MEMBER = "member", _("member")
    RESPONDER = "responder", _("responder")
    DISPATCHER = "dispatcher", _("dispatcher")
    COORDINATOR = "coordinator", _("coordinator")
    TREASURER = "treasurer", _("treasurer")


@dataclass(frozen=True)
class GroupRole:
    """Needs one of `roles` in the working group whose slug is the URL's `kwarg`.

    `Role.MEMBER` among them means any member of the group, whatever their role.
    """

    roles: frozenset[Role]
    kwarg: str = "group"

    def admits(self, held: Role) -> bool:
        return Role.MEMBER in self.roles or held in self.roles

    def __str__(self) -> str:
        return f"role {' or '.join(sorted(self.roles))} in <{self.kwarg}>"


def role(*roles: Role, kwarg: str = "group") -> GroupRole:
    """@permission(role(Role.COORDINATOR)): a coordinator of the group the URL names."""
    if not roles:
        raise ValueError("role() needs at least one role")
    return GroupRole(frozenset(Role(name) for name in roles), kwarg)


Permission = Literal["public", "authenticated", "admin"] | GroupRole

# What role `user` holds in the group with this slug, or None: accounts answers (core cannot import it).
# Until it does, nobody holds any role: every role check fails closed.
RoleLookup = Callable[[AbstractBaseUser, str], Role | None]


def no_role(user: AbstractBaseUser, slug: str) -> Role | None:
    return None


ROLE_LOOKUP = Hook[RoleLookup]("core.role-lookup", closed=no_role)


def held_role(user: AnyUser, slug: str) -> Role | None:
    """The role `user` holds in the working group `slug`, or None (also before accounts registered its look-up)."""
    if not isinstance(user, AbstractBaseUser) or not user.is_active:
        return None
    return ROLE_LOOKUP.get()(user, slug)


def login_redirect(request: HttpRequest) -> HttpResponseRedirect:
    # django.contrib.auth.views.redirect_to_login, without importing auth's views: models import this module.
    query = QueryDict(mutable=True)
    query[REDIRECT_FIELD_NAME] = request.get_full_path()
    return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query.urlencode(safe='/')}")


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_superuser", False))


def holds(user: AnyUser, needed: GroupRole, kwargs: Mapping[str, Any]) -> bool:
    """Does `user` hold a role `needed` admits in the group named by the URL's keyword arguments?"""
    slug = kwargs.get(needed.kwarg)
    if not isinstance(slug, str):
        return False
    held = held_role(user, slug)
    return held is not None and needed.admits(held)


def refusal(
    request: HttpRequest, user: AnyUser, needed: Permission, kwargs: Mapping[str, Any] | None = None
) -> HttpResponseBase | None:
    """None when `user` may pass; otherwise the answer to give (a login redirect), PermissionDenied or Http404."""
    if needed == "public":
        return None
    if not user.is_authenticated:
        return login_redirect(request)
    if needed == "admin" and not is_admin(user):
        raise PermissionDenied
    if isinstance(needed, GroupRole) and not holds(user, needed, kwargs or {}):
        raise Http404
    return None


def permission(needed: Permission) -> Callable[[View], View]:
    """Declare and enforce what a view needs: @permission("admin"), @permission(role(Role.COORDINATOR))."""

    def decorate(view: View) -> View:
        if iscoroutinefunction(view):

            @wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                answer = await sync_to_async(refusal)(request, await request.auser(), needed, kwargs)
                return answer if answer is not None else await view(request, *args, **kwargs)

            wrapper: Any = markcoroutinefunction(async_wrapper)
        else:

            @wraps(view)
            def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                answer = refusal(request, request.user, needed, kwargs)
                return answer if answer is not None else view(request, *args, **kwargs)

        wrapper.solidarity_permission = needed
        return wrapper  # type: ignore[no-any-return]  # functools.wraps keeps the view's own signature

    return decorate


# Models whose rows views and API modules reach only through access.py (linted by tests/test_url_walk.py).
SENSITIVE_MODELS: set[type[models.Model]] = set()


def sensitive[M: type[models.Model]](model: M) -> M:
    """Mark a model as sensitive: `@sensitive class Case(models.Model)`."""
    SENSITIVE_MODELS.add(model)
    return model


# Field level: some fields of a record need more than the right to see the record.


class FieldHidden(PermissionDenied):
    """A field the viewer's role may not read (a dispatcher asking for a responder's phone number)."""

    silent_variable_failure = True  # a template shows nothing for it


# {model: {field name: roles that may read it}}; fields not named here go with the record.
FIELD_READERS: dict[type[models.Model], dict[str, frozenset[Role]]] = {}


def restrict_fields[M: type[models.Model]](readers: Mapping[str, set[Role] | frozenset[Role]]) -> Callable[[M], M]:
    """Declare who may read which fields: `@restrict_fields({"phone": {Role.COORDINATOR}})`.

    A dispatcher sees a responder's pseudonym, zone, skills and answer; the phone number and
    email stay with the coordinators, and messages reach the responder by id (the sending
    service looks the address up itself). Admins read every field.
    """

    def declare(model: M) -> M:
        FIELD_READERS[model] = {name: frozenset(roles) for name, roles in readers.items()}
        return model

    return declare


def readable_fields(model: type[models.Model], held: Role | None, *, is_admin: bool = False) -> set[str]:
    """The fields of `model` a holder of `held` (in the record's group) may read."""
    names = {field.name for field in model._meta.concrete_fields}
    if is_admin:
        return names
    hidden = {name for name, roles in FIELD_READERS.get(model, {}).items() if held not in roles}
    # A blind index follows its source: its value would let a viewer test guesses of the hidden one.
    hidden |= {field.name for field in model._meta.concrete_fields if getattr(field, "source", None) in hidden}
    return names - hidden


class Redacted:
    """A record as one viewer may see it: the readable fields as attributes, the rest refused.

    Templates and API schemas get this instead of the model instance, so a hidden field cannot
    slip into a page: reading it raises FieldHidden (a template shows nothing for it, as for any
    failing attribute), and `hidden` names what was held back so a page can say "not shown".
    """

    def __init__(self, record: models.Model, held: Role | None, *, is_admin: bool = False) -> None:
        self._record = record
        self._readable = readable_fields(type(record), held, is_admin=is_admin)
        self.hidden = sorted({field.name for field in record._meta.concrete_fields} - self._readable)

    def __getattr__(self, name: str) -> Any:
        if name in self._readable:
            return getattr(self._record, name)
        raise FieldHidden(f"{type(self._record).__name__}.{name} is not shown to this role")

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self._record, name) for name in sorted(self._readable)}
