"""Fetching the resources, phones and sessions a request may touch: every access_* checks first.

The public sees the resources listed publicly (directory.models.Resource.is_listed_publicly); a member
of the network (anyone in a working group, or an admin) sees every resource. Anything else does not
exist to them (Http404). A resource's keepers are the coordinators of the working group that keeps it.
"""

from datetime import timedelta
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from solidarity.accounts.access import access_group
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.bilingual import in_order
from solidarity.core.codes import as_uuid
from solidarity.core.permissions import AnyUser, Role, Scoped, access_scoped, is_admin, roles_by_group
from solidarity.directory.csv_models import ResourceImport
from solidarity.directory.models import Kind, Phone, Resource, Session
from solidarity.people.sheets import staged_in

LISTED_PUBLICLY = Q(is_public=True) & (~Q(kind=Kind.SANCTUARY) | Q(congregation_agreed=True))


def is_network_member(user: AnyUser) -> bool:
    """Someone in a working group of the network, or an admin: who sees the members-only resources."""
    return bool(user.is_authenticated and user.is_active and (is_admin(user) or roles_by_group(user)))


def visible_resources(user: AnyUser) -> QuerySet[Resource]:
    """The resources `user` may see, in the page's language's order, with their phones, zones and sessions to come."""
    found = Resource.objects.filter(group__archived_at__isnull=True)
    if not is_network_member(user):
        found = found.filter(LISTED_PUBLICLY)
    upcoming = Session.objects.filter(date__gte=timezone.localdate()).order_by("date", "starts_at")
    return found.order_by(in_order("name"), "slug").prefetch_related(
        "phones", "zones", Prefetch("sessions", queryset=upcoming, to_attr="upcoming")
    )


def filtered(found: QuerySet[Resource], kind: str = "", zone: str = "", language: str = "") -> QuerySet[Resource]:
    """Those of `found` of a kind, serving a zone (its slug), speaking a language (its code); empty: any."""
    if kind:
        found = found.filter(kind=kind)
    if zone:
        found = found.filter(zones__slug=zone)
    if language:
        # languages is a short JSON list of codes: matched as text, which both databases do alike.
        found = found.filter(languages__icontains=f'"{language.strip().lower()}"')
    return found.distinct()


def visible_resource(user: AnyUser, slug: str) -> Resource:
    """One resource `user` may see; Http404 otherwise."""
    found = visible_resources(user).filter(slug=slug).select_related("group", "last_checked_by").first()
    if found is None:
        raise Http404
    return found


def keeping_groups(user: AnyUser) -> list[str]:
    """The slugs of the groups whose resources `user` keeps (coordinates), for the links to add one."""
    if not user.is_authenticated:
        return []
    return sorted(slug for slug, held in roles_by_group(user).items() if Role.COORDINATOR in held)


def access_keeping_group(user: User, group: str) -> WorkingGroup:
    """A group whose resources the caller keeps (a coordinator of it)."""
    return access_group(user, group, Role.COORDINATOR)


def access_resource_scoped(user: AnyUser, resource: str) -> Scoped[Resource]:
    """The resource with this short name, with the caller's roles in its keeping group; Http404 for anyone not in it."""
    return access_scoped(
        user,
        ("directory.resource", resource),
        lambda: Resource.objects.select_related("group").filter(slug=resource).first(),
        lambda found: found.group.slug,
    )


def kept(scoped: Scoped[Resource]) -> Resource:
    """The resource of a Scoped look-up, for a keeper (a coordinator of its group); Http404 for anyone else."""
    if not scoped.has(Role.COORDINATOR):
        raise Http404
    return scoped.obj


def phone_of(resource: Resource, phone: str | UUID) -> Phone:
    """One of the phones of a resource the caller keeps; Http404 otherwise."""
    found = resource.phones.filter(uuid=as_uuid(phone)).first()
    if found is None:
        raise Http404
    return found


def session_of(resource: Resource, session: str | UUID) -> Session:
    """One of the sessions of a resource the caller keeps; Http404 otherwise."""
    found = resource.sessions.filter(uuid=as_uuid(session)).first()
    if found is None:
        raise Http404
    return found


def pinned_resources(user: AnyUser) -> QuerySet[Resource]:
    """The resources pinned to the home page (public ones only, directory.services.do_pin), first pinned first."""
    return visible_resources(user).filter(LISTED_PUBLICLY, pinned_at__isnull=False).order_by("pinned_at")


def kept_resources(user: AnyUser) -> QuerySet[Resource]:
    """The resources `user` keeps (of live groups they coordinate): their keeper's list."""
    return visible_resources(user).filter(group__slug__in=keeping_groups(user))


def public_sessions(resource: str = "", days: int = 366) -> QuerySet[Session]:
    """The dated sessions to come (within `days`) of resources listed publicly, or of one of them (its slug):
    what a calendar feed holds, whoever fetches it."""
    today = timezone.localdate()
    found = Session.objects.filter(
        resource__in=Resource.objects.filter(LISTED_PUBLICLY, group__archived_at__isnull=True),
        date__gte=today,
        date__lte=today + timedelta(days=days),
    )
    if resource:
        found = found.filter(resource__slug=resource)
    return found.select_related("resource").order_by("date", "starts_at", "pk")


# Staged CSV imports (directory.csv_io): a group's, seen by its keepers alone.


def access_resource_import(user: User, group: str, resource_import: str | UUID) -> ResourceImport:
    """One of the staged imports of a group whose resources the caller keeps; Http404 otherwise."""
    return staged_in(ResourceImport, access_keeping_group(user, group), resource_import)


def access_resource_import_scoped(user: AnyUser, resource_import: str | UUID) -> Scoped[ResourceImport]:
    """An import, with the caller's roles in the group it is for; Http404 for anyone not in that group."""
    wanted = as_uuid(resource_import)
    return access_scoped(
        user,
        ("directory.resourceimport", str(wanted)),
        lambda: ResourceImport.objects.select_related("group").filter(uuid=wanted).first(),
        lambda found: found.group.slug,
    )


def kept_import(scoped: Scoped[ResourceImport]) -> ResourceImport:
    """The import of a Scoped look-up, for a keeper of its group; Http404 for anyone else."""
    if not scoped.has(Role.COORDINATOR):
        raise Http404
    return scoped.obj
