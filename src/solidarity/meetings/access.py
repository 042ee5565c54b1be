"""Who sees which meeting and who runs it: every page and API operation fetches through here.

1. Seeing a meeting (its agenda, its time and place, the live queue's picture) follows its
   visibility: public, any signed-in account of the network (members), or the members of the
   working group that holds it. Whoever holds one of its duties, or said they would come, sees it.
2. Running it: the group's coordinators and facilitators, and this meeting's facilitator, manage
   everything (the meeting, the agenda, its roles, the live agenda, the stack, the minutes).
   Stack keepers keep the stack; timekeepers give more time; minute takers take the minutes:
   the group's, and whoever holds that duty at this meeting (a duty is its role, here only).
3. Joining the speaking queue: an account that sees the meeting; anyone with the code when the
   meeting is open (their browser keeps a token; by SMS, their number).

To anyone who may not see a meeting, it does not exist: 404.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import AnyUser, Role, Roles, Scoped, remember, roles_by_group, roles_in
from solidarity.meetings.models import AgendaItem, Meeting, MeetingRole, Participant, State, Turn, Visibility


class Power(StrEnum):
    SEE = "see"
    MANAGE = "manage"  # the meeting, its agenda and roles, the live agenda, the stack, the minutes
    EXTEND = "extend"  # more time for the current item
    STACK = "stack"  # the speaking queue
    MINUTES = "minutes"


# Who holds each power: a role in the meeting's group, or the same duty at this meeting (a duty's code is
# its role's: the facilitator of this meeting holds Role.FACILITATOR here, wherever their groups are).
MANAGERS = frozenset({Role.COORDINATOR, Role.FACILITATOR})
HOLDERS = {
    Power.MANAGE: MANAGERS,
    Power.STACK: MANAGERS | {Role.STACK_KEEPER},
    Power.EXTEND: MANAGERS | {Role.TIMEKEEPER},
    Power.MINUTES: MANAGERS | {Role.MINUTE_TAKER},
}


def may_see(user: AnyUser, meeting: Meeting) -> bool:
    if meeting.visibility == Visibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if meeting.visibility == Visibility.MEMBERS or roles_in(user, meeting.group.slug):
        return True
    return meeting.roles.filter(user_id=user.pk).exists() or meeting.participants.filter(user_id=user.pk).exists()


def held_at(user: AnyUser, meeting: Meeting) -> Roles:
    """The roles `user` holds at `meeting`: theirs in its group, and its duties they hold (kept per request)."""
    if not user.is_authenticated:
        return frozenset()

    def find() -> Roles:
        duties = meeting.roles.filter(user_id=user.pk).values_list("duty", flat=True)
        return roles_in(user, meeting.group.slug) | {Role(duty) for duty in duties}

    return remember(user, ("meetings.held", meeting.pk), find)


def powers_of(user: AnyUser, meeting: Meeting) -> frozenset[Power]:
    """What `user` may do at `meeting`."""
    if not may_see(user, meeting):
        return frozenset()
    held = held_at(user, meeting)
    return frozenset({Power.SEE} | {power for power, roles in HOLDERS.items() if held & roles})


def access_meeting_scoped(user: AnyUser, meeting: str) -> Scoped[Meeting]:
    """The meeting with the roles `user` holds at it (for `owner_role` declarations); Http404 without any."""
    found = found_meeting(user, meeting)
    held = held_at(user, found) if found is not None else frozenset()
    if found is None or not held:
        raise Http404
    return Scoped(found, found.group.slug, held)


def find_meeting(code: str) -> Meeting | None:
    if not isinstance(code, str) or not code.isalnum() or len(code) > 8:
        return None
    return Meeting.objects.select_related("group", "current_item").filter(code=code.upper()).first()


def found_meeting(user: AnyUser, code: str) -> Meeting | None:
    """find_meeting, once per request for a signed-in user: a view and its permission check ask the same."""
    if not user.is_authenticated:
        return find_meeting(code)
    return remember(user, ("meetings.meeting", code), lambda: find_meeting(code))


def access_meeting(user: AnyUser, code: str, need: Power = Power.SEE) -> Meeting:
    """The meeting `code` names, if `user` has the power `need` there; Http404 otherwise."""
    meeting = found_meeting(user, code)
    if meeting is None or need not in powers_of(user, meeting):
        raise Http404
    return meeting


def visible(user: AnyUser) -> QuerySet[Meeting]:
    """The meetings `user` may see (public ones for anyone)."""
    seen = Q(visibility=Visibility.PUBLIC)
    if user.is_authenticated:
        seen |= Q(visibility=Visibility.MEMBERS) | Q(group__slug__in=list(roles_by_group(user)))
        seen |= Q(roles__user_id=user.pk) | Q(participants__user_id=user.pk)
    return Meeting.objects.filter(seen).distinct().select_related("group")


def upcoming(user: AnyUser) -> QuerySet[Meeting]:
    """Meetings to come or under way, soonest first."""
    since = timezone.now() - timedelta(hours=12)
    return (
        visible(user)
        .filter(Q(state=State.LIVE) | Q(state=State.SCHEDULED, starts_at__gt=since))
        .order_by("starts_at", "pk")
    )


def past(user: AnyUser) -> QuerySet[Meeting]:
    return visible(user).filter(state=State.CLOSED).order_by("-starts_at", "-pk")


def meeting_group(user: AnyUser, slug: str) -> WorkingGroup:
    """A group whose meetings `user` may create (a coordinator or facilitator of it); Http404 otherwise."""
    group = WorkingGroup.objects.filter(slug=slug, archived_at=None).first()
    if group is None or not (roles_in(user, slug) & MANAGERS):
        raise Http404
    return group


def access_turn(user: AnyUser, meeting: Meeting, turn: str) -> Turn:
    """A turn of `meeting` for its stack keepers; Http404 otherwise."""
    if Power.STACK not in powers_of(user, meeting):
        raise Http404
    try:
        return Turn.objects.select_related("participant", "item", "side", "meeting").get(meeting=meeting, uuid=turn)
    except (Turn.DoesNotExist, ValueError) as error:
        raise Http404 from error


def access_item(user: AnyUser, meeting: Meeting, item: str, need: Power = Power.MANAGE) -> AgendaItem:
    """An item of `meeting`'s agenda, for whoever has the power `need` there; Http404 otherwise."""
    if need not in powers_of(user, meeting):
        raise Http404
    try:
        return AgendaItem.objects.select_related("group", "meeting").get(meeting=meeting, uuid=item)
    except (AgendaItem.DoesNotExist, ValueError, ValidationError) as error:
        raise Http404 from error


