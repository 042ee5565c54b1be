"""Working groups and who is in them with which roles: creating, renaming and archiving groups, members, roles.

Invariants:
- One membership per person and group; being in the group is the member role. Other roles
  are RoleGrant rows, one per role: a set, changed one grant at a time.
- Every change is audited (actor, their standing, whose roles, which roles: ids and role
  codes, never names) and tells the person's open live streams, after the commit, that their
  roles changed: a stream opened under a role that is gone ends (core.live).
- Changes are conditional inserts and deletes: a double click changes nothing the second time.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from solidarity.accounts.models import Membership, RoleGrant, User, WorkingGroup
from solidarity.core import audit, live
from solidarity.core.models import AuditAction
from solidarity.core.permissions import Role, forget, roles_in

SYSTEM = audit.SYSTEM  # the actor of changes made by a command (the demo), not a person


class MembershipError(Exception):
    """A membership change that cannot be made; `message` says why, in the caller's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def standing(by: User | None, group: WorkingGroup) -> str:
    """How the actor acts on this group, for the audit log: "coordinator", "admin" or "system"."""
    if by is None:
        return SYSTEM
    if Role.COORDINATOR in roles_in(by, group.slug):
        return str(Role.COORDINATOR)
    return "admin" if by.is_admin else ""


def record(by: User | None, group: WorkingGroup, action: AuditAction, about: list[User], **detail: list[str]) -> None:
    audit.record(
        actor=str(by.uuid) if by else SYSTEM,
        role=standing(by, group),
        action=action,
        object_type="accounts.user",
        object_ids=[person.uuid for person in about],
        detail={"group": group.slug, **detail},
    )


def roles_changed(user: User) -> None:
    """After the commit: the person's open live streams hear it, and this request forgets what it kept."""
    forget(user)
    live.publish(live.user_channel(user.uuid), live.ROLES_CHANGED, {})


def everyone_changed(members: list[User]) -> None:
    for member in members:
        roles_changed(member)


# Groups.


def do_create_group(*, name: str, description: str = "", slug: str = "", by: User | None = None) -> WorkingGroup:
    """A new working group; its slug comes from the name unless given. MembershipError if the name or slug is taken."""
    group = WorkingGroup(name=name.strip(), slug=slug or slugify(name)[:60], description=description.strip())
    group.full_clean()  # ValidationError names the field: the form and the API show it
    with transaction.atomic():
        group.save()
        audit.record(
            actor=str(by.uuid) if by else SYSTEM,
            role="admin" if by else SYSTEM,
            action=AuditAction.CREATED,
            object_type="accounts.workinggroup",
            object_ids=[group.uuid],
            detail={"group": group.slug},
        )
    return group


def do_update_group(group: WorkingGroup, *, name: str, description: str, by: User) -> WorkingGroup:
    """Rename a group or change its description (its slug, in every address, stays)."""
    group.name, group.description = name.strip(), description.strip()
    group.full_clean()
    with transaction.atomic():
        group.save(update_fields=["name", "description"])
        audit.record(
            actor=str(by.uuid),
            role=standing(by, group),
            action=AuditAction.CHANGED,
            object_type="accounts.workinggroup",
            object_ids=[group.uuid],
            detail={"group": group.slug, "what": "renamed"},
        )
    return group


def do_archive_group(group: WorkingGroup, *, by: User, archived: bool = True) -> bool:
    """Archive a group (its pages are gone for everyone, its history kept), or bring it back; True if it changed."""
    with transaction.atomic():
        still = WorkingGroup.objects.filter(pk=group.pk, archived_at__isnull=archived)
        changed = still.update(archived_at=timezone.now() if archived else None) == 1
        if changed:
            audit.record(
                actor=str(by.uuid),
                role="admin",
                action=AuditAction.CHANGED,
                object_type="accounts.workinggroup",
                object_ids=[group.uuid],
                detail={"group": group.slug, "what": "archived" if archived else "restored"},
            )
            members = list(User.objects.filter(memberships__group=group))
            transaction.on_commit(lambda: everyone_changed(members))
    group.refresh_from_db(fields=["archived_at"])
    return changed


# Members and their roles.


