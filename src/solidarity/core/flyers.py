"""Printable flyers and pocket cards as PDF, each with a QR code to the page it summarises.

Any part describes what to print as a `Printable`: one `Side` per language (English first, then Spanish),
each a list of `Section`s of styled `Line`s, and the address its QR code opens. This module lays it out
to paste on a wall or hand out: black on white only (a photocopier or a cheap laser printer prints it
alike), large type, letter or A4.

- `flyer_pdf`: one page. Bilingual: an English column and a Spanish column side by side, one QR code
  between their captions at the foot. One language per side: page 1 in English, page 2 in Spanish, so a
  double-sided print has a language on each side.
- `cards_pdf`: wallet-size cards (85 x 55 mm), as many as the sheet holds (8 on letter, 10 on A4), with
  cut marks in the margins along every card's edges. Bilingual: each row holds an English card and its
  Spanish twin side by side (cut them apart, or fold on the middle line for a two-sided card). One
  language per side: page 1 all English cards, page 2 all Spanish ones, back to back.

Text never leaves its page or card: it wraps (a word longer than the line is broken), then shrinks
everything alike down to a size still readable, then leaves out the optional sections from the last
(saying so with the side's `more` line), and as a last resort shrinks further and clips what still does
not fit. The QR code is drawn as vector rectangles from segno's matrix (crisp at any printer's
resolution), with its quiet zone of 4 modules. The PDF's core fonts speak Latin-1: Spanish fits (á é í
ó ú ñ ü ¿ ¡); typographic marks are made plain and anything else becomes "?".
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from fpdf import FPDF

# fpdf and segno are imported where a PDF is drawn, not here: with the fontTools it loads, fpdf costs every
# process some 17 MB (segno 1.4), and every process loads this module (views and API name it) though few
# requests ever print.

MM_PER_POINT = 25.4 / 72
LEADING = 1.2
QUIET_ZONE = 4  # modules of white around the code, as the standard asks
FONT = "Helvetica"

PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2192": "->",
        "\u2022": "-",
        "\u202f": " ",
    }
)


class Paper(StrEnum):
    LETTER = "letter"
    A4 = "a4"


class Layout(StrEnum):
    BILINGUAL = "bilingual"  # the languages side by side
    SIDES = "sides"  # one language per page: a double-sided print has one on each side


class Style(StrEnum):
    TITLE = "title"
    HEADING = "heading"
    PHONE = "phone"  # a number to call: large and bold
    BODY = "body"
    ITEM = "item"  # a point in a list: bulleted
    SMALL = "small"


@dataclass(frozen=True)
class Line:
    text: str
    style: Style = Style.BODY


@dataclass(frozen=True)
class Section:
    """Lines kept together; an `optional` one may be left out (from the last) when the page has no room."""

    lines: tuple[Line, ...]
    optional: bool = False


@dataclass(frozen=True)
class Side:
    """What one language says: its sections, the words by the QR code, and what to say when sections were left out."""

    language: str
    sections: tuple[Section, ...]
    qr_caption: str = ""
    more: str = ""
    qr_url: str = ""  # this language's page, for a page or a card in this language only; else the printable's


@dataclass(frozen=True)
class Printable:
    """A flyer or a card: its sides (English, then Spanish) and the absolute address its QR code opens."""

    title: str
    qr_url: str
    sides: tuple[Side, ...]


@dataclass(frozen=True)
class Look:
    """Type sizes (points) and the space after each style and each section (millimetres), at scale 1."""

    sizes: dict[Style, float]
    after: dict[Style, float]
    section_gap: float
    bullet_indent: float
    min_scale: float  # the smallest still readable at arm's length
    max_scale: float  # a short text grows up to this, to fill its page or card
    error: str  # the QR code's error correction


FLYER = Look(
    sizes={
        Style.TITLE: 30,
        Style.HEADING: 17,
        Style.PHONE: 21,
        Style.BODY: 14,
        Style.ITEM: 14,
        Style.SMALL: 11,
    },
    after={
        Style.TITLE: 4,
        Style.HEADING: 1.5,
        Style.PHONE: 1.5,
        Style.BODY: 1.5,
        Style.ITEM: 1.5,
        Style.SMALL: 1,
    },
    section_gap=5,
    bullet_indent=6,
    min_scale=0.6,
    max_scale=2.0,
    error="q",
)
CARD = Look(
    sizes={
        Style.TITLE: 10.5,
        Style.HEADING: 8,
        Style.PHONE: 13,
        Style.BODY: 7.5,
        Style.ITEM: 7.5,
        Style.SMALL: 6.5,
    },
    after={
        Style.TITLE: 1,
        Style.HEADING: 0.4,
        Style.PHONE: 0.6,
        Style.BODY: 0.4,
        Style.ITEM: 0.3,
        Style.SMALL: 0.3,
    },
    section_gap=1.2,
    bullet_indent=2.6,
    min_scale=0.75,
    max_scale=1.4,
    error="m",
)
CAPTION = replace(FLYER, max_scale=1.0)  # the words by a flyer's QR code do not grow
BOLD = {Style.TITLE, Style.HEADING, Style.PHONE}
FLOOR_SCALE = 0.3  # below the readable size, the last resort before clipping
STEP = 0.05


def scales(look: Look) -> list[float]:
    """The scales to try, largest first: from the look's largest down to FLOOR_SCALE."""
    count = round((look.max_scale - FLOOR_SCALE) / STEP)
    return [round(look.max_scale - step * STEP, 2) for step in range(count + 1)]


