"""Fetching what a request may touch: every access_* checks the permission first.

A working group the caller may not see does not exist for them: Http404, never 403,
so that outsiders cannot learn which groups exist. Views and API modules reach
sensitive models only through here (tests/test_url_walk.py lints it).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest

from solidarity.accounts.models import ApiToken, Invitation, Membership, RoleGrant, User, WorkingGroup
from solidarity.core import audit
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import GroupRole, Role, Roles, role, roles_by_group, roles_in
from solidarity.core.roles import ROLES, sensitive_roles

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def signed_in(request: HttpRequest) -> User:
    """The signed-in account; views reach this only behind a permission that requires one."""
    if not isinstance(request.user, User) or not request.user.is_active:
        raise PermissionDenied
    return request.user


def held_roles(user: AbstractBaseUser) -> dict[str, Roles]:
    """{group slug: roles held there, MEMBER included} for every live group `user` is in: one query.

    What core's role checks ask (the ROLE_LOOKUP hook); callers go through core.permissions'
    roles_by_group, which asks once per request. Archived groups count for nobody.
    """
    rows = Membership.objects.filter(
        user_id=user.pk, user__is_active=True, group__archived_at__isnull=True
    ).values_list("group__slug", "grants__role")
    held: dict[str, set[Role]] = {}
    for slug, granted in rows:
        held.setdefault(slug, {Role.MEMBER})
        if granted:
            held[slug].add(Role(granted))
    return {slug: frozenset(roles) for slug, roles in held.items()}


def with_grants(memberships: "QuerySet[Membership]") -> "QuerySet[Membership]":
    return memberships.prefetch_related(Prefetch("grants", queryset=RoleGrant.objects.order_by("role")))


def access_membership(user: User, slug: str, needed: Role | GroupRole) -> Membership:
    """The caller's own membership in the group, with its group and roles, if they hold a role `needed` admits."""
    requirement = needed if isinstance(needed, GroupRole) else role(needed)
    held = roles_in(user, slug)
    if not requirement.admits(held):
        raise Http404
    membership = Membership.objects.select_related("group").filter(user=user, group__slug=slug).first()
    if membership is None:
        raise Http404
    membership.known_roles = held
    return membership


def access_group(user: User, slug: str, needed: Role | GroupRole) -> WorkingGroup:
    """The group with this slug, if `user` holds a role there that `needed` admits; Http404 otherwise."""
    return access_membership(user, slug, needed).group


def members_of(group: WorkingGroup) -> QuerySet[Membership]:
    """Everyone in a group the caller reached through access_group or access_membership, with their roles."""
    return with_grants(group.memberships.select_related("user").filter(user__is_active=True).order_by("user__username"))


def members_seen_by(viewer: User, mine: Membership) -> list[Membership]:
    """The members of the viewer's group, with one audit entry saying who saw whom (ids, never values)."""
    members = list(members_of(mine.group))
    audit.record(
        actor=str(viewer.uuid),
        role=mine.roles[0],  # the first in the vocabulary's order: the audit log keeps one role
        action=AuditAction.VIEWED,
        object_type="accounts.user",
        object_ids=[membership.user.uuid for membership in members],
        detail={"group": mine.group.slug},
    )
    return members


def access_member(user: User, slug: str, person: UUID) -> tuple[Membership, Membership]:
    """(the caller's membership as a coordinator of the group, the membership of `person` there); Http404 otherwise."""
    mine = access_membership(user, slug, Role.COORDINATOR)
    theirs = members_of(mine.group).filter(user__uuid=person).first()
    if theirs is None:
        raise Http404
    return mine, theirs


@dataclass(frozen=True)
class TrailEntry:
    at: datetime
    actor: str  # a username, or who acted for the system
    action: str
    records: int


TRAIL_SCAN = 2000  # recent entries looked through: JSON look-ups differ between SQLite and PostgreSQL


def group_audit_trail(group: WorkingGroup, limit: int = 100) -> list[TrailEntry]:
    """Recent audit entries about this group's people, for its coordinators."""
    people = {str(uuid) for uuid in group.memberships.values_list("user__uuid", flat=True)}
    recent = AuditEntry.objects.filter(object_type="accounts.user").order_by("-seq")[:TRAIL_SCAN]
    found = [e for e in recent if e.detail.get("group") == group.slug or people & set(e.object_ids)][:limit]
    names = actor_names(found)
    return [TrailEntry(e.at, names.get(e.actor, e.actor), e.get_action_display(), len(e.object_ids)) for e in found]


def my_memberships(user: User) -> QuerySet[Membership]:
    """The caller's own live working groups, with the roles held in each."""
    mine = Membership.objects.filter(user=user, group__archived_at__isnull=True).select_related("group")
    return with_grants(mine.order_by("group__name"))