def access_own_turn(user: AnyUser, meeting: Meeting, turn: str) -> Turn:
    """A turn of `meeting`: the caller's own (as an account), or any for its stack keepers; Http404 otherwise."""
    if Power.STACK in powers_of(user, meeting):
        return access_turn(user, meeting, turn)
    if not user.is_authenticated or Power.SEE not in powers_of(user, meeting):
        raise Http404
    try:
        return Turn.objects.select_related("participant", "item", "side", "meeting").get(
            meeting=meeting, uuid=turn, participant__user_id=user.pk
        )
    except (Turn.DoesNotExist, ValueError, ValidationError) as error:
        raise Http404 from error


def access_participant(user: AnyUser, meeting: Meeting, participant: str) -> Participant:
    """Someone at `meeting`, for its stack keepers; Http404 otherwise."""
    if Power.STACK not in powers_of(user, meeting):
        raise Http404
    try:
        return Participant.objects.get(meeting=meeting, uuid=participant)
    except (Participant.DoesNotExist, ValueError) as error:
        raise Http404 from error


def members_for_roles(meeting: Meeting) -> QuerySet[User]:
    """Who may be given a duty: members of the meeting's group (an assembly's: any active account)."""
    users = User.objects.filter(is_active=True)
    if meeting.visibility == Visibility.GROUP:
        users = users.filter(memberships__group=meeting.group)
    return users.order_by("username")


def groups_run_by(user: AnyUser) -> list[WorkingGroup]:
    """The live groups whose meetings `user` may create."""
    if not user.is_authenticated:
        return []
    slugs = [slug for slug, held in roles_by_group(user).items() if held & MANAGERS]
    return list(WorkingGroup.objects.filter(slug__in=slugs, archived_at=None).order_by("name"))


@dataclass(frozen=True)
class PastRoles:
    meeting: Meeting
    holders: dict[str, str]  # duty -> username


def history_of_roles(meeting: Meeting, count: int = 6) -> list[PastRoles]:
    """Who held each duty at the group's last meetings (before this one): the roles rotate, and this shows how."""
    earlier = list(
        Meeting.objects.filter(group=meeting.group, starts_at__lt=meeting.starts_at)
        .exclude(state=State.CANCELLED)
        .order_by("-starts_at")[:count]
    )
    holders: dict[int, dict[str, str]] = {each.pk: {} for each in earlier}
    for row in MeetingRole.objects.filter(meeting__in=earlier).select_related("user"):
        holders[row.meeting_id][row.duty] = row.user.get_username()
    return [PastRoles(each, holders[each.pk]) for each in earlier]
