"""A person's secret calendar feed (iCalendar, RFC 5545, written by the `icalendar` library): their weekly
on-call shifts, their one-off changes and pause, and what higher parts add (CALENDAR_EVENTS).

The address. `/calendar/<token>.ics`, the token 256 random bits. Only its SHA-256 is kept: the
address is shown once, when it is made, and "make a new link" replaces it (the old one stops at
once). Kept encrypted it could be shown again, but then anyone holding the keys and the database
could read every volunteer's schedule; a lost address costs the volunteer one button. The address
is outside the language prefixes (a calendar app sends no cookie or language), never logged by us,
and a failure answers 503 marked as logged (Django's request log would write the path).

What is in it: the person's own shifts and sign-ups, in their language, and nothing else: no name,
no contact, nobody else. Times carry the network's TZID with its VTIMEZONE.

Weekly windows (people.oncall's rule, which is RFC 5545's own): a weekly event whose DTSTART is the
window's local start, RRULE:FREQ=WEEKLY, and DURATION in minutes, which RFC 5545 counts as exact
time. A start the clocks skip (02:30 when they spring forward) is read with the offset before the
gap, a repeated one (01:30 when they fall back) as its first occurrence, and the window then lasts
its minutes of real time: what the on-call query counts. An occurrence wholly inside an away period
or the pause is left out (EXDATE); the away period and the pause are events of their own.

The hook: higher parts (trainings: a person's sign-ups) register a function in CALENDAR_EVENTS from
their AppConfig.ready; it gets the person, in their language, and returns CalendarEvents.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.hooks import Registry
from solidarity.core.ical import new_calendar, new_event
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.people.models import CalendarFeed, OneOffShift, Person, PersonState, Shift
from solidarity.people.self_service import digest, new_token
from solidarity.people.services import actor_of, check_still_here, local_midnight, local_today

if TYPE_CHECKING:
    from icalendar import Event

log = logging.getLogger("solidarity.people")

PAST = timedelta(days=14)  # weekly events start this far back: this week and last stay visible
HORIZON = timedelta(days=2 * 365)  # away periods further ahead than this are not looked at for EXDATEs
ONE_OFF_PAST = timedelta(days=30)
TIMEZONE_YEARS = 5  # the VTIMEZONE's rules cover this many years ahead (the feed is fetched far more often)


@dataclass(frozen=True)
class CalendarEvent:
    """One event a higher part adds to a person's feed. `uid`: stable and unique across the network
    ("training-signup-<uuid>"); `start`, `end`: aware datetimes; texts in the person's language, and
    about this person only (no one else's name)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str = ""
    description: str = ""


CalendarEventsFor = Callable[[Person], list[CalendarEvent]]
CALENDAR_EVENTS = Registry[str, CalendarEventsFor]("people.calendar-events")


# The feed's address.


def do_make_calendar_feed(person: Person, *, by: User | None, role: str = "", actor: str = "") -> str:
    """A new secret address for the person's feed (the old one stops working); returns its token,
    which is kept nowhere: show it now. ValidationError when the person left. Lock: the person's row."""
    check_still_here(person)
    token = new_token()
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        _feed, created = CalendarFeed.objects.update_or_create(
            person=person, defaults={"token_hash": digest(token), "created_at": timezone.now(), "last_read_at": None}
        )
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CREATED if created else AuditAction.CHANGED,
            object_type="people.calendarfeed",
            object_ids=[person.uuid],
            detail={"replaced": not created},
        )
    return token


def has_calendar_feed(person: Person) -> bool:
    return CalendarFeed.objects.filter(person=person).exists()


