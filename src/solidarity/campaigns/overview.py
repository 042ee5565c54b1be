"""The organisers' picture of a campaign: each office with its numbers and their live status, its hours, whether
a second organiser checked it (and who), its tally per outcome, and the per-day chart. Read in a fixed number of
queries whatever the number of offices (the tallies', and one for the organisers' names)."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.models import User
from solidarity.campaigns.calling import is_given, is_resting, line_status
from solidarity.campaigns.forms import DAYS
from solidarity.campaigns.hours import is_open
from solidarity.campaigns.models import Campaign, Line, Outcome, Target
from solidarity.campaigns.pages import OfficeRow, office_rows
from solidarity.campaigns.scripts import seconds_to_read
from solidarity.campaigns.tallies import Tally, tally_of
from solidarity.core.charts import BLUE, GREEN, Chart, bar_chart, length
from solidarity.core.phones import Dialable, dialable
from solidarity.core.services import get_network_settings

SHOWN_DAYS = 14


@dataclass(frozen=True)
class NumberView:
    line: Line
    dialable: Dialable | None
    status: str
    is_given: bool  # not reported wrong too often
    is_resting: bool


@dataclass(frozen=True)
class OfficeView:
    target: Target
    name: str
    numbers: list[NumberView]
    hours: str
    is_open: bool
    checked_by: str  # "" while unchecked (or the checker's account is gone)
    editors: list[str]
    may_check: bool  # the viewer is an organiser who did not change it since its last check
    row: OfficeRow
    scripts: list[tuple[str, str, int]]  # (language, script, seconds to read aloud)


@dataclass(frozen=True)
class Overview:
    tally: Tally
    offices: list[OfficeView]
    chart: Chart | None
    unchecked: int


def hours_of(target: Target) -> str:
    if target.is_always_open:
        return _("answered at any hour")
    names = dict(DAYS)
    days = ", ".join(str(names[day]) for day in target.weekdays if day in names)
    return _("%(days)s, %(opens)s to %(closes)s (%(zone)s)") % {
        "days": days,
        "opens": time_format(target.opens_at, "TIME_FORMAT"),
        "closes": time_format(target.closes_at, "TIME_FORMAT"),
        "zone": target.time_zone,
    }


def overview(campaign: Campaign, viewer: User, *, organiser: bool, language: str) -> Overview:
    tally = tally_of(campaign)
    ids = {row.target.checked_by_id for row in tally.targets} | {
        each for row in tally.targets for each in row.target.editors
    }
    names = dict(User.objects.filter(pk__in=[each for each in ids if each]).values_list("pk", "username"))
    region = get_network_settings().phone_region
    now = timezone.now()
    offices = []
    for row, shown in zip(tally.targets, office_rows(tally, language), strict=True):
        target = row.target
        numbers = [
            NumberView(
                line, dialable(line.phone, region), line_status(line, now), is_given(line), is_resting(line, now)
            )
            for line in row.lines
        ]
        offices.append(
            OfficeView(
                target=target,
                name=shown.name,
                numbers=numbers,
                hours=hours_of(target),
                is_open=is_open(target, now),
                checked_by=names.get(target.checked_by_id, "") if target.checked_by_id else "",
                editors=[names[each] for each in target.editors if each in names],
                may_check=organiser and not target.is_checked and viewer.pk not in target.editors,
                row=shown,
                scripts=[
                    (code, script, seconds_to_read(script))
                    for code, script in (("en", target.script_en), ("es", target.script_es))
                    if script
                ],
            )
        )
    unchecked = sum(1 for office in offices if not office.target.is_checked)
    return Overview(tally, offices, day_chart(tally), unchecked)


def calls(count: int) -> str:
    return ngettext("%(count)d call", "%(count)d calls", count) % {"count": count}


def reached(count: int) -> str:
    return ngettext("%(count)d reached a person", "%(count)d reached a person", count) % {"count": count}


def day_chart(tally: Tally) -> Chart | None:
    """Calls a day (blue) and those that reached a person (green), the latest SHOWN_DAYS days with calls."""
    days = tally.by_day[-SHOWN_DAYS:][::-1]
    if not days:
        return None
    largest = max(sum(counts.values()) for _day, counts in days)
    groups: list[tuple[str, list[tuple[float, str, str, bool]]]] = []
    said = []
    for day, counts in days:
        total, people = sum(counts.values()), counts.get(Outcome.REACHED, 0)
        name = date_format(day, "MONTH_DAY_FORMAT")
        groups.append(
            (
                name,
                [
                    (length(total, largest), BLUE, calls(total), False),
                    (length(people, largest), GREEN, reached(people), False),
                ],
            )
        )
        said.append(f"{name}: {calls(total)}, {reached(people)}.")
    return bar_chart("calls-by-day", _("Calls a day"), " ".join(said), groups, below=False)
