"""Every view declares the permission it needs; the declaration is also the check.

A view or API operation declares one of:

- `"public"`: anyone, signed in or not;
- `"authenticated"`: any signed-in account (it sees its own things only);
- `"admin"`: a network admin;
- `role(Role.COORDINATOR, ...)`: one of these roles in the working group the URL names (its
  `group` keyword argument, a slug);
- `anywhere(Role.DISPATCHER, ...)`: one of these roles in any working group (the hotline's
  inbox belongs to the network's dispatchers, whichever group they dispatch for); with
  `admins=True`, network admins too (the network's zones: no group owns them);
- `owner_role(Role.DISPATCHER, ..., access=access_incident, kwarg="code")`: one of these roles
  in the working group that owns the object the URL names. The part's access function finds
  the object for the caller and says which roles the caller holds in its group (`Scoped`).

To anyone refused a role, the group or object does not exist: 404, never 403. `Role.MEMBER`
among the roles means anyone in the group. Admins are not members of every group: an admin
who needs a group's pages joins it, as need-to-know asks.

A person's roles in every group are looked up once per request (`roles_by_group`, kept on the
request's user object). core knows the words for roles (core.roles) but not who holds them:
accounts answers the ROLE_LOOKUP hook at start-up. Until it does, nobody holds any role: every
role check fails closed.

The URL walk (tests/test_url_walk.py) reads the declaration as `view.solidarity_permission`.
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

from solidarity.core.hooks import Hook, Registry
from solidarity.core.roles import Role

View = Callable[..., Any]
AnyUser = AbstractBaseUser | AnonymousUser
Roles = frozenset[Role]

__all__ = ["Role", "Roles"]  # Role is core.roles'; permissions are declared with it


def _admits(wanted: Roles, held: Roles) -> bool:
    """Held roles (a member's, MEMBER included) satisfy `wanted`: MEMBER means any member at all."""
    return bool(held) and (Role.MEMBER in wanted or bool(wanted & held))


def _roles_from(roles: tuple[Role | str, ...]) -> Roles:
    if not roles:
        raise ValueError("a role declaration needs at least one role")
    return frozenset(Role(name) for name in roles)


@dataclass(frozen=True)
class GroupRole:
    """Needs one of `roles` in the working group whose slug is the URL's `kwarg`."""

    roles: Roles
    kwarg: str = "group"

    def admits(self, held: Roles) -> bool:
        return _admits(self.roles, held)

    def __str__(self) -> str:
        return f"role {' or '.join(sorted(self.roles))} in <{self.kwarg}>"


@dataclass(frozen=True)
class AnyGroupRole:
    """Needs one of `roles` in any working group (or, with `admins`, to be a network admin)."""

    roles: Roles
    admins: bool = False

    def admits(self, held: Roles) -> bool:
        return _admits(self.roles, held)

    def __str__(self) -> str:
        anyone = f"role {' or '.join(sorted(self.roles))} in any working group"
        return f"{anyone}, or a network admin" if self.admins else anyone


@dataclass(frozen=True)
class Scoped[T]:
    """An object fetched for a caller, with the roles the caller holds in the working group that owns it."""

    obj: T
    group: str  # the owning group's slug
    roles: Roles

    def has(self, *wanted: Role) -> bool:
        return _admits(frozenset(wanted), self.roles)


# A part's access function: finds the object the URL names for this caller, with the caller's roles
# in its group, or raises Http404. It takes the caller as a user of accounts (hence Any here).
ScopedAccess = Callable[[Any, Any], Scoped[Any]]


@dataclass(frozen=True)
class ObjectRole:
    """Needs one of `roles` in the working group that owns the object named by the URL's `kwarg`."""

    roles: Roles
    access: ScopedAccess
    kwarg: str

    def admits(self, held: Roles) -> bool:
        return _admits(self.roles, held)

    def __str__(self) -> str:
        return f"role {' or '.join(sorted(self.roles))} in the group that owns <{self.kwarg}>"


def role(*roles: Role | str, kwarg: str = "group") -> GroupRole:
    """@permission(role(Role.COORDINATOR)): a coordinator of the group the URL names."""
    return GroupRole(_roles_from(roles), kwarg)


def anywhere(*roles: Role | str, admins: bool = False) -> AnyGroupRole:
    """@permission(anywhere(Role.DISPATCHER)): a dispatcher of any working group.

    `admins=True` lets network admins through as well: for what belongs to the whole network and
    to no group (its zones), where need to know does not keep an admin out.
    """
    return AnyGroupRole(_roles_from(roles), admins)


def owner_role(*roles: Role | str, access: ScopedAccess, kwarg: str) -> ObjectRole:
    """@permission(owner_role(Role.COORDINATOR, access=access_list, kwarg="list_slug"))."""
    return ObjectRole(_roles_from(roles), access, kwarg)


RoleNeed = GroupRole | AnyGroupRole | ObjectRole
Permission = Literal["public", "authenticated", "admin"] | RoleNeed


# Who holds what. {group slug: roles held there, MEMBER included}, for the groups `user` is in.
RoleLookup = Callable[[AbstractBaseUser], Mapping[str, Roles]]


def no_roles(user: AbstractBaseUser) -> Mapping[str, Roles]:
    return {}


ROLE_LOOKUP = Hook[RoleLookup]("core.role-lookup", closed=no_roles)
_KEPT = "_solidarity_kept"  # what a request already looked up, kept on its user object


def remember[T](user: AnyUser, key: tuple[Any, ...], find: Callable[[], T]) -> T:
    """`find()` once per request and key: kept on the request's user object, which lives as long as the request.

    The roles look-up and the parts' access functions use it, so a view and its permission
    check, asking the same thing, cost one query.
    """
    kept: dict[tuple[Any, ...], Any] = user.__dict__.setdefault(_KEPT, {})
    if key not in kept:
        kept[key] = find()
    found: T = kept[key]
    return found


def forget(user: AnyUser) -> None:
    """Drop what was kept for this user object (a service that changed their roles calls it)."""
    user.__dict__.pop(_KEPT, None)


def roles_by_group(user: AnyUser) -> Mapping[str, Roles]:
    """Every working group `user` is in, with the roles held there; looked up once per request."""
    if not isinstance(user, AbstractBaseUser) or not user.is_active:
        return {}
    return remember(user, ("roles",), lambda: ROLE_LOOKUP.get()(user))


def roles_in(user: AnyUser, slug: str) -> Roles:
    """The roles `user` holds in the working group `slug` (empty when they are not in it)."""
    return roles_by_group(user).get(slug, frozenset())


def holds_anywhere(user: AnyUser, *wanted: Role) -> bool:
    """Does `user` hold one of `wanted` in some working group?"""
    needed = frozenset(wanted)
    return any(_admits(needed, held) for held in roles_by_group(user).values())


def access_scoped[T](
    user: AnyUser, key: tuple[Any, ...], find: Callable[[], T | None], group_of: Callable[[T], str]
) -> Scoped[T]:
    """What a part's access function for an object with its own code does: `find()` the object, then the
    caller's roles in the group that owns it (`group_of(obj)`, a slug); Http404 when there is no such
    object or the caller is not in that group. Kept per request under `key`, so an `owner_role`
    permission and the view asking alike cost one look-up.
    """

    def scoped() -> Scoped[T]:
        found = find()
        slug = group_of(found) if found is not None else ""
        held = roles_in(user, slug) if slug else frozenset()
        if found is None or not held:
            raise Http404
        return Scoped(found, slug, held)

    return remember(user, key, scoped)


def login_redirect(request: HttpRequest) -> HttpResponseRedirect:
    # django.contrib.auth.views.redirect_to_login, without importing auth's views: models import this module.
    query = QueryDict(mutable=True)
    query[REDIRECT_FIELD_NAME] = request.get_full_path()
    return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query.urlencode(safe='/')}")


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_superuser", False))


