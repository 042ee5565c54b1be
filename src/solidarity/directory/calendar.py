"""iCalendar (RFC 5545, written by the `icalendar` library) for the directory's dated sessions: a feed of
every public resource's sessions to come, and one resource's.

A feed is fetched without signing in (a phone's calendar subscribes to it), so it holds only resources
listed publicly, whoever asks. An event carries the resource's name, the session's note, the date and
times in the network's time zone, and the resource's page: public facts, never a name. `uid` is the
session's uuid, so a subscribed calendar updates the event when the session changes. A session without
a starting time is a whole-day event.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from solidarity.core.bilingual import text_of
from solidarity.core.ical import new_calendar, new_event
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.directory.models import Session

if TYPE_CHECKING:
    from icalendar import Event

FEED_DAYS = 366  # how far ahead a feed looks


def event(session: Session, language: str) -> "Event":
    resource = session.resource
    item = new_event()
    item.add("uid", f"{session.uuid}@solidarity.directory")
    item.add("dtstamp", session.created_at or timezone.now())
    if session.starts_at is None:
        item.add("dtstart", session.date)  # a DATE: the whole day
        item.add("dtend", session.date + timedelta(days=1))
    else:
        zone = network_timezone()
        starts = datetime.combine(session.date, session.starts_at, tzinfo=zone)
        item.add("dtstart", starts)
        if session.ends_at is not None:
            item.add("dtend", datetime.combine(session.date, session.ends_at, tzinfo=zone))
    name = text_of(resource, "name", language)
    note = text_of(session, "note", language)
    item.add("summary", f"{name}: {note}" if note else name)
    page = str(settings.BASE_URL).rstrip("/") + reverse("directory:resource", kwargs={"resource": resource.slug})
    item.add("url", page)
    details = [text for text in (text_of(resource, "offers", language), page) if text]
    item.add("description", "\n\n".join(details))
    return item


def feed(sessions: list[Session], language: str, title: str) -> bytes:
    calendar = new_calendar("directory")
    calendar.add("x-wr-calname", f"{get_network_settings().name}: {title}")
    for session in sessions:
        calendar.add_component(event(session, language))
    return bytes(calendar.to_ical())
