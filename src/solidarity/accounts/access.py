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
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from solidarity.accounts.models import ROLES_WITH_SENSITIVE_DATA, ApiToken, Invitation, Membership, User, WorkingGroup
from solidarity.core import audit
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import GroupRole, Role, role

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def signed_in(request: HttpRequest) -> User:
    """The signed-in account; views reach this only behind a permission that requires one."""
    if not isinstance(request.user, User) or not request.user.is_active:
        raise PermissionDenied
    return request.user


def role_in_group(user: AbstractBaseUser, slug: str) -> Role | None:
    """The role `user` holds in the group with this slug, or None: what core's `role(...)` checks ask."""
    held = (
        Membership.objects.filter(user_id=user.pk, user__is_active=True, group__slug=slug)
        .values_list("role", flat=True)
        .first()
    )
    return Role(held) if held is not None else None


def access_membership(user: User, slug: str, needed: Role | GroupRole) -> Membership:
    """The caller's own membership in the group, with its group, if its role is one `needed` admits."""
    requirement = needed if isinstance(needed, GroupRole) else role(needed)
    membership = Membership.objects.select_related("group").filter(user=user, group__slug=slug).first()
    if membership is None or not user.is_active or not requirement.admits(Role(membership.role)):
        raise Http404
    return membership


def access_group(user: User, slug: str, needed: Role | GroupRole) -> WorkingGroup:
    """The group with this slug, if `user` holds a role there that `needed` admits; Http404 otherwise."""
    return access_membership(user, slug, needed).group


def members_of(group: WorkingGroup) -> QuerySet[Membership]:
    """Everyone in a group the caller reached through access_group or access_membership."""
    return group.memberships.select_related("user").filter(user__is_active=True).order_by("user__username")


def members_seen_by(viewer: User, mine: Membership) -> list[Membership]:
    """The members of the viewer's group, with one audit entry saying who saw whom (ids, never values)."""
    members = list(members_of(mine.group))
    audit.record(
        actor=str(viewer.uuid),
        role=mine.role,
        action=AuditAction.VIEWED,
        object_type="accounts.user",
        object_ids=[membership.user.uuid for membership in members],
        detail={"group": mine.group.slug},
    )
    return members


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
    names = dict(
        User.objects.filter(uuid__in=[e.actor for e in found if UUID_TEXT.fullmatch(e.actor)]).values_list(
            "uuid", "username"
        )
    )
    return [
        TrailEntry(
            e.at,
            names.get(UUID(e.actor), e.actor) if UUID_TEXT.fullmatch(e.actor) else e.actor,
            e.get_action_display(),
            len(e.object_ids),
        )
        for e in found
    ]


def my_memberships(user: User) -> QuerySet[Membership]:
    """The caller's own working groups, with the role held in each."""
    return Membership.objects.filter(user=user).select_related("group").order_by("group__name")


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
    return Membership.objects.filter(user_id=user.pk, role__in=ROLES_WITH_SENSITIVE_DATA).exists()


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
    coordinators = Membership.objects.filter(role=Role.COORDINATOR).values_list("user_id", flat=True)
    people = User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(pk__in=coordinators))
    return [(str(user.email), user.language) for user in people.order_by("pk") if user.email]