def feed_person(token: str) -> Person | None:
    """The person whose feed this token opens (None: no such feed, or they left). Notes when it was read."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.filter(token_hash=digest(token)).select_related("person").first()
    if feed is None or feed.person.state == PersonState.LEFT:
        return None
    now = timezone.now()
    if feed.last_read_at is None or now - feed.last_read_at > timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
    return feed.person


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def feed_url(token: str) -> str:
    return str(settings.BASE_URL).rstrip("/") + feed_path(token)


# The calendar.


@dataclass(frozen=True)
class Off:
    start: datetime
    end: datetime


def calendar_for(person: Person, *, now: datetime | None = None) -> bytes:
    """The person's feed as iCalendar text (the module's doc)."""
    now = now or timezone.now()
    tz = network_timezone()
    host = urlsplit(str(settings.BASE_URL)).hostname or "solidarity"
    network = get_network_settings().name
    today = local_today(now)
    with translation.override(person.language):
        calendar = new_calendar("calendar feed")
        calendar.add("calscale", "GREGORIAN")
        # Translators: the name of a volunteer's calendar feed in their calendar app.
        calendar.add("x-wr-calname", _("My shifts: %(network)s") % {"network": network})
        calendar.add("x-wr-timezone", tz.key)
        changes = list(
            OneOffShift.objects.filter(person=person, ends_at__gt=now - ONE_OFF_PAST).order_by("starts_at", "pk")
        )
        offs = [Off(change.starts_at, change.ends_at) for change in changes if not change.is_on_call]
        pause_end = pause_ends(person, today)
        if pause_end is not None:
            offs.append(Off(local_midnight(today), local_midnight(pause_end)))
        for shift in Shift.objects.filter(person=person).order_by("start_minute", "pk"):
            calendar.add_component(weekly_event(shift, today, tz, offs, now, host))
        for change in changes:
            calendar.add_component(one_off_event(change, now, host))
        if pause_end is not None:
            calendar.add_component(pause_event(person, today, pause_end, now, host))
        for event in added_events(person):
            calendar.add_component(hooked_event(event, now))
        first = today - PAST - timedelta(days=366)
        calendar.add_missing_timezones(
            first_date=date(first.year, 1, 1), last_date=date(today.year + TIMEZONE_YEARS, 1, 1)
        )
    body: bytes = calendar.to_ical()
    return body


def pause_ends(person: Person, today: date) -> date | None:
    if person.state == PersonState.PAUSED and person.paused_until is not None and person.paused_until > today:
        return person.paused_until
    return None


def weekly_event(shift: Shift, today: date, tz: ZoneInfo, offs: list[Off], now: datetime, host: str) -> "Event":
    first = today - PAST
    first += timedelta(days=(shift.weekday - first.weekday()) % 7)
    event = new_event()
    event.add("uid", f"shift-{shift.uuid}@{host}")
    event.add("dtstamp", now.astimezone(UTC))
    # fold=0, as people.oncall reads a local time: the first of a repeated one (RFC 5545 agrees).
    event.add("dtstart", datetime.combine(first, shift.starts, tzinfo=tz))
    event.add("duration", timedelta(minutes=shift.duration_minutes))
    event.add("rrule", {"freq": "weekly"})
    # Translators: a weekly on-call shift in the volunteer's calendar app.
    event.add("summary", _("On call"))
    event.add("transp", "TRANSPARENT")
    if excluded := excluded_starts(shift, first, tz, offs, now):
        event.add("exdate", excluded)
    return event


def excluded_starts(shift: Shift, first: date, tz: ZoneInfo, offs: list[Off], now: datetime) -> list[datetime]:
    """The local starts of the occurrences wholly inside an away period or the pause."""
    if not offs:
        return []
    last = min(max(off.end for off in offs), now + HORIZON)
    length = timedelta(minutes=shift.duration_minutes)
    found, day = [], first
    while (start := datetime.combine(day, shift.starts, tzinfo=tz)) < last:
        end = start.astimezone(UTC) + length
        if any(off.start <= start and end <= off.end for off in offs):
            found.append(start)
        day += timedelta(days=7)
    return found


def one_off_event(change: OneOffShift, now: datetime, host: str) -> "Event":
    event = new_event()
    event.add("uid", f"one-off-{change.uuid}@{host}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", change.starts_at.astimezone(network_timezone()))
    event.add("dtend", change.ends_at.astimezone(network_timezone()))
    if change.is_on_call:
        # Translators: a one-off extra on-call shift in the volunteer's calendar app.
        event.add("summary", _("On call (extra shift)"))
        event.add("transp", "TRANSPARENT")
    else:
        # Translators: a one-off period away in the volunteer's calendar app: no alerts then.
        event.add("summary", _("Away: not on call"))
        event.add("transp", "TRANSPARENT")
    return event


def pause_event(person: Person, today: date, until: date, now: datetime, host: str) -> "Event":
    event = new_event()
    event.add("uid", f"pause-{person.uuid}@{host}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", today)
    event.add("dtend", until)
    # Translators: the days a volunteer is paused, in their calendar app.
    event.add("summary", _("Paused: no alerts"))
    event.add("transp", "TRANSPARENT")
    return event


def added_events(person: Person) -> list[CalendarEvent]:
    """What the higher parts add; one that fails is left out (and logged by name), the feed still answers."""
    found: list[CalendarEvent] = []
    for name, provider in CALENDAR_EVENTS.items():
        try:
            found += provider(person)
        except Exception as error:  # one part's bug must not take the volunteer's shifts away
            log.error("calendar events from %s failed (%s) for person %s", name, type(error).__name__, person.uuid)
    return found


def hooked_event(added: CalendarEvent, now: datetime) -> "Event":
    tz = network_timezone()
    event = new_event()
    event.add("uid", added.uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", added.start.astimezone(tz))
    event.add("dtend", added.end.astimezone(tz))
    event.add("summary", added.summary)
    if added.location:
        event.add("location", added.location)
    if added.description:
        event.add("description", added.description)
    return event
