"""iCalendar (RFC 5545) for a meeting: its time, its planned end from the agenda, the place or call link,
and its page. Never a name. `uid` is the meeting's uuid, so a calendar updates the event when it moves."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from solidarity.core.ical import new_calendar, new_event
from solidarity.core.services import get_network_settings
from solidarity.meetings.models import Meeting, State
from solidarity.meetings.services import planned_minutes

if TYPE_CHECKING:
    from icalendar import Event

SHORTEST = timedelta(minutes=30)


def event(meeting: Meeting) -> "Event":
    item = new_event()
    item.add("uid", f"{meeting.uuid}@solidarity.meetings")
    item.add("dtstamp", timezone.now())
    item.add("dtstart", meeting.starts_at)
    item.add("dtend", meeting.starts_at + max(SHORTEST, timedelta(minutes=planned_minutes(meeting))))
    item.add("summary", meeting.title())
    if meeting.place:
        item.add("location", meeting.place)
    link = str(settings.BASE_URL).rstrip("/") + reverse("meetings:meeting", kwargs={"meeting": meeting.code})
    item.add("url", link)
    item.add("description", "\n".join(filter(None, [meeting.call_link, link])))
    if meeting.state == State.CANCELLED:
        item.add("status", "CANCELLED")
    return item


def feed(meetings: list[Meeting]) -> bytes:
    calendar = new_calendar("meetings")
    calendar.add("x-wr-calname", get_network_settings().name)
    for meeting in meetings:
        calendar.add_component(event(meeting))
    return bytes(calendar.to_ical())
