"""Who reaches a meeting's record: its minutes, proposals, amendments and action items (meetings.access for the
meeting itself). To anyone who may not, it does not exist: 404.

- The minutes and action items: their readers (meetings.minutes.may_read): once published, their audience;
  before, the minute takers, the meeting's group and those who were there.
- Writing them, recording proposals and decisions, accepting amendments: Power.MINUTES (the meeting's minute
  taker and facilitator, the group's coordinators, facilitators and minute takers).
- An action item is marked done by its owner too; an amendment is proposed by someone who was there.
"""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.codes import as_uuid
from solidarity.core.permissions import AnyUser, Role, Scoped, owner_role
from solidarity.meetings.access import (
    Power,
    access_meeting,
    access_meeting_scoped,
    find_meeting,
    held_at,
    members_for_roles,
    powers_of,
)
from solidarity.meetings.minutes import may_read
from solidarity.meetings.models import ActionItem, Amendment, Meeting, MinuteEntry, Minutes, Proposal

# The record's keepers: the group's coordinators, facilitators and minute takers, and this meeting's (Power.MINUTES).
RECORDS = owner_role(
    Role.COORDINATOR, Role.FACILITATOR, Role.MINUTE_TAKER, access=access_meeting_scoped, kwarg="meeting"
)


def minutes_or_default(meeting: Meeting) -> Minutes:
    """The meeting's minutes settings, or the defaults (unsaved) when none were made yet: a read writes nothing."""
    return Minutes.objects.filter(meeting=meeting).first() or Minutes(meeting=meeting)


def access_record(user: AnyUser, code: str) -> tuple[Meeting, Minutes]:
    """A meeting whose minutes `user` may read, with its minutes; Http404 otherwise."""
    meeting = find_meeting(code)
    if meeting is None:
        raise Http404
    minutes = minutes_or_default(meeting)
    if not may_read(user, meeting, minutes):
        raise Http404
    return meeting, minutes


def access_kept(user: AnyUser, code: str) -> Meeting:
    """A meeting whose record `user` keeps (Power.MINUTES); Http404 otherwise."""
    return access_meeting(user, code, Power.MINUTES)


def one_of[T](found: T | None) -> T:
    if found is None:
        raise Http404
    return found


def access_proposal(meeting: Meeting, proposal: UUID | str) -> Proposal:
    """A proposal of `meeting` (the caller's power over it is checked already)."""
    return one_of(Proposal.objects.select_related("item").filter(meeting=meeting, uuid=as_uuid(proposal)).first())


def access_entry(meeting: Meeting, minute_entry: UUID | str) -> MinuteEntry:
    return one_of(MinuteEntry.objects.filter(meeting=meeting, uuid=as_uuid(minute_entry)).first())


def access_action_item(user: AnyUser, code: str, action_item: UUID | str, *, keeper: bool = False) -> ActionItem:
    """An action item of the meeting `code` (made there or carried to it) for its owner or the record's keepers;
    with `keeper`, for the keepers only. Http404 for anyone else."""
    meeting = find_meeting(code)
    if meeting is None:
        raise Http404
    found = one_of(ActionItem.objects.select_related("meeting", "owner").filter(uuid=as_uuid(action_item)).first())
    if meeting.pk not in (found.meeting_id, found.carried_to_id):
        raise Http404
    is_owner = user.is_authenticated and found.owner_id == user.pk
    if not (Power.MINUTES in powers_of(user, meeting) or (is_owner and not keeper)):
        raise Http404
    return found


def access_amendment_scoped(user: AnyUser, amendment: UUID | str) -> Scoped[Amendment]:
    """An amendment with the roles `user` holds at its meeting (for `owner_role` declarations); Http404 without."""
    found = Amendment.objects.select_related("meeting__group", "entry").filter(uuid=as_uuid(amendment)).first()
    held = held_at(user, found.meeting) if found is not None else frozenset()
    if found is None or not held:
        raise Http404
    return Scoped(found, found.meeting.group.slug, held)


def access_amendment(user: AnyUser, amendment: UUID | str) -> Amendment:
    """An amendment for the keepers of its meeting's record; Http404 otherwise."""
    found = access_amendment_scoped(user, amendment).obj
    if Power.MINUTES not in powers_of(user, found.meeting):
        raise Http404
    return found


def owner_for(meeting: Meeting, username: str) -> User:
    """The account an action item is given to: one who may hold a duty at the meeting (ValidationError otherwise)."""
    found = members_for_roles(meeting).filter(username=username).first()
    if found is None:
        raise ValidationError({"owner": _("No account among the meeting's members has this user name.")})
    return found


def group_named(slug: str) -> WorkingGroup:
    """A live working group an action item is for, by its slug (ValidationError otherwise)."""
    found = WorkingGroup.objects.filter(slug=slug, archived_at=None).first()
    if found is None:
        raise ValidationError({"group": _("No working group has this short name.")})
    return found
