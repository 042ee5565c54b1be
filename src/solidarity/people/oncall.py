"""The on-call query, the heart of dispatch: who is active, vetted, agreed to get alerts, holding a skill
currently, on call now and covering some zones — in one SQL query, with no filtering in Python.

Its shape (EXPLAIN on both databases: bench/oncall.py):

1. Start from the zones asked (people_coverage, index zone then person): a few zones hold a few
   hundred of the network's people, far fewer than any other condition leaves.
2. For each of them, the person's own row by primary key: active (or paused until a date that has
   come, in network time), and vetted: `vouch_count` (kept by people.services) at least the
   network's `vouches_needed`, or marked vetted on import; and agreed to get alerts (`consent_alerts`:
   a column of the same row, so it costs no index and no extra probe).
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
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
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


# The statement. Written as SQL rather than built by the ORM: Django took about 5 ms to build the
# four EXISTS subqueries, as long as the database took to answer (bench/RESULTS.md). Tables and
# columns are the models' own; every value is a parameter. It runs alike on SQLite and PostgreSQL.

PERSON, COVERAGE = Person._meta.db_table, Coverage._meta.db_table
CERTIFICATION, SKILL = Certification._meta.db_table, Skill._meta.db_table
SHIFT, ONE_OFF = Shift._meta.db_table, OneOffShift._meta.db_table

CHANGE_NOW = f"""SELECT 1 FROM {ONE_OFF} o WHERE o.person_id = p.id AND o.is_on_call = %s
    AND o.ends_at > %s AND o.starts_at <= %s"""  # noqa: S608  (table names from our models; values are parameters)

STATEMENT = f"""SELECT p.id FROM {PERSON} p
WHERE p.id IN (SELECT c.person_id FROM {COVERAGE} c WHERE c.zone_id IN ({{zones}}))
AND (p.state = %s OR (p.state = %s AND p.paused_until <= %s))
AND (p.vouch_count >= %s OR p.vetted_by_import_at IS NOT NULL)
AND p.consent_alerts = %s
AND EXISTS (SELECT 1 FROM {CERTIFICATION} t INNER JOIN {SKILL} s ON s.id = t.skill_id
    WHERE t.person_id = p.id AND s.slug = %s AND t.lapses_at > %s
    AND (t.signed_off_at IS NOT NULL OR s.needs_sign_off = %s))
AND (EXISTS ({CHANGE_NOW})
    OR (EXISTS (SELECT 1 FROM {SHIFT} w WHERE w.person_id = p.id AND ({{windows}}))
        AND NOT EXISTS ({CHANGE_NOW})))"""  # noqa: S608  (table names from our models; values are parameters)

WINDOW = "(w.start_minute >= %s AND w.start_minute <= %s AND w.end_minute > %s)"


def statement(skill: Skill | str, zone_ids: list[int], now: datetime) -> tuple[str, list[Any]]:
    """The on-call statement and its parameters (module doc): active, vetted, holding `skill`, on call, in the zones."""
    network = get_network_settings()  # cached: one read of the cache, not of the settings table
    tz = zone_named(network.time_zone)
    ops = connection.ops
    at, today = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(now.astimezone(tz).date())
    pieces = week_pieces(now, tz)
    windows = " OR ".join([WINDOW] * len(pieces)) or "1 = 0"
    sql = STATEMENT.format(zones=", ".join(["%s"] * len(zone_ids)), windows=windows)
    params: list[Any] = [*zone_ids, PersonState.ACTIVE, PersonState.PAUSED, today, network.vouches_needed, True]
    params += [skill.slug if isinstance(skill, Skill) else skill, at, False]
    params += [True, at, at]
    params += [value for piece in pieces for value in (piece.low, piece.high, piece.at)]
    params += [False, at, at]
    return sql, params


def zone_ids_of(zones: Iterable[Zone | int]) -> list[int]:
    return [zone.pk if isinstance(zone, Zone) else int(zone) for zone in zones]


def on_call(skill: Skill | str, zones: Iterable[Zone | int], *, now: datetime | None = None) -> QuerySet[Person]:
    """The people dispatch may ask now for `skill` (a Skill or its slug) in any of `zones` (zones or their ids):
    only people who agreed to get alerts.

    One SQL query when evaluated (the module's doc), after one read of the cached network settings
    (its time zone and `vouches_needed`); order and limit are the caller's (dispatch ranks them). A vouch
    withdrawn, a pause, a lapse or a one-off "off" takes effect on the next call: nothing here is cached
    but the week's daylight-saving pieces, which depend on the date alone.
    """
    ids = zone_ids_of(zones)
    if not ids:
        return Person.objects.none()
    sql, params = statement(skill, ids, now or timezone.now())
    return Person.objects.filter(pk__in=RawSQL(sql, params))  # noqa: S611  (every value is a parameter)


def on_call_ids(skill: Skill | str, zones: Iterable[Zone | int], *, now: datetime | None = None) -> list[int]:
    """The ids of `on_call`'s people, in no particular order: the statement alone, as dispatch's candidates."""
    ids = zone_ids_of(zones)
    if not ids:
        return []
    sql, params = statement(skill, ids, now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
