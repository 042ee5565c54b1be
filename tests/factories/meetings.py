"""Meetings for tests: an assembly with an agenda, people in the room, turns asked for."""

from datetime import timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.meetings import services
from solidarity.meetings.models import AgendaItem, ItemKind, Kind, Meeting, Participant, Visibility
from solidarity.meetings.services import ItemValues, MeetingValues


def make_meeting(
    group: WorkingGroup,
    by: User | None = None,
    *,
    items: tuple[tuple[str, int], ...] = (("Welcome and agenda", 10), ("Bond fund", 30), ("Report-backs", 20)),
    in_days: float = 3,
    visibility: str = Visibility.PUBLIC,
    **values: object,
) -> Meeting:
    fields = {
        "title_en": "General assembly",
        "title_es": "Asamblea general",
        "starts_at": timezone.now() + timedelta(days=in_days),
        "kind": Kind.ASSEMBLY,
        "place": "Union hall, 5th street",
        "visibility": visibility,
    } | values
    meeting = services.do_create_meeting(group, MeetingValues(**fields), by=by)  # type: ignore[arg-type]  # test data
    for title, minutes in items:
        if title == "break":
            services.do_add_item(meeting, services.break_values(minutes), by=by)
        else:
            services.do_add_item(meeting, ItemValues(title_en=title, title_es="", minutes=minutes), by=by)
    return meeting


def started(meeting: Meeting, by: User | None = None) -> Meeting:
    services.do_start_meeting(meeting, by=by)
    meeting.refresh_from_db()
    return meeting


def guest(meeting: Meeting, name: str, language: str = "en") -> Participant:
    participant, _token = services.do_join_with_code(meeting, name, language)
    return participant


def item(meeting: Meeting, position: int) -> AgendaItem:
    return meeting.items.get(position=position)


__all__ = ["ItemKind", "guest", "item", "make_meeting", "started"]