FLYER_MARGIN = 12.0
FLYER_QR = 48.0
CARD_WIDTH = 85.0
CARD_HEIGHT = 55.0
CARD_PADDING = 3.5
CARD_QR = 21.0
MARK_GAP = 1.5  # cut marks start this far from the cards
MARK_LENGTH = 6.0
SHEET_MARGIN = MARK_GAP + MARK_LENGTH + 2


def latin1(text: str) -> str:
    """What the core fonts can write: Spanish as it is, typographic marks plain, anything else '?'."""
    return text.translate(PLAIN).encode("latin-1", errors="replace").decode("latin-1")


def page_size(paper: Paper) -> tuple[float, float]:
    """Width and height in millimetres."""
    return (215.9, 279.4) if paper == Paper.LETTER else (210.0, 297.0)


def new_pdf(paper: Paper, title: str, language: str) -> "FPDF":
    """A page that never breaks on its own: every position is computed here."""
    from fpdf import FPDF  # see the imports

    pdf = FPDF(unit="mm", format="letter" if paper == Paper.LETTER else "A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    pdf.set_title(latin1(title))
    pdf.set_creator("Solidarity")
    pdf.set_lang(language)
    pdf.set_text_color(0)
    pdf.set_draw_color(0)
    pdf.set_fill_color(0)
    return pdf


def wrap_line(pdf: "FPDF", line: Line, width: float, look: Look, scale: float) -> tuple[list[str], float]:
    """`line` wrapped to `width` at `scale`: its lines and their height each (the font is left set)."""
    from fpdf.enums import MethodReturnValue  # see the imports

    size = look.sizes[line.style] * scale
    pdf.set_font(FONT, style="B" if line.style in BOLD else "", size=size)
    indent = look.bullet_indent * scale if line.style == Style.ITEM else 0
    height = size * MM_PER_POINT * LEADING
    found = pdf.multi_cell(
        max(width - indent, 1), height, latin1(line.text), dry_run=True, output=MethodReturnValue.LINES
    )
    return [str(text) for text in cast(list[str], found)], height


def lines_of(sections: Iterable[Section]) -> Iterable[tuple[int, Line]]:
    for number, section in enumerate(sections):
        for line in section.lines:
            if line.text.strip():
                yield number, line


def measure(pdf: "FPDF", sections: Sequence[Section], width: float, look: Look, scale: float) -> float:
    """The height `sections` take in a column of `width` at `scale`."""
    total, last = 0.0, None
    for number, line in lines_of(sections):
        if last is not None and number != last:
            total += look.section_gap * scale
        last = number
        wrapped, height = wrap_line(pdf, line, width, look, scale)
        total += len(wrapped) * height + look.after[line.style] * scale
    return total


def shown(side: Side, kept: int) -> list[Section]:
    """The side's sections with only the first `kept` optional ones, and its `more` line if any was left out."""
    found: list[Section] = []
    optional = 0
    for section in side.sections:
        if section.optional:
            optional += 1
            if optional > kept:
                continue
        found.append(section)
    if optional > kept and side.more:
        found.append(Section((Line(side.more, Style.HEADING),)))
    return found


def optional_count(side: Side) -> int:
    return sum(1 for section in side.sections if section.optional)


def fit(pdf: "FPDF", sides: Sequence[Side], width: float, height: float, look: Look) -> tuple[float, int]:
    """The scale and number of optional sections at which every side fits a `width` x `height` box.

    1. Everything, at the largest scale that fits, down to the readable minimum.
    2. Else the most optional sections that fit at the minimum (a binary search: fewer always fit
       better), at the largest scale that fits them.
    3. Else none of them, smaller still down to FLOOR_SCALE (and the drawing clips what is left).
    The sides share one scale and one count, so that the languages say the same, the same size.
    """

    def fits(kept: int, scale: float) -> bool:
        return all(measure(pdf, shown(side, kept), width, look, scale) <= height for side in sides)

    total = max((optional_count(side) for side in sides), default=0)
    readable = [scale for scale in scales(look) if scale >= look.min_scale]
    for scale in readable:
        if fits(total, scale):
            return scale, total
    low, high = 0, total - 1  # the most that fit at the minimum, if any
    best = -1
    while low <= high:
        middle = (low + high) // 2
        if fits(middle, look.min_scale):
            best, low = middle, middle + 1
        else:
            high = middle - 1
    if best >= 0:
        return next(scale for scale in readable if fits(best, scale)), best
    for scale in scales(look):
        if scale < look.min_scale and fits(0, scale):
            return scale, 0
    return FLOOR_SCALE, 0


def draw_column(
    pdf: "FPDF", sections: Sequence[Section], box: tuple[float, float, float, float], look: Look, scale: float
) -> float:
    """Draws `sections` in `box` (x, y, width, height), line by line, leaving out any line that would pass its
    bottom; returns where it stopped."""
    x, y, width, height = box
    bottom = y + height + 0.01
    last = None
    for number, line in lines_of(sections):
        if last is not None and number != last:
            y += look.section_gap * scale
        last = number
        wrapped, line_height = wrap_line(pdf, line, width, look, scale)
        indent = look.bullet_indent * scale if line.style == Style.ITEM else 0
        for index, text in enumerate(wrapped):
            if y + line_height > bottom:
                return y
            if index == 0 and line.style == Style.ITEM:
                radius = look.sizes[line.style] * scale * MM_PER_POINT * 0.17
                pdf.circle(x + indent * 0.35, y + line_height * 0.5, radius, style="F")
            pdf.set_xy(x + indent, y)
            pdf.cell(width - indent, line_height, text)
            y += line_height
        y += look.after[line.style] * scale
    return y


def draw_qr(pdf: "FPDF", url: str, x: float, y: float, size: float, error: str) -> None:
    """The QR code of `url` in a `size` square at (x, y), quiet zone included: each row's runs of dark
    modules as filled rectangles."""
    import segno  # see the imports

    code = segno.make(url, error=error, micro=False, boost_error=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=QUIET_ZONE)]
    module = size / len(rows)
    for number, row in enumerate(rows):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(x + start * module, y + number * module, (column - start) * module, module, style="F")