def do_add_member(group: WorkingGroup, user: User, roles: Iterable[Role] = (), *, by: User | None = None) -> Membership:
    """Add `user` to `group`, holding `roles` besides member. Already in it: MembershipError."""
    wanted = sorted({Role(held) for held in roles} - {Role.MEMBER})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(group=group, user=user)
            RoleGrant.objects.bulk_create(RoleGrant(membership=membership, role=held, granted_by=by) for held in wanted)
            record(by, group, AuditAction.CREATED, [user], joined=[str(held) for held in wanted])
    except IntegrityError:
        raise MembershipError(_("%(username)s is already in this group.") % {"username": user.username}) from None
    transaction.on_commit(lambda: roles_changed(user))
    return membership


def account_named(username: str) -> User:
    """The active account with this username, in any case; MembershipError if there is none."""
    user = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
    if user is None:
        raise MembershipError(_("No account has this username."))
    return user


def check_add_member(group: WorkingGroup, username: str, roles: Iterable[Role], *, by: User | None) -> Membership:
    """Find the active account named `username`, then add it to `group` (MembershipError if there is none)."""
    return do_add_member(group, account_named(username), roles, by=by)


def check_appoint(group: WorkingGroup, username: str, *, by: User) -> User:
    """An admin appoints the account named `username` coordinator of `group` (joining it if needed)."""
    person = account_named(username)
    do_grant_role(group, person, Role.COORDINATOR, by=by)
    return person


@dataclass(frozen=True)
class RoleChange:
    granted: list[Role]
    revoked: list[Role]

    def __bool__(self) -> bool:
        return bool(self.granted or self.revoked)


def do_set_roles(group: WorkingGroup, user: User, roles: Iterable[Role], *, by: User | None) -> RoleChange:
    """Make `user`'s roles in `group` exactly `roles` (besides member): grants what is new, revokes what is gone.

    The person must be in the group (MembershipError otherwise). One audit entry for what changed.
    """
    wanted = {Role(held) for held in roles} - {Role.MEMBER}
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
        if membership is None:
            raise MembershipError(_("%(username)s is not in this group.") % {"username": user.username})
        held = {Role(grant) for grant in membership.grants.values_list("role", flat=True)}
        granted, revoked = sorted(wanted - held), sorted(held - wanted)
        RoleGrant.objects.bulk_create(
            (RoleGrant(membership=membership, role=role, granted_by=by) for role in granted), ignore_conflicts=True
        )
        membership.grants.filter(role__in=revoked).delete()
        change = RoleChange(granted, revoked)
        if change:
            record(
                by,
                group,
                AuditAction.CHANGED,
                [user],
                granted=[str(r) for r in granted],
                revoked=[str(r) for r in revoked],
            )
            transaction.on_commit(lambda: roles_changed(user))
    return change


def do_grant_role(group: WorkingGroup, user: User, role: Role, *, by: User | None) -> bool:
    """Give `user` one more role in `group` (joining them to it if needed, when an admin appoints); True if new."""
    with transaction.atomic():
        if not Membership.objects.filter(group=group, user=user).exists():
            do_add_member(group, user, [role], by=by)
            return True
        held = set(Membership.objects.get(group=group, user=user).grants.values_list("role", flat=True))
        return bool(do_set_roles(group, user, {Role(code) for code in held} | {role}, by=by))


def do_revoke_role(group: WorkingGroup, user: User, role: Role, *, by: User | None) -> bool:
    """Take one role from `user` in `group` (they stay a member); True if they held it."""
    with transaction.atomic():
        membership = Membership.objects.filter(group=group, user=user).first()
        if membership is None:
            return False
        held = {Role(code) for code in membership.grants.values_list("role", flat=True)}
        return bool(do_set_roles(group, user, held - {role}, by=by))


def do_remove_member(group: WorkingGroup, user: User, *, by: User | None) -> bool:
    """Take `user` out of `group`, with every role they held there; True if they were in it."""
    with transaction.atomic():
        membership = Membership.objects.filter(group=group, user=user).first()
        if membership is None:
            return False
        held = sorted(membership.grants.values_list("role", flat=True))
        membership.delete()
        record(by, group, AuditAction.DELETED, [user], left=held)
        transaction.on_commit(lambda: roles_changed(user))
    return True
