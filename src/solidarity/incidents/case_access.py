"""Who sees which family-support case: every case page and API operation fetches through here.

Need to know, beyond roles: a case is seen only by its named team, the list of accounts on the case.
1. Whoever works cases holds the dispatcher or the case-worker role in some working group (CASE_WORK).
   Both roles reach sensitive data, so their holders have a second factor.
2. Among them, only the case's team sees it: a dispatcher who is not on the team gets a 404, as for a
   case that does not exist. The dispatcher who opens a case is its first member.
3. The team adds and removes members among the network's accounts that hold one of those roles
   (`team_candidates`): a case never reaches an account without a second factor, nor anyone outside
   rapid response. A case keeps at least one member; an account that loses both roles stops seeing the
   cases it is on (the role check comes first).
4. Lists of cases show only the caller's own (`my_cases`); an incident's page counts all its cases but
   names only the caller's.

Every read of a case (its page, the API's read) is written in the audit log (`view_case`).
"""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Model, QuerySet
from django.http import Http404

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, anywhere, holds, holds_anywhere, remember
from solidarity.incidents.case_models import Case
from solidarity.incidents.models import Incident

# Who works family-support cases (and may be put on a case's team).
CASE_ROLES = (Role.DISPATCHER, Role.CASE_WORKER)
CASE_WORK = anywhere(*CASE_ROLES)


def is_case_worker(user: AnyUser) -> bool:
    return holds(user, CASE_WORK, {})


def case_role(user: AnyUser) -> str:
    """The role `user` works cases as, for the audit log: case worker first."""
    return str(Role.CASE_WORKER) if holds_anywhere(user, Role.CASE_WORKER) else str(Role.DISPATCHER)


def my_cases(user: AnyUser) -> QuerySet[Case]:
    """The cases `user` is on the team of, newest first (Http404 for anyone who does not work cases)."""
    if not is_case_worker(user):
        raise Http404
    return Case.objects.filter(team=user.pk).select_related("incident").order_by("-opened_at", "-pk")


def access_case(user: AnyUser, code: str) -> Case:
    """One case by its code, for a member of its team; Http404 otherwise (and for a code no case has)."""
    wanted = code.strip().upper()[:8]
    found = remember(user, ("incidents.case", wanted), lambda: my_cases(user).filter(code=wanted).first())
    if found is None:
        raise Http404
    return found


def view_case(user: AnyUser, code: str) -> Case:
    """`access_case`, written in the audit log as viewed by the caller: what every page or API read calls."""
    found = access_case(user, code)
    audit.record(
        actor=str(getattr(user, "uuid", audit.SYSTEM)),
        role=case_role(user),
        action=AuditAction.VIEWED,
        object_type="incidents.case",
        object_ids=[found.uuid],
    )
    return found


def team_of(case: Case) -> QuerySet[User]:
    return case.team.order_by("username")


def team_candidates() -> QuerySet[User]:
    """The accounts that may be put on a case's team: active, holding a case role in a live working group."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__group__archived_at__isnull=True,
            memberships__grants__role__in=[str(held) for held in CASE_ROLES],
        )
        .distinct()
        .order_by("username")
    )


@dataclass(frozen=True)
class IncidentCases:
    """An incident's cases as one caller may see them: how many in all, and the codes of those they are on."""

    count: int
    mine: list[str]


def cases_of_incident(user: AnyUser, incident: Incident) -> IncidentCases:
    """How many cases `incident` has, and which of them `user` is on (codes only; nothing about the others)."""
    cases = Case.objects.filter(incident=incident)
    mine = list(cases.filter(team=user.pk).order_by("opened_at", "pk").values_list("code", flat=True))
    return IncidentCases(count=cases.count(), mine=mine)


def item_of[M: Model](items: QuerySet[M], item: UUID) -> M:
    """One of a case's needs, tasks or hearings by its uuid (`items`: the case's own); Http404 otherwise."""
    found = items.filter(uuid=item).first()
    if found is None:
        raise Http404
    return found