def display_url(url: str) -> str:
    """The address as people type it: without its scheme."""
    return url.split("://", 1)[-1]


def caption(side: Side, url: str) -> list[Section]:
    return [Section((Line(side.qr_caption, Style.HEADING), Line(display_url(url), Style.SMALL)))]


def draw_captioned(pdf: "FPDF", sides: Sequence[Side], url: str, boxes: Sequence[tuple[float, ...]]) -> None:
    """Each side's QR caption in its box (x, y, width, height), at one scale for all."""
    width = min(box[2] for box in boxes)
    height = min(box[3] for box in boxes)
    captions = [Side(side.language, tuple(caption(side, url))) for side in sides]
    scale, _kept = fit(pdf, captions, width, height, CAPTION)
    for side, box in zip(captions, boxes, strict=True):
        x, y, box_width, box_height = box
        draw_column(pdf, side.sections, (x, y, box_width, box_height), CAPTION, scale)


def flyer_pdf(printable: Printable, paper: Paper, layout: Layout) -> bytes:
    """A one-page flyer (two pages, one per language, for `Layout.SIDES`)."""
    page_width, page_height = page_size(paper)
    margin = FLYER_MARGIN
    band = FLYER_QR + 4  # the foot: the QR code and its captions
    body_height = page_height - 2 * margin - band - 4
    pdf = new_pdf(paper, printable.title, printable.sides[0].language)
    sides = printable.sides
    if layout == Layout.BILINGUAL:
        gutter = 8.0
        width = (page_width - 2 * margin - gutter) / 2
        pdf.add_page()
        scale, kept = fit(pdf, sides, width, body_height, FLYER)
        for number, side in enumerate(sides[:2]):
            x = margin + number * (width + gutter)
            draw_column(pdf, shown(side, kept), (x, margin, width, body_height), FLYER, scale)
        pdf.set_line_width(0.3)
        pdf.line(page_width / 2, margin, page_width / 2, margin + body_height)
        foot = page_height - margin - FLYER_QR
        pdf.set_line_width(0.5)
        pdf.line(margin, foot - 4, page_width - margin, foot - 4)
        qr_x = (page_width - FLYER_QR) / 2
        draw_qr(pdf, printable.qr_url, qr_x, foot, FLYER_QR, FLYER.error)
        side_width = qr_x - margin - 4
        draw_captioned(
            pdf,
            sides[:2],
            printable.qr_url,
            [(margin, foot, side_width, FLYER_QR), (qr_x + FLYER_QR + 4, foot, side_width, FLYER_QR)],
        )
    else:
        width = page_width - 2 * margin
        pdf.add_page()
        scale, kept = fit(pdf, sides, width, body_height, FLYER)
        for number, side in enumerate(sides):
            if number:
                pdf.add_page()
            draw_column(pdf, shown(side, kept), (margin, margin, width, body_height), FLYER, scale)
            foot = page_height - margin - FLYER_QR
            pdf.set_line_width(0.5)
            pdf.line(margin, foot - 4, page_width - margin, foot - 4)
            qr_x = page_width - margin - FLYER_QR
            url = side.qr_url or printable.qr_url
            draw_qr(pdf, url, qr_x, foot, FLYER_QR, FLYER.error)
            draw_captioned(pdf, [side], url, [(margin, foot, qr_x - margin - 6, FLYER_QR)])
    return bytes(pdf.output())


