"""The readiness chart: a horizontal stacked bar per skill, drawn on the server as an SVG string (no script).

Readable on a 360 px phone (a 360-unit viewBox drawn at the page's full width), and without colour:
each category has a pattern as well as a colour (current: solid; expiring: stripes; awaiting sign-off:
dots; lapsed: cross-hatch), every number is written out under its bar in words, and the legend names
each pattern. Screen readers get role="img" with a <title> and a <desc> that says every number; the
page adds a plain table of the same numbers. Every text is XML-escaped here: skill names are the
network's own text.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.core.charts import PAD, WIDTH, svg
from solidarity.trainings.readiness import SkillReadiness

BAR_HEIGHT = 26
ROW_HEIGHT = 96  # a one-line name, the bar, two lines of numbers in words, a gap
NAME_LINE = 18  # each further line of a long name
LEGEND_HEIGHT = 4 * 22 + 8  # one line per category: long Spanish labels need the width
NAME_LENGTH = 40  # characters of a skill's name that fit one line at the chart's font size
NAME_LINES = 2
MIN_LABELLED = 22  # a segment this wide (in viewBox units) shows its number inside


@dataclass(frozen=True)
class Category:
    key: str
    fill: str  # the base colour; white or black text on it has at least 4.5:1 contrast
    ink: str  # the colour of a number written on it
    pattern: str  # the SVG inside the <pattern>, drawn over the fill


STRIPES = '<path d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6" stroke="#000" stroke-width="1.5" stroke-opacity="0.45"/>'
DOTS = '<circle cx="4" cy="4" r="1.6" fill="#fff" fill-opacity="0.6"/>'
CROSS = '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1.2" stroke-opacity="0.55"/>'
CATEGORIES = (
    Category("current", "#1d6b3a", "#ffffff", ""),
    Category("expiring", "#f0b429", "#000000", STRIPES),
    Category("awaiting", "#2b5797", "#ffffff", DOTS),
    Category("lapsed", "#a4262c", "#ffffff", CROSS),
)


def label_of(key: str) -> str:
    return {
        "current": _("Current, over 30 days left"),
        "expiring": _("Expiring within 30 days"),
        "awaiting": _("Awaiting sign-off"),
        "lapsed": _("Lapsed"),
    }[key]


def values_of(counts: SkillReadiness) -> dict[str, int]:
    """The bar's segments: current ones with more than 30 days left, then expiring, awaiting, lapsed."""
    return {"current": counts.steady, "expiring": counts.expiring, "awaiting": counts.awaiting, "lapsed": counts.lapsed}


def in_words(counts: SkillReadiness) -> tuple[str, str]:
    """One skill's numbers in words, in two short lines (a phone's width): under its bar, and in the description."""
    current = ngettext("%(count)d current", "%(count)d current", counts.current) % {"count": counts.current}
    expiring = ngettext("%(count)d expiring soon", "%(count)d expiring soon", counts.expiring) % {
        "count": counts.expiring
    }
    awaiting = ngettext("%(count)d awaiting sign-off", "%(count)d awaiting sign-off", counts.awaiting) % {
        "count": counts.awaiting
    }
    lapsed = ngettext("%(count)d lapsed", "%(count)d lapsed", counts.lapsed) % {"count": counts.lapsed}
    return f"{current} · {expiring}", f"{awaiting} · {lapsed}"


def name_lines(name: str) -> list[str]:
    """A skill's name in lines that fit the width (at most NAME_LINES; the last cut with "…" if need be)."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= NAME_LENGTH:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > NAME_LINES:
        lines = [*lines[: NAME_LINES - 1], " ".join(lines[NAME_LINES - 1 :])]
    return [line if len(line) <= NAME_LENGTH else line[: NAME_LENGTH - 1].rstrip() + "…" for line in lines] or [""]


def row_height(counts: SkillReadiness) -> int:
    return ROW_HEIGHT + NAME_LINE * (len(name_lines(counts.name)) - 1)


def fill_of(category: Category) -> str:
    return f"url(#rd-{category.key})" if category.pattern else category.fill


def defs() -> str:
    patterns = "".join(
        f'<pattern id="rd-{c.key}" patternUnits="userSpaceOnUse" width="8" height="8">'
        f'<rect width="8" height="8" fill="{c.fill}"/>{c.pattern}</pattern>'
        for c in CATEGORIES
        if c.pattern
    )
    return f"<defs>{patterns}</defs>"


def legend() -> str:
    """One line per category: a swatch (the pattern) and its name."""
    items = []
    for index, category in enumerate(CATEGORIES):
        x = PAD
        y = PAD + index * 22
        items.append(
            f'<rect x="{x}" y="{y}" width="18" height="18" fill="{fill_of(category)}" stroke="#222"/>'
            f'<text x="{x + 24}" y="{y + 14}" font-size="13" fill="#222">{escape(label_of(category.key))}</text>'
        )
    return f'<g aria-hidden="true">{"".join(items)}</g>'


def bar(counts: SkillReadiness, top: int, widest: int) -> str:
    """One skill: its name, its stacked bar (segments sized against the widest bar), its numbers in words."""
    inner = WIDTH - 2 * PAD
    names = name_lines(counts.name)
    parts = [
        f'<text x="{PAD}" y="{top + 14 + index * NAME_LINE}" font-size="14" font-weight="600" fill="#111">'
        f"{escape(line)}</text>"
        for index, line in enumerate(names)
    ]
    x = float(PAD)
    bar_top = top + 20 + NAME_LINE * (len(names) - 1)
    for category in CATEGORIES:
        value = values_of(counts)[category.key]
        if value <= 0:
            continue
        width = inner * value / widest
        parts.append(
            f'<rect x="{x:.1f}" y="{bar_top}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{fill_of(category)}"'
            f' stroke="#fff" stroke-width="1"><title>{escape(label_of(category.key))}: {value}</title></rect>'
        )
        if width >= MIN_LABELLED:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{bar_top + 18}" font-size="14" font-weight="700"'
                f' text-anchor="middle" fill="{category.ink}" stroke="{category.fill}" stroke-width="3"'
                f' paint-order="stroke">{value}</text>'
            )
        x += width
    if counts.total == 0:
        parts.append(f'<rect x="{PAD}" y="{bar_top}" width="{inner}" height="{BAR_HEIGHT}" fill="none" stroke="#999"/>')
    for line, words in enumerate(in_words(counts)):
        y = bar_top + BAR_HEIGHT + 17 + line * 16
        parts.append(f'<text x="{PAD}" y="{y}" font-size="13" fill="#333">{escape(words)}</text>')
    return f"<g>{''.join(parts)}</g>"


def description(skills: list[SkillReadiness]) -> str:
    if not skills:
        return _("Nobody in the network holds a skill yet.")
    return " ".join(f"{counts.name}: {' · '.join(in_words(counts))}." for counts in skills)


def readiness_chart(skills: list[SkillReadiness], title: str) -> SafeString:
    """The chart as inline SVG markup (module doc); `title` names it for screen readers."""
    widest = max((counts.total for counts in skills), default=0) or 1
    top, drawn = PAD + LEGEND_HEIGHT, []
    for counts in skills:
        drawn.append(bar(counts, top, widest))
        top += row_height(counts)
    height = max(top, PAD + LEGEND_HEIGHT + ROW_HEIGHT)
    rows = "".join(drawn)
    if not skills:
        top = PAD + LEGEND_HEIGHT + 20
        rows = f'<text x="{PAD}" y="{top}" font-size="14" fill="#333">{escape(description(skills))}</text>'
    return svg("rd", title, description(skills), height, f"{defs()}{legend()}{rows}")
