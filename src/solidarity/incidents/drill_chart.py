"""A drill report's charts, drawn on the server as SVG (incidents/_drill_chart.html): no script, no third party.

Two horizontal bar charts from the same geometry: people asked, answered and accepted for each zone and
role; and the minutes until each role was filled, against the minutes it had. Readable on a 360 px
phone (a 360-unit viewBox drawn at full width) and without colour: every bar has its number and its
meaning written beside it, the colours are dark enough for 4.5:1 on white, and screen readers get
role="img" with a <title> and a <desc> that says every number. The page has a table of the same
numbers. Texts are escaped by the template; numbers are formatted here (never localised: "12,5" is
no SVG length).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.incidents.drills import DrillReport, RoleFill, ZoneRole, minutes_of

WIDTH = 360
PAD = 4
LONGEST = 190  # the widest bar: the rest of the width is for its words
BAR = 18
BAR_GAP = 4
LABEL = 20  # a group's name, above its bars
GROUP_GAP = 14
WORDS = 18  # a line of words under a bar
NAME_LENGTH = 48

ASKED, ANSWERED, ACCEPTED = "#4a4a4a", "#2b5797", "#1d6b3a"
IN_TIME, LATE = "#1d6b3a", "#a4262c"


@dataclass(frozen=True)
class Bar:
    y: int
    width: str  # viewBox units, formatted
    fill: str
    outline: bool  # drawn as an outline only (a role never filled)
    text_x: str
    text_y: int
    text: str


@dataclass(frozen=True)
class Group:
    y: int  # the baseline of its name
    name: str
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    key: str  # the ids of its title and description
    title: str
    desc: str
    height: int
    groups: list[Group]
    width: int = WIDTH


def short(name: str) -> str:
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1].rstrip() + "…"


def length(value: float, largest: float) -> float:
    return LONGEST * value / largest if largest > 0 else 0.0


def bar(y: int, width: float, fill: str, text: str, *, outline: bool, below: bool) -> Bar:
    drawn = max(width, 2.0)  # a zero still shows where it starts
    if below:  # long words: on their own line under the bar
        return Bar(y, f"{drawn:.1f}", fill, outline, f"{PAD}", y + BAR + WORDS - 4, text)
    return Bar(y, f"{drawn:.1f}", fill, outline, f"{PAD + drawn + 6:.1f}", y + BAR - 5, text)


def chart(
    key: str, title: str, desc: str, groups: list[tuple[str, list[tuple[float, str, str, bool]]]], *, below: bool
) -> Chart:
    """Groups of (name, [(length, colour, words, outline)]) one under another, each name above its bars;
    `below`: each bar's words on a line under it, else beside it."""
    step = BAR + BAR_GAP + (WORDS if below else 0)
    top, drawn = PAD, []
    for name, bars in groups:
        y = top + LABEL
        made = [bar(y + index * step, *spec[:3], outline=spec[3], below=below) for index, spec in enumerate(bars)]
        drawn.append(Group(top + 14, short(name), made))
        top = y + len(bars) * step + GROUP_GAP
    return Chart(key, title, desc, max(top, PAD + LABEL + BAR), drawn)


def counts_words(row: ZoneRole) -> tuple[str, str, str]:
    return (
        ngettext("%(count)d asked", "%(count)d asked", row.asked) % {"count": row.asked},
        ngettext("%(count)d answered", "%(count)d answered", row.answered) % {"count": row.answered},
        ngettext("%(count)d said GO", "%(count)d said GO", row.accepted) % {"count": row.accepted},
    )


def answers_chart(rows: list[ZoneRole]) -> Chart:
    """Asked, answered and accepted for each zone and role."""
    largest = max((row.asked for row in rows), default=0)
    groups = []
    words = []
    for row in rows:
        asked, answered, going = counts_words(row)
        name = f"{row.zone} · {row.role}"
        groups.append(
            (
                name,
                [
                    (length(row.asked, largest), ASKED, asked, False),
                    (length(row.answered, largest), ANSWERED, answered, False),
                    (length(row.accepted, largest), ACCEPTED, going, False),
                ],
            )
        )
        words.append(f"{name}: {asked}, {answered}, {going}.")
    desc = " ".join(words) or _("Nobody was asked.")
    return chart("drill-answers", _("Asked, answered and said GO, by zone and role"), desc, groups, below=False)


def fill_words(role: RoleFill) -> str:
    wanted = ngettext("wanted within %(minutes)d minute", "wanted within %(minutes)d minutes", role.minutes) % {
        "minutes": role.minutes
    }
    if role.time_to_fill is None:
        return _("never filled (%(going)d of %(places)d), %(wanted)s") % {
            "going": role.accepted,
            "places": role.places,
            "wanted": wanted,
        }
    taken = minutes_of(role.time_to_fill)
    return ngettext("filled in %(taken)d minute, %(wanted)s", "filled in %(taken)d minutes, %(wanted)s", taken) % {
        "taken": taken,
        "wanted": wanted,
    }


def fill_chart(roles: list[RoleFill]) -> Chart:
    """Minutes until each role was filled; a role never filled is an outline as long as the longest."""
    taken = {role.need.pk: minutes_of(role.time_to_fill) for role in roles if role.time_to_fill is not None}
    largest = max([*taken.values(), *(role.minutes for role in roles)], default=0)
    groups = []
    for role in roles:
        words = fill_words(role)
        if role.need.pk in taken:
            colour = IN_TIME if role.filled_in_time else LATE
            groups.append((role.role, [(length(taken[role.need.pk], largest), colour, words, False)]))
        else:
            groups.append((role.role, [(float(LONGEST), LATE, words, True)]))
    desc = " ".join(f"{role.role}: {fill_words(role)}." for role in roles) or _("The drill needed no role.")
    return chart("drill-fill", _("Minutes until each role was filled"), desc, groups, below=True)


def drill_charts(report: DrillReport) -> list[Chart]:
    return [answers_chart(report.rows), fill_chart(report.roles)]