@dataclass(frozen=True)
class Grid:
    columns: int
    rows: int
    left: float
    top: float

    def cells(self) -> Iterable[tuple[int, int, float, float]]:
        for row in range(self.rows):
            for column in range(self.columns):
                yield column, row, self.left + column * CARD_WIDTH, self.top + row * CARD_HEIGHT


def grid_of(paper: Paper) -> Grid:
    """As many cards as fit inside the margins the cut marks need, centred (so that the back of a card
    printed double-sided falls on its front)."""
    page_width, page_height = page_size(paper)
    columns = int((page_width - 2 * SHEET_MARGIN) // CARD_WIDTH)
    rows = int((page_height - 2 * SHEET_MARGIN) // CARD_HEIGHT)
    return Grid(columns, rows, (page_width - columns * CARD_WIDTH) / 2, (page_height - rows * CARD_HEIGHT) / 2)


def cards_per_sheet(paper: Paper) -> int:
    grid = grid_of(paper)
    return grid.columns * grid.rows


def draw_cut_marks(pdf: "FPDF", grid: Grid) -> None:
    """Short lines in the margins along every card's edges: cut from mark to mark, straight across the sheet."""
    pdf.set_line_width(0.25)
    right = grid.left + grid.columns * CARD_WIDTH
    bottom = grid.top + grid.rows * CARD_HEIGHT
    for column in range(grid.columns + 1):
        x = grid.left + column * CARD_WIDTH
        pdf.line(x, grid.top - MARK_GAP, x, grid.top - MARK_GAP - MARK_LENGTH)
        pdf.line(x, bottom + MARK_GAP, x, bottom + MARK_GAP + MARK_LENGTH)
    for row in range(grid.rows + 1):
        y = grid.top + row * CARD_HEIGHT
        pdf.line(grid.left - MARK_GAP, y, grid.left - MARK_GAP - MARK_LENGTH, y)
        pdf.line(right + MARK_GAP, y, right + MARK_GAP + MARK_LENGTH, y)


def draw_card(pdf: "FPDF", side: Side, kept: int, url: str, x: float, y: float, scale: float) -> None:
    text_width = CARD_WIDTH - 2 * CARD_PADDING - CARD_QR - 2.5
    text_height = CARD_HEIGHT - 2 * CARD_PADDING
    draw_column(pdf, shown(side, kept), (x + CARD_PADDING, y + CARD_PADDING, text_width, text_height), CARD, scale)
    qr_x = x + CARD_WIDTH - CARD_PADDING - CARD_QR + 1.5  # the quiet zone is white: it may reach into the padding
    qr_y = y + CARD_HEIGHT - CARD_PADDING - CARD_QR + 1.5
    draw_qr(pdf, url, qr_x, qr_y, CARD_QR, CARD.error)
    if side.qr_caption:  # just above the code
        words = [Section((Line(side.qr_caption, Style.SMALL),))]
        height = measure(pdf, words, CARD_QR - 2, CARD, 1.0)
        top = max(y + CARD_PADDING, qr_y + 0.4 - height)  # its last line's spacing may reach the quiet zone
        draw_column(pdf, words, (qr_x + 1, top, CARD_QR - 2, qr_y + 0.4 - top), CARD, 1.0)


def cards_pdf(printable: Printable, paper: Paper, layout: Layout) -> bytes:
    """A sheet of wallet-size cards with cut marks (two sheets, one per language, for `Layout.SIDES`)."""
    grid = grid_of(paper)
    pdf = new_pdf(paper, printable.title, printable.sides[0].language)
    width = CARD_WIDTH - 2 * CARD_PADDING - CARD_QR - 2.5
    pdf.add_page()
    scale, kept = fit(pdf, printable.sides, width, CARD_HEIGHT - 2 * CARD_PADDING, CARD)
    pages = [list(printable.sides[:2])] if layout == Layout.BILINGUAL else [[side] for side in printable.sides]
    for number, sides in enumerate(pages):
        if number:
            pdf.add_page()
        for column, _row, x, y in grid.cells():
            side = sides[column % len(sides)]
            draw_card(pdf, side, kept, side.qr_url or printable.qr_url, x, y, scale)
        draw_cut_marks(pdf, grid)
    return bytes(pdf.output())


@dataclass(frozen=True)
class Label:
    """One card of a sheet of different cards (a label per lot, a card per shelf): what it says, where its QR goes."""

    side: Side
    url: str


def labels_pdf(labels: Sequence[Label], paper: Paper, title: str, language: str) -> bytes:
    """Sheets of wallet-size labels, each its own text and QR code, with cut marks; as many sheets as needed.

    Each label is fitted on its own (a long name shrinks its label only). ValueError for no label at all.
    """
    if not labels:
        raise ValueError("no label to print")
    grid = grid_of(paper)
    pdf = new_pdf(paper, title, language)
    width = CARD_WIDTH - 2 * CARD_PADDING - CARD_QR - 2.5
    per_sheet = cards_per_sheet(paper)
    for start in range(0, len(labels), per_sheet):
        pdf.add_page()
        for (_column, _row, x, y), label in zip(grid.cells(), labels[start : start + per_sheet], strict=False):
            scale, kept = fit(pdf, [label.side], width, CARD_HEIGHT - 2 * CARD_PADDING, CARD)
            draw_card(pdf, label.side, kept, label.url, x, y, scale)
        draw_cut_marks(pdf, grid)
    return bytes(pdf.output())