def holds(user: AnyUser, needed: RoleNeed, kwargs: Mapping[str, Any]) -> bool:
    """Does `user` hold a role `needed` admits where the URL's keyword arguments point? Http404 from an access."""
    if not isinstance(user, AbstractBaseUser) or not user.is_active:
        return False
    if isinstance(needed, AnyGroupRole):
        return (needed.admins and is_admin(user)) or holds_anywhere(user, *needed.roles)
    value = kwargs.get(needed.kwarg)
    if value is None:
        return False
    if isinstance(needed, GroupRole):
        return isinstance(value, str) and needed.admits(roles_in(user, value))
    return needed.admits(needed.access(user, value).roles)


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
    if isinstance(needed, GroupRole | AnyGroupRole | ObjectRole) and not holds(user, needed, kwargs or {}):
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


def readable_fields(model: type[models.Model], held: Roles, *, is_admin: bool = False) -> set[str]:
    """The fields of `model` a holder of `held` (the viewer's roles in the record's group) may read."""
    names = {field.name for field in model._meta.concrete_fields}
    if is_admin:
        return names
    hidden = {name for name, roles in FIELD_READERS.get(model, {}).items() if not held & roles}
    # A blind index follows its source: its value would let a viewer test guesses of the hidden one.
    hidden |= {field.name for field in model._meta.concrete_fields if getattr(field, "source", None) in hidden}
    return names - hidden


class Redacted:
    """A record as one viewer may see it: the readable fields as attributes, the rest refused.

    Templates and API schemas get this instead of the model instance, so a hidden field cannot
    slip into a page: reading it raises FieldHidden (a template shows nothing for it, as for any
    failing attribute), and `hidden` names what was held back so a page can say "not shown".
    """

    def __init__(self, record: models.Model, held: Roles, *, is_admin: bool = False) -> None:
        self._record = record
        self._readable = readable_fields(type(record), held, is_admin=is_admin)
        self.hidden = sorted({field.name for field in record._meta.concrete_fields} - self._readable)

    def __getattr__(self, name: str) -> Any:
        if name in self._readable:
            return getattr(self._record, name)
        raise FieldHidden(f"{type(self._record).__name__}.{name} is not shown to this role")

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self._record, name) for name in sorted(self._readable)}


# The URL walk (tests/test_url_walk.py) requests every URL with real objects in it. Each part says how
# to make one for each URL keyword it uses: a filler gets the walk's working group and its coordinator,
# makes (or finds) an object of that group with the part's own services, and returns the URL's value.
# A URL keyword nobody registered fails the walk, naming it.


@dataclass(frozen=True)
class WalkWorld:
    group: Any  # an accounts.WorkingGroup
    owner: Any  # an accounts.User who coordinates it


WalkFiller = Callable[[WalkWorld], object]
WALK_FILLERS = Registry[str, WalkFiller]("core.url-walk-fillers")


def acting_role(user: AnyUser | None, slug: str, *ranked: Role) -> str:
    """The role the audit log keeps for `user` acting in group `slug`: the first of `ranked` they hold, else
    member when they are in the group, else "" (the system, or someone outside it)."""
    if user is None:
        return ""
    held = roles_in(user, slug)
    for role in ranked:
        if role in held:
            return str(role)
    return str(Role.MEMBER) if held else ""
