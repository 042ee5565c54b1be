"""The "write it on your arm" cards: wallet cards with the action's jail-support hotline in the largest type a
card has, its date, and why to write it on one's arm (phones get taken), in English and Spanish (core.flyers
lays them out). The QR code dials the number. Nothing on them but the action's public hotline and date."""

from dataclasses import dataclass

from django.utils import formats, translation
from django.utils.translation import gettext as _

from solidarity.core.flyers import Layout, Line, Paper, Printable, Section, Side, Style, cards_pdf
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings, local
from solidarity.events.models import Action

LANGUAGES = ("en", "es")
TITLE = "Jail support / Apoyo en la cárcel"  # both languages on every card: whoever reads it, in a hurry
DATE_FORMATS = {"en": "l, N j, Y", "es": r"l j \d\e F \d\e Y"}


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str


def hotline_text(action: Action) -> str:
    """The action's hotline as people dial it here; "" when it has none."""
    found = dialable(action.hotline, get_network_settings().phone_region) if action.hotline else None
    return found.text if found else ""


def arm_card(action: Action) -> Printable:
    """The cards' text. ValueError when the action has no hotline (the page says how to add one)."""
    number = hotline_text(action).replace(" ", "\u00a0")  # never wrapped across two lines
    if not number:
        raise ValueError("the action has no jail-support number")
    when = local(action.starts_at).date()

    def side(language: str) -> Side:
        with translation.override(language):
            sections = (
                Section((Line(TITLE, Style.TITLE), Line(number, Style.PHONE))),
                Section(
                    (
                        Line(formats.date_format(when, DATE_FORMATS[language]), Style.HEADING),
                        Line(_("Write this number on your arm with a marker: phones get taken."), Style.BODY),
                    )
                ),
            )
            return Side(language, sections, qr_caption=_("Call"))

    return Printable(TITLE, f"tel:{action.hotline}", tuple(side(language) for language in LANGUAGES))


def arm_cards_pdf(action: Action, paper: Paper, layout: Layout) -> Download:
    return Download(cards_pdf(arm_card(action), paper, layout), f"jail-support-{action.code}-{paper}-{layout}.pdf")
