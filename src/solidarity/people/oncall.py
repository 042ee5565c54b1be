"""The on-call query, the heart of dispatch: who is active, vetted, holding a skill currently, on call now
and covering some zones — in one SQL query, with no filtering in Python.

Its shape (EXPLAIN on both databases: bench/oncall.py):

1. Start from the zones asked (people_coverage, index zone then person): a few zones hold a few
   hundred of the network's people, far fewer than any other condition leaves.
2. For each of them, the person's own row by primary key: active (or paused until a date that has
   come, in network time), and vetted: `vouch_count` (kept by people.services) at least the
   network's `vouches_needed`, or marked vetted on import.
3. EXISTS probes by (person, ...) indexes: a certification of the skill that has not lapsed (and is
   signed off when its skill needs it); on call now.

On call now: a one-off "on" change covers now; or a weekly window covers now and no one-off "off"
change does.

Weekly windows and daylight saving. A window is "every `weekday` at local `starts`, for
`duration_minutes`". The rule, as iCalendar's (RFC 5545) for local times:
- it starts at the first moment the network's clocks show `starts` that day; on the night clocks
  fall back (01:00 to 01:59 happen twice) that is the first 01:30, so the window is not doubled;
- a start the clocks skip (02:30 on the night they spring forward) is read with the offset in force
  before the change: 02:30 standard time, which is 03:30 summer time;
- it then lasts `duration_minutes` of real time: a night shift across a change is as long as any other.
So a 01:30 window is neither lost nor doubled on either night.

How SQL answers it: within a week the clocks' offset from UTC is constant between changes, so the
week splits into a few pieces (one, or two on a week with a change). On a piece whose offset is o, a
window starting at week minute s began at (Monday 00:00 of that week, as on the clock) + s - o, so it
covers now when s <= A and s + duration > A, with A = now - (Monday 00:00 as on the clock) + o in
minutes. `week_pieces` works out each piece's bounds and A, for the week of now and the weeks before
and after (a window started last Sunday night still runs), and the query asks
`start_minute BETWEEN low AND high AND end_minute > A` for each: an OR of at most a handful of ranges.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from solidarity.core.models import Zone
from solidarity.core.services import get_network_settings, zone_named
from solidarity.people.models import (
    WEEK_MINUTES,
    Certification,
    Coverage,
    OneOffShift,
    Person,
    PersonState,
    Shift,
    Skill,
)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Piece:
    """Windows starting at week minutes [low, high] cover now when they end after `at` (all on the shift's axis)."""

    low: int
    high: int
    at: int


def offset(tz: ZoneInfo, wall: datetime) -> timedelta:
    """The UTC offset of a wall-clock time: the first one when it happens twice, the one before a skipped hour."""
    found = tz.utcoffset(wall.replace(fold=0))
    return found if found is not None else timedelta(0)


def first_change(tz: ZoneInfo, start: datetime, end: datetime) -> datetime:
    """The first wall minute in (start, end] whose offset differs from start's (which end's does)."""
    before = offset(tz, start)
    low, high = start, end
    while high - low > MINUTE:
        middle = low + ((high - low) // MINUTE // 2) * MINUTE
        if offset(tz, middle) == before:
            low = middle
        else:
            high = middle
    return high


@lru_cache(maxsize=64)
def offsets_in_week(tz: ZoneInfo, monday: date) -> tuple[tuple[int, int, int], ...]:
    """The week from `monday` 00:00 on the clock in pieces of one offset: (first minute, end minute, offset)."""
    start = datetime.combine(monday, time(0))
    pieces: list[tuple[int, int, int]] = []
    low, current = 0, offset(tz, start)
    for hour in range(1, 7 * 24 + 1):  # a change is found within the hour it happens in
        wall = start + hour * HOUR
        if offset(tz, wall) != current:
            change = first_change(tz, wall - HOUR, wall)
            minute = (change - start) // MINUTE
            pieces.append((low, minute, int(current / MINUTE)))
            low, current = minute, offset(tz, change)
    pieces.append((low, WEEK_MINUTES, int(current / MINUTE)))
    return tuple(pieces)


def week_pieces(now: datetime, tz: ZoneInfo) -> list[Piece]:
    """The week-minute ranges whose windows may cover `now`, with the minute each must end after (module doc)."""
    local = now.astimezone(tz)
    this_monday = local.date() - timedelta(days=local.weekday())
    now_utc = now.astimezone(UTC).replace(tzinfo=None)
    found = []
    for weeks in (-1, 0, 1):
        monday = this_monday + timedelta(weeks=weeks)
        clock_start = datetime.combine(monday, time(0))
        for low, end, offset_minutes in offsets_in_week(tz, monday):
            at = (now_utc - clock_start) // MINUTE + offset_minutes
            high = min(end - 1, at)
            # A window is at most a week long: one that starts before at - WEEK_MINUTES has ended.
            if low <= high and at - high < WEEK_MINUTES:
                found.append(Piece(low=low, high=high, at=at))
    return found


def weekly_window_now(now: datetime, tz: ZoneInfo) -> Q:
    pieces = week_pieces(now, tz)
    if not pieces:
        return Q(pk__in=[])
    return reduce(or_, (Q(start_minute__gte=p.low, start_minute__lte=p.high, end_minute__gt=p.at) for p in pieces))


def on_call_now(now: datetime, tz: ZoneInfo) -> Q:
    """A condition on Person: on call at `now` (a one-off "on", or a weekly window and no one-off "off")."""
    person = OuterRef("pk")
    extra = OneOffShift.objects.filter(person=person, is_on_call=True, ends_at__gt=now, starts_at__lte=now)
    away = OneOffShift.objects.filter(person=person, is_on_call=False, ends_at__gt=now, starts_at__lte=now)
    weekly = Shift.objects.filter(weekly_window_now(now, tz), person=person)
    return Q(Exists(extra)) | (Q(Exists(weekly)) & ~Q(Exists(away)))


def is_in_network(today: date) -> Q:
    """Active, or paused until a date that has come (the timer that tidies the row may not have run yet)."""
    return Q(state=PersonState.ACTIVE) | Q(state=PersonState.PAUSED, paused_until__lte=today)


def is_vetted(needed: int) -> Q:
    return Q(vouch_count__gte=needed) | Q(vetted_by_import_at__isnull=False)


def holds_now(skill: Skill | str, now: datetime) -> Q:
    """A certification of `skill` (a Skill or its slug) that has not lapsed, and is signed off when it must be."""
    by_skill = Q(skill=skill) if isinstance(skill, Skill) else Q(skill__slug=skill)
    current = Certification.objects.filter(by_skill, person=OuterRef("pk"), lapses_at__gt=now).filter(
        Q(signed_off_at__isnull=False) | Q(skill__needs_sign_off=False)
    )
    return Q(Exists(current))


def on_call(skill: Skill | str, zones: Iterable[Zone | int], *, now: datetime | None = None) -> QuerySet[Person]:
    """The people dispatch may ask now for `skill` (a Skill or its slug) in any of `zones` (zones or their ids).

    One SQL query when evaluated (see the module's doc), after one read of the cached network settings
    (its time zone and `vouches_needed`); order and limit are the caller's (dispatch ranks them). A vouch
    withdrawn, a pause, a lapse or a one-off "off" takes effect on the next call: nothing here is cached
    but the week's daylight-saving pieces, which depend on the date alone.
    """
    now = now or timezone.now()
    network = get_network_settings()  # cached: one read of the cache, not of the settings table
    tz = zone_named(network.time_zone)
    zone_ids = [zone.pk if isinstance(zone, Zone) else zone for zone in zones]
    covering = Coverage.objects.filter(zone_id__in=zone_ids).values("person_id")
    return Person.objects.filter(
        is_in_network(now.astimezone(tz).date()),
        is_vetted(network.vouches_needed),
        holds_now(skill, now),
        on_call_now(now, tz),
        pk__in=covering,
    )


def on_call_ids(skill: Skill | str, zones: Iterable[Zone | int], *, now: datetime | None = None) -> list[int]:
    """The ids of `on_call`'s people, in no particular order."""
    return list(on_call(skill, zones, now=now).values_list("pk", flat=True))
