"""A drill report's charts, drawn on the server as SVG (core.charts, web/_bar_chart.html): no script.

Two horizontal bar charts from the same geometry: people asked, answered and accepted for each zone and
role; and the minutes until each role was filled, against the minutes it had. Readable on a 360 px
phone (a 360-unit viewBox drawn at full width) and without colour: every bar has its number and its
meaning written beside it, the colours are dark enough for 4.5:1 on white, and screen readers get
role="img" with a <title> and a <desc> that says every number. The page has a table of the same
numbers. Texts are escaped by the template; numbers are formatted here (never localised: "12,5" is
no SVG length).
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.core.charts import BLUE, GREEN, GREY, LONGEST, RED, Chart, bar_chart, length
from solidarity.incidents.drills import DrillReport, RoleFill, ZoneRole, minutes_of

ASKED, ANSWERED, ACCEPTED = GREY, BLUE, GREEN
IN_TIME, LATE = GREEN, RED


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
    return bar_chart("drill-answers", _("Asked, answered and said GO, by zone and role"), desc, groups, below=False)


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
    return bar_chart("drill-fill", _("Minutes until each role was filled"), desc, groups, below=True)


def drill_charts(report: DrillReport) -> list[Chart]:
    return [answers_chart(report.rows), fill_chart(report.roles)]
