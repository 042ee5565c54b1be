"""Meetings' objects for the URL walk (core.permissions.WALK_FILLERS): a meeting of the walk's group, seen by
its members only, under way with an agenda; someone in it, and their turn waiting on the stack."""

from datetime import timedelta

from django.utils import timezone

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.meetings import services, stack
from solidarity.meetings.models import AgendaItem, Meeting, Participant, State, Turn, TurnState, Visibility
from solidarity.meetings.services import ItemValues, MeetingValues

TITLE = "Walk meeting"


def a_meeting(world: WalkWorld) -> Meeting:
    """The group's walk meeting, under way (made and begun again once an endpoint closed or cancelled it)."""
    found = Meeting.objects.filter(group=world.group, title_en=TITLE, state=State.LIVE).first()
    if found is None:
        values = MeetingValues(
            title_en=TITLE,
            title_es="Reunión del paseo",
            starts_at=timezone.now() + timedelta(days=2),
            place="Public library, room 2",
            visibility=Visibility.GROUP,
        )
        found = services.do_create_meeting(world.group, values, by=world.owner)
        for title in ("Walk item", "Walk item two"):
            services.do_add_item(found, ItemValues(title_en=title, title_es="", minutes=10), by=world.owner)
        services.do_start_meeting(found, by=world.owner)
        found.refresh_from_db()
    return found


def an_item(world: WalkWorld) -> AgendaItem:
    meeting = a_meeting(world)
    found = meeting.items.filter(state="waiting").order_by("position").first()
    if found is None:
        found = services.do_add_item(meeting, ItemValues(title_en="Walk item", title_es="", minutes=10), by=world.owner)
    return found


def a_participant(world: WalkWorld) -> Participant:
    meeting = a_meeting(world)
    found = meeting.participants.filter(user__isnull=True).order_by("pk").first()
    return found or services.do_join_with_code(meeting, "Walk Guest", "en")[0]


def a_turn(world: WalkWorld) -> Turn:
    meeting = a_meeting(world)
    found = Turn.objects.filter(meeting=meeting, state=TurnState.WAITING).order_by("pk").first()
    if found is None:
        meeting.refresh_from_db()
        if not meeting.stack_open:
            stack.do_set_stack_open(meeting, True, by=world.owner)
        if meeting.current_item is None or meeting.current_item.is_break:
            an_item(world)  # one still to come, made when a request went through the whole agenda
            services.do_next_item(meeting, by=world.owner)
            meeting.refresh_from_db()
        found = stack.do_request_turn(meeting, a_participant(world))
    return found


def register() -> None:
    WALK_FILLERS.register("meeting", lambda world: a_meeting(world).code)
    WALK_FILLERS.register("agenda_item", lambda world: str(an_item(world).uuid))
    WALK_FILLERS.register("meeting_participant", lambda world: str(a_participant(world).uuid))
    WALK_FILLERS.register("turn", lambda world: str(a_turn(world).uuid))
    # The verbs in a page's button addresses: one each, enough to reach the view and its permission.
    WALK_FILLERS.register("item_verb", lambda world: "down")
    WALK_FILLERS.register("run_verb", lambda world: "extend")
    WALK_FILLERS.register("turn_verb", lambda world: "down")
