"""iCalendar (RFC 5545) for trainings: the public feed, one session's file, and a person's own seats.

An event carries the title, the time, the place and the session's page: never a name. `uid` is the
session's uuid, so a calendar that subscribed updates the event when the session moves.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.core.bilingual import text_of
from solidarity.core.downloads import CALENDAR, file_response
from solidarity.core.ical import new_calendar, new_event
from solidarity.core.services import get_network_settings
from solidarity.people.feeds import CalendarEvent
from solidarity.people.models import Person
from solidarity.trainings.models import Session, SessionState, SignUp, SignUpState

if TYPE_CHECKING:
    from icalendar import Event


def event(session: Session) -> "Event":
    item = new_event()
    item.add("uid", f"{session.uuid}@solidarity.trainings")
    item.add("dtstamp", session.updated_at or timezone.now())
    item.add("dtstart", session.starts_at)
    item.add("dtend", session.ends_at)
    item.add("summary", text_of(session, "title"))
    item.add("location", session.place)
    description = text_of(session, "description")
    if description:
        item.add("description", description)
    name = "trainings:public-session" if session.is_public else "trainings:session"
    item.add("url", str(settings.BASE_URL).rstrip("/") + reverse(name, kwargs={"session": session.uuid}))
    if session.state == SessionState.CANCELLED:
        item.add("status", "CANCELLED")
    return item


def feed(sessions: list[Session]) -> bytes:
    calendar = new_calendar("trainings")
    calendar.add("x-wr-calname", get_network_settings().name)
    for session in sessions:
        calendar.add_component(event(session))
    return bytes(calendar.to_ical())


def response(body: bytes, filename: str) -> HttpResponse:
    return file_response(body, CALENDAR, filename)


def seats_in_feed(person: Person, now: datetime | None = None) -> list[CalendarEvent]:
    """The person's seats (and places in line) at sessions to come, for their own calendar feed
    (people.feeds.CALENDAR_EVENTS). In the person's language, which the feed has made active."""
    sign_ups = SignUp.objects.filter(
        person=person,
        state__in=[SignUpState.SEAT, SignUpState.WAITING],
        session__state=SessionState.SCHEDULED,
        session__ends_at__gt=now or timezone.now(),
    ).select_related("session")
    events = []
    for sign_up in sign_ups.order_by("session__starts_at"):
        session = sign_up.session
        title = text_of(session, "title")
        if sign_up.state == SignUpState.WAITING:
            title = _("On the waiting list: %(title)s") % {"title": title}
        events.append(
            CalendarEvent(
                uid=f"training-signup-{sign_up.uuid}",
                start=session.starts_at,
                end=session.ends_at,
                summary=title,
                location=session.place,
                description=text_of(session, "description"),
            )
        )
    return events
