"""The record's objects for the URL walk and the API fuzz (core.permissions.WALK_FILLERS): on the walk's meeting
(meetings.walk, under way), an open proposal, a note in its minutes and an open action item; and, on a meeting
of the walk's group that has closed, an amendment waiting for its minute taker."""

from datetime import timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.meetings import actions, decisions, minutes, services, walk
from solidarity.meetings.models import (
    ActionItem,
    ActionState,
    Amendment,
    AmendmentState,
    EntryKind,
    ItemKind,
    Meeting,
    MinuteEntry,
    Proposal,
    ProposalState,
    State,
    Visibility,
)
from solidarity.meetings.services import ItemValues, MeetingValues

CLOSED_TITLE = "Walk minutes"


def a_proposal(world: WalkWorld) -> Proposal:
    meeting = walk.a_meeting(world)
    found = Proposal.objects.filter(meeting=meeting, state=ProposalState.OPEN, item__kind=ItemKind.ITEM).first()
    if found is None:
        item = meeting.items.filter(kind=ItemKind.ITEM).order_by("position").first() or walk.an_item(world)
        found = decisions.do_add_proposal(item, decisions.ProposalValues("Walk proposal", ""), by=world.owner)
    return found


def an_entry(world: WalkWorld) -> MinuteEntry:
    meeting = walk.a_meeting(world)
    found = meeting.minute_entries.filter(kind=EntryKind.NOTE).first()
    return found or minutes.do_add_note(meeting, "Walk note", by=world.owner)


def an_action_item(world: WalkWorld) -> ActionItem:
    meeting = walk.a_meeting(world)
    found = ActionItem.objects.filter(meeting=meeting, state=ActionState.OPEN).first()
    values = actions.ActionValues(what="Walk task", owner_name="Walk Owner")
    return found or actions.do_add_action_item(meeting, values, by=world.owner)


def a_closed_meeting(group: WorkingGroup, owner: User) -> Meeting:
    """A meeting of `group` that `owner` was at, closed: its amendment window is open."""
    found = Meeting.objects.filter(group=group, title_en=CLOSED_TITLE, state=State.CLOSED).first()
    if found is None:
        values = MeetingValues(
            title_en=CLOSED_TITLE,
            title_es="",
            starts_at=timezone.now() + timedelta(hours=1),
            place="Public library, room 2",
            visibility=Visibility.GROUP,
        )
        found = services.do_create_meeting(group, values, by=owner)
        services.do_add_item(found, ItemValues(title_en="Walk item", title_es="", minutes=10), by=owner)
        services.do_start_meeting(found, by=owner)
        services.participant_for(found, owner)
        services.do_set_next_meeting(found, timezone.now() + timedelta(days=14), by=owner)
        services.do_close_meeting(found, by=owner)
    return found


def an_amendment(world: WalkWorld) -> Amendment:
    meeting = a_closed_meeting(world.group, world.owner)
    found = Amendment.objects.filter(meeting=meeting, state=AmendmentState.PENDING).first()
    return found or minutes.do_propose_amendment(meeting, world.owner, "Walk amendment")


def register() -> None:
    WALK_FILLERS.register("proposal", lambda world: str(a_proposal(world).uuid))
    WALK_FILLERS.register("minute_entry", lambda world: str(an_entry(world).uuid))
    WALK_FILLERS.register("action_item", lambda world: str(an_action_item(world).uuid))
    WALK_FILLERS.register("amendment", lambda world: str(an_amendment(world).uuid))
