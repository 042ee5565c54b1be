"""An action's flyer: what the public page says, on paper (core.flyers lays it out), with a QR code to that page.

English and Spanish side by side (or one language per side): the title, when, where to gather, what it is, what
to bring, the contact address and the jail-support number to write on an arm. Only the public page's facts: a
flyer is public whoever prints it, so it names no organiser and shows nothing else of the action. A cancelled
action's flyer says so first.
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from solidarity.core.bilingual import text_of
from solidarity.core.flyers import Layout, Line, Paper, Printable, Section, Side, Style, flyer_pdf
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings
from solidarity.events.calendar import public_url, when_text
from solidarity.events.models import Action, ActionState

LANGUAGES = ("en", "es")
WHAT_LENGTH = 360  # what the action is, cut on the flyer (its page has the rest)
BRING_LENGTH = 240


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str


def shortened(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 3].rstrip() + "..."


def hotline_text(action: Action) -> str:
    """The jail-support number as people dial it ("+1 919-555-0177"), "" when there is none."""
    found = dialable(action.hotline, get_network_settings().phone_region) if action.hotline else None
    return found.text if found else action.hotline


def side(action: Action, language: str) -> Side:
    """What the flyer says in `language` (made with it active)."""
    head = []
    if action.state == ActionState.CANCELLED:
        head.append(Line(_("CANCELLED: this action will not take place."), Style.TITLE))
    head.append(Line(text_of(action, "title"), Style.TITLE))
    sections = [
        Section(tuple(head)),
        Section((Line(_("When"), Style.HEADING), Line(when_text(action)))),
        Section((Line(_("Where to gather"), Style.HEADING), Line(action.gathering_place))),
    ]
    what = text_of(action, "description")
    if what:
        sections.append(Section((Line(shortened(what, WHAT_LENGTH)),)))
    hotline = hotline_text(action)
    if hotline:
        sections.append(
            Section((Line(_("Jail support: write it on your arm"), Style.HEADING), Line(hotline, Style.PHONE)))
        )
    bring = text_of(action, "bring")
    if bring:
        lines = (Line(_("What to bring"), Style.HEADING), Line(shortened(bring, BRING_LENGTH)))
        sections.append(Section(lines, optional=True))
    if action.contact:
        sections.append(Section((Line(_("Contact"), Style.HEADING), Line(action.contact)), optional=True))
    return Side(
        language,
        tuple(sections),
        qr_caption=_("Scan for the public page, kept up to date"),
        more=_("More on the web page: scan the code."),
        qr_url=public_url(action),
    )


def printable(action: Action, language: str) -> Printable:
    sides = []
    for each in LANGUAGES:
        with translation.override(each):
            sides.append(side(action, each))
    with translation.override(language):
        return Printable(text_of(action, "title"), public_url(action), tuple(sides))


def flyer(action: Action, language: str, paper: Paper, layout: Layout) -> Download:
    content = flyer_pdf(printable(action, language), paper, layout)
    return Download(content, f"action-{action.code.lower()}-{paper}-{layout}.pdf")
