"""An office's hours: whether a target answers at a moment, and when it next opens, in its own time zone."""

import zoneinfo
from datetime import UTC, datetime, timedelta

from solidarity.campaigns.models import Target
from solidarity.core.services import zone_named

DAY = timedelta(days=1)
WEEK_DAYS = 8  # looking a week and a day ahead finds the next opening of any office that ever opens


def office_zone(target: Target) -> zoneinfo.ZoneInfo:
    return zone_named(target.time_zone)


def is_open(target: Target, at: datetime) -> bool:
    """Whether the office answers at `at` (aware): on one of its days, from its opening to its closing time."""
    if target.is_always_open:
        return True
    local = at.astimezone(office_zone(target))
    if str(local.isoweekday()) not in target.weekdays:
        return False
    now = local.time().replace(tzinfo=None)
    if target.opens_at <= target.closes_at:
        return target.opens_at <= now < target.closes_at
    return now >= target.opens_at or now < target.closes_at  # open past midnight (a night line)


def next_opening(target: Target, after: datetime) -> datetime | None:
    """When the office next opens after `after` (`after` itself when it is open then); None if it never does."""
    if is_open(target, after):
        return after
    if target.is_always_open or not target.weekdays:
        return None
    zone = office_zone(target)
    local = after.astimezone(zone)
    for ahead in range(WEEK_DAYS):
        day = (local + ahead * DAY).date()
        if str(day.isoweekday()) not in target.weekdays:
            continue
        opening = datetime.combine(day, target.opens_at, tzinfo=zone)
        # A clock that jumps forward over the opening (a time-zone change) opens it at the jump.
        opening = opening.astimezone(UTC).astimezone(zone)
        if opening > local:
            return opening
    return None
