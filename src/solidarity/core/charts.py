"""Charts drawn on the server as SVG: no script, no third party, readable on a 360 px phone.

The shared pieces of every chart in Solidarity: a 360-unit viewBox drawn at the page's full width, the
font, the wrapper that names a chart for screen readers (role="img", a <title> and a <desc> that says
every number), and the geometry of horizontal bars with their words beside or under them (drawn by
web/_bar_chart.html). Colours are dark enough for 4.5:1 on white, and every bar carries its number in
words, so nothing depends on colour. Numbers are formatted here, never localised ("12,5" is no SVG
length); texts are escaped (by the template, or by `svg` for charts built as strings).
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
PAD = 4
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK, GREY, BLUE, GREEN, RED = "#222", "#4a4a4a", "#2b5797", "#1d6b3a", "#a4262c"

LONGEST = 190  # the widest bar: the rest of the width is for its words
BAR = 18
BAR_GAP = 4
LABEL = 20  # a group's name, above its bars
GROUP_GAP = 14
WORDS = 18  # a line of words under a bar
NAME_LENGTH = 48


def svg(key: str, title: str, desc: str, height: int, body: str) -> SafeString:
    """A chart built as a string: `body` is SVG markup whose texts the caller escaped; title and desc are
    escaped here."""
    markup = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{key}-title {key}-desc"'
        f' viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet"'
        f" font-family={quoteattr(FONT)}>"
        f'<title id="{key}-title">{escape(title)}</title><desc id="{key}-desc">{escape(desc)}</desc>{body}</svg>'
    )
    return mark_safe(markup)  # noqa: S308  (every text in it is escaped)


def short(name: str, limit: int = NAME_LENGTH) -> str:
    """A name cut to fit one line of a chart, with "…"."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Bar:
    y: int
    width: str  # viewBox units, formatted
    fill: str
    outline: bool  # drawn as a dashed outline only (such as a role never filled)
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
    """A bar chart for web/_bar_chart.html."""

    key: str  # the ids of its title and description
    title: str
    desc: str
    height: int
    groups: list[Group]
    width: int = WIDTH


def length(value: float, largest: float) -> float:
    """A bar's length for `value`, the `largest` drawn LONGEST."""
    return LONGEST * value / largest if largest > 0 else 0.0


def bar(y: int, width: float, fill: str, text: str, *, outline: bool, below: bool) -> Bar:
    drawn = max(width, 2.0)  # a zero still shows where it starts
    if below:  # long words: on their own line under the bar
        return Bar(y, f"{drawn:.1f}", fill, outline, f"{PAD}", y + BAR + WORDS - 4, text)
    return Bar(y, f"{drawn:.1f}", fill, outline, f"{PAD + drawn + 6:.1f}", y + BAR - 5, text)


def bar_chart(
    key: str, title: str, desc: str, groups: list[tuple[str, list[tuple[float, str, str, bool]]]], *, below: bool
) -> Chart:
    """Groups of (name, [(length, colour, words, outline)]) one under another, each name above its bars;
    `below`: each bar's words on a line under it, else beside it. A group with no bars is its name alone."""
    step = BAR + BAR_GAP + (WORDS if below else 0)
    top, drawn = PAD, []
    for name, bars in groups:
        y = top + LABEL
        made = [bar(y + index * step, *spec[:3], outline=spec[3], below=below) for index, spec in enumerate(bars)]
        drawn.append(Group(top + 14, short(name), made))
        top = y + len(bars) * step + GROUP_GAP
    return Chart(key, title, desc, max(top, PAD + LABEL + BAR), drawn)