def pending_invitations(user: User) -> QuerySet[Invitation]:
    """Invitations nobody has answered yet, newest first: for admins only."""
    if not user.is_admin:
        raise PermissionDenied
    return Invitation.objects.filter(used_at__isnull=True, user__isnull=True, is_setup=False).order_by("-created_at")


def live_tokens(user: User) -> QuerySet[ApiToken]:
    """The caller's own API tokens that are not revoked, oldest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("created_at", "pk")


def reaches_sensitive_data(user: AbstractBaseUser) -> bool:
    """Admins, and anyone holding a role that reaches sensitive data in some group: they need a second factor."""
    if getattr(user, "is_superuser", False):
        return True
    sensitive = sensitive_roles()
    return any(held & sensitive for held in roles_by_group(user).values())


def access_token(user: User, token: UUID) -> ApiToken:
    """One of the caller's own live tokens; anyone else's does not exist for them (Http404)."""
    found = live_tokens(user).filter(uuid=token).first()
    if found is None:
        raise Http404
    return found


def access_account(user: User, person: UUID) -> User:
    """Any account, by its uuid, for a network admin (their security page); PermissionDenied for others."""
    if not user.is_admin:
        raise PermissionDenied
    found = User.objects.filter(uuid=person).first()
    if found is None:
        raise Http404
    return found


def second_factor_verified(request: HttpRequest) -> bool:
    """Did the signed-in account prove a second factor in this session (at sign-in, or reauthenticating)?

    allauth records each authentication of a session; a passkey sign-in counts, being a second factor itself.
    """
    user = request.user
    if not user.is_authenticated or not is_mfa_enabled(user):
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def audit_head_recipients() -> list[tuple[str, str]]:
    """Who keeps a copy of the daily signed audit head: every active coordinator and admin, once each."""
    coordinators = RoleGrant.objects.filter(role=Role.COORDINATOR).values_list("membership__user_id", flat=True)
    people = User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(pk__in=coordinators))
    return [(str(user.email), user.language) for user in people.order_by("pk") if user.email]


def all_groups(user: User) -> QuerySet[WorkingGroup]:
    """Every working group, live ones first, with how many are in each: for admins only."""
    if not user.is_admin:
        raise PermissionDenied
    return WorkingGroup.objects.annotate(members=Count("memberships")).order_by(
        F("archived_at").asc(nulls_first=True), "name"
    )


def access_any_group(user: User, slug: str) -> WorkingGroup:
    """Any working group, archived or not, for a network admin (to rename, archive, appoint); else PermissionDenied."""
    if not user.is_admin:
        raise PermissionDenied
    found = WorkingGroup.objects.filter(slug=slug).first()
    if found is None:
        raise Http404
    return found


def is_member(user: User, group: WorkingGroup) -> bool:
    """Is `user` in `group` (archived or not)?"""
    return Membership.objects.filter(group=group, user=user).exists()


def coordinators_of(group: WorkingGroup) -> QuerySet[Membership]:
    """The group's coordinators, for the admin who appoints and removes them (reached through access_any_group)."""
    return members_of(group).filter(grants__role=Role.COORDINATOR)


@dataclass(frozen=True)
class RoleHistoryEntry:
    at: datetime
    actor: str
    granted: list[str]  # role labels
    revoked: list[str]


def role_history(group: WorkingGroup, person: User, limit: int = 50) -> list[RoleHistoryEntry]:
    """When `person` joined, left, or had roles granted or revoked in `group`, and by whom: newest first."""
    recent = AuditEntry.objects.filter(object_type="accounts.user").exclude(action=AuditAction.VIEWED)
    found = [
        entry
        for entry in recent.order_by("-seq")[:TRAIL_SCAN]
        if entry.detail.get("group") == group.slug
        and str(person.uuid) in entry.object_ids
        and {"granted", "revoked", "joined", "left"} & set(entry.detail)
    ][:limit]
    names = actor_names(found)

    def labels(codes: list[str]) -> list[str]:
        return [Role(code).label if code in ROLES else code for code in codes]

    return [
        RoleHistoryEntry(
            entry.at,
            names.get(entry.actor, entry.actor),
            labels([*entry.detail.get("joined", []), *entry.detail.get("granted", [])])
            + ([str(Role.MEMBER.label)] if "joined" in entry.detail else []),
            labels([*entry.detail.get("left", []), *entry.detail.get("revoked", [])])
            + ([str(Role.MEMBER.label)] if "left" in entry.detail else []),
        )
        for entry in found
    ]


def actor_names(entries: list[AuditEntry]) -> dict[str, str]:
    """{actor as logged: username} for the entries' actors that are accounts (the rest are "system", "public")."""
    uuids = {entry.actor for entry in entries if UUID_TEXT.fullmatch(entry.actor)}
    return {str(uuid): name for uuid, name in User.objects.filter(uuid__in=uuids).values_list("uuid", "username")}
