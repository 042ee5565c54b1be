"""The directory's flyers and cards: what each says, in English and in Spanish (core.flyers lays them out).

- a resource list for a need and a zone: the resources listed publicly, phones first;
- the hotline card: the network's hotline, how to report and what happens next;
- the know-your-rights card, with the hotline;
- a public announcement list's sign-up flyer.

A paper flyer is public whoever prints it: it reads the directory as the public does (an anonymous
user), so a members-only resource or a sanctuary congregation that has not agreed is never on one,
and it names no person. Each QR code opens the public page it summarises, at its absolute address
(settings.BASE_URL) with the language's prefix.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from solidarity.core.bilingual import text_of
from solidarity.core.flyers import Layout, Line, Paper, Printable, Section, Side, Style, cards_pdf, flyer_pdf
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings, local
from solidarity.core.zones import zone_by_slug
from solidarity.directory.access import filtered, visible_resources
from solidarity.directory.models import Kind, Resource
from solidarity.directory.services import is_stale
from solidarity.lists.access import public_list, public_lists
from solidarity.lists.models import AnnouncementList
from solidarity.messaging.sms.config import E164
from solidarity.messaging.sms.twilio import TwilioBackend
from solidarity.messaging.sms_settings import configured_backends

LANGUAGES = ("en", "es")
# The SMS keywords in each language (GLOSSARY.md; messaging.keywords answers both in either language).
REPORT_WORD = {"en": "REPORT", "es": "REPORTE"}
JOIN_WORD = {"en": "JOIN", "es": "UNIRSE"}
# Dates with the month abbreviated ("Dec. 4, 2026", "4 de dic. de 2026"): short enough for a card.
DATE_FORMATS = {"en": "N j, Y", "es": r"j \d\e N \d\e Y"}
OFFERS_LENGTH = 240  # what a resource offers, cut on a flyer (its page has the rest)
HOURS_LENGTH = 160


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str


def absolute(path: str, query: dict[str, str] | None = None) -> str:
    """The public address of `path` (a reversed URL, with its language prefix), with the non-empty `query`."""
    found = str(settings.BASE_URL).rstrip("/") + path
    wanted = {name: value for name, value in (query or {}).items() if value}
    return f"{found}?{urlencode(wanted)}" if wanted else found


def in_each_language(make: Callable[[str], Side]) -> tuple[Side, ...]:
    """One side per language, each made with that language active (its words and its addresses)."""
    sides = []
    for language in LANGUAGES:
        with translation.override(language):
            sides.append(make(language))
    return tuple(sides)


def day(value: date) -> str:
    """A date as the active language writes it."""
    return formats.date_format(value, DATE_FORMATS.get((translation.get_language() or "en")[:2], "N j, Y"))


def shortened(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 3].rstrip() + "..."


def unbroken(number: str) -> str:
    """A phone number that never wraps across two lines (its spaces non-breaking)."""
    return number.replace(" ", "\u00a0")


def hotline_text() -> str:
    network = get_network_settings()
    found = dialable(network.hotline, network.phone_region) if network.hotline else None
    return unbroken(found.text) if found else ""


def sms_number() -> str:
    """The network's public number for texts, as people dial it; "" when it has none we can print.

    Only a Twilio sender that is a phone number is one: a Messaging Service SID is no number, and a
    phone running SMS Gateway for Android does not tell us its own.
    """
    for backend in configured_backends():
        if isinstance(backend, TwilioBackend) and E164.fullmatch(backend.sender):
            found = dialable(backend.sender, get_network_settings().phone_region)
            return unbroken(found.text if found else backend.sender)
    return ""


def render(printable: Printable, paper: Paper, layout: Layout, name: str, *, cards: bool) -> Download:
    content = (cards_pdf if cards else flyer_pdf)(printable, paper, layout)
    return Download(content, f"{name}-{paper}-{layout}.pdf")


# The resource list.


def public_resources(kind: str = "", zone: str = "") -> QuerySet[Resource]:
    """What the public sees of the directory, for a need (kind) and a zone (its slug): never the members-only."""
    return filtered(visible_resources(AnonymousUser()), kind=kind, zone=zone)


def resource_section(resource: Resource, now: datetime, region: str) -> Section:
    """One resource: its name, its phones first (24 hours marked), what it offers, its hours, when last checked."""
    lines = [Line(text_of(resource, "name"), Style.HEADING)]
    for phone in sorted(resource.phones.all(), key=lambda found: (not found.is_24h, found.created_at)):
        shown = dialable(phone.number, region)
        text = unbroken(shown.text if shown else phone.number)
        label = text_of(phone, "label")
        if phone.is_24h:
            text += " - " + _("24 hours")
        lines.append(Line(text, Style.PHONE))
        if label:
            lines.append(Line(label, Style.SMALL))
    marks = [
        str(word)
        for on, word in (
            (resource.is_free, _("Free")),
            (resource.is_sliding_scale, _("Sliding scale")),
            (resource.no_id_asked, _("No ID asked")),
            (resource.is_walk_in, _("Walk-in")),
        )
        if on
    ]
    if marks:
        lines.append(Line(" · ".join(marks), Style.BODY))
    offers = text_of(resource, "offers")
    if offers:
        lines.append(Line(shortened(offers, OFFERS_LENGTH), Style.BODY))
    hours = text_of(resource, "hours")
    if hours:
        lines.append(Line(shortened(hours, HOURS_LENGTH), Style.ITEM))
    for session in getattr(resource, "upcoming", [])[:1]:
        when = day(session.date)
        note = text_of(session, "note")
        lines.append(Line(_("Next date: %(date)s") % {"date": when} + (f" ({note})" if note else ""), Style.ITEM))
    # Stale facts are a warning, in bold: for people at risk a wrong address is worse than none.
    lines.append(Line(checked_words(resource, now), Style.HEADING if is_stale(resource, now) else Style.SMALL))
    return Section(tuple(lines), optional=True)


def checked_words(resource: Resource, now: datetime) -> str:
    """ "Last checked 3 December 2026", and "call first" when that is too long ago (or never)."""
    if resource.last_checked_at is None:
        return _("Never checked: call first.")
    when = day(local(resource.last_checked_at).date())
    if is_stale(resource, now):
        return _("Last checked %(date)s: call first.") % {"date": when}
    return _("Last checked %(date)s.") % {"date": when}


def resource_title(kind: str, zone: str) -> str:
    need = Kind(kind).label if kind else _("Help near you")
    place = zone_by_slug(zone) if zone else None
    return f"{need}: {text_of(place, 'name')}" if place is not None else str(need)


def resource_list(kind: str, zone: str, language: str) -> Printable:
    """The resource list for a need and a zone (either may be empty: any); its QR code opens the public
    directory filtered the same way. `language`: the QR code's when both languages share one page."""
    resources = list(public_resources(kind, zone))
    now = timezone.now()
    region = get_network_settings().phone_region
    query = {"kind": kind, "zone": zone}

    def side(language: str) -> Side:
        title = Section((Line(resource_title(kind, zone), Style.TITLE),))
        found = [resource_section(resource, now, region) for resource in resources]
        if not found:
            found = [Section((Line(_("No resource fits these filters yet. Scan the code for the whole directory.")),))]
        return Side(
            language,
            (title, *found),
            qr_caption=_("Scan for the full list, kept up to date"),
            more=_("More on the web page: scan the code."),
            qr_url=absolute(reverse("directory:list"), query),
        )

    with translation.override(language):
        address = absolute(reverse("directory:list"), query)
    return Printable(_("Resources"), address, in_each_language(side))


# The cards.


def hotline_card(language: str) -> Printable:
    """The hotline: its number, how to report (call; text REPORT and what was seen to the network's SMS
    number, when it has one; the web form) and what happens next. Its QR code opens the report form."""
    hotline, texts = hotline_text(), sms_number()

    def side(language: str) -> Side:
        head = [Line(_("Emergency hotline"), Style.TITLE)]
        head.append(Line(hotline, Style.PHONE) if hotline else Line(_("Report online: scan the code.")))
        how = [Line(_("How to report"), Style.HEADING)]
        if hotline:
            how.append(Line(_("Call the hotline."), Style.ITEM))
        if texts:
            words = {"keyword": REPORT_WORD[language], "number": texts}
            how.append(Line(_("Text %(keyword)s and what you saw to %(number)s.") % words, Style.ITEM))
        how.append(Line(_("Or fill in the form: scan the code."), Style.ITEM))
        then = (
            Line(_("What happens next?"), Style.HEADING),
            Line(_("A trained volunteer verifies it."), Style.ITEM),
            Line(_("Responders may come."), Style.ITEM),
            Line(_("Nothing that names you is shared."), Style.ITEM),
        )
        return Side(
            language,
            (Section(tuple(head)), Section(tuple(how)), Section(then)),
            qr_caption=_("Report online"),
            qr_url=absolute(reverse("reports:new")),
        )

    with translation.override(language):
        address = absolute(reverse("reports:new"))
    return Printable(_("Emergency hotline"), address, in_each_language(side))


def rights_card(language: str) -> Printable:
    """Know your rights, with the hotline; its QR code opens the network's home page."""
    hotline = hotline_text()

    def side(language: str) -> Side:
        rights = (
            Line(_("Know your rights"), Style.TITLE),
            Line(_("Do not open the door. Ask them to slide any warrant under it."), Style.ITEM),
            Line(_("Stay silent. Say: I want to remain silent."), Style.ITEM),
            Line(_("Sign nothing."), Style.ITEM),
            Line(_("Ask for a lawyer."), Style.ITEM),
            Line(_("You may record what you see."), Style.ITEM),
        )
        sections = [Section(rights)]
        if hotline:
            sections.append(Section((Line(_("Emergency hotline"), Style.HEADING), Line(hotline, Style.PHONE))))
        return Side(language, tuple(sections), qr_caption=_("More help"), qr_url=absolute(reverse("web:home")))

    with translation.override(language):
        address = absolute(reverse("web:home"))
    return Printable(_("Know your rights"), address, in_each_language(side))


# An announcement list's sign-up.


def list_signup(announcement_list: AnnouncementList, language: str) -> Printable:
    """A public list's sign-up: what it is, how to join (its page; JOIN and its keyword by text, when it takes
    texts and the network has a number to print); its QR code opens its sign-up page."""
    texts = sms_number() if announcement_list.has_sms and announcement_list.keyword else ""
    keyword = announcement_list.keyword

    def page() -> str:
        return absolute(reverse("lists:subscribe", kwargs={"list_slug": announcement_list.slug}))

    def side(language: str) -> Side:
        about = [Line(text_of(announcement_list, "name"), Style.TITLE)]
        description = text_of(announcement_list, "description")
        if description:
            about.append(Line(shortened(description, 360)))
        how = [Line(_("Sign up"), Style.HEADING), Line(_("Scan the code, or go to:"), Style.ITEM)]
        how.append(Line(page().split("://", 1)[-1], Style.BODY))
        if texts:
            join = f"{JOIN_WORD[language]} {keyword}"
            how.append(Line(_("Or text %(words)s to:") % {"words": join}, Style.ITEM))
            how.append(Line(texts, Style.PHONE))
        how.append(Line(_("You confirm once. Leave any time: reply STOP, or use the link in any email."), Style.ITEM))
        return Side(
            language, (Section(tuple(about)), Section(tuple(how))), qr_caption=_("Scan to sign up"), qr_url=page()
        )

    with translation.override(language):
        address = page()
    return Printable(text_of(announcement_list, "name"), address, in_each_language(side))


def signup_lists() -> list[AnnouncementList]:
    """The lists whose sign-up flyer anyone may print: those open to the public."""
    return list(public_lists())


def flyer_list(list_slug: str) -> AnnouncementList:
    """A list the public may join (a public sign-up page); Http404 for any other."""
    return public_list(list_slug)


def resource_list_pdf(kind: str, zone: str, language: str, paper: Paper, layout: Layout) -> Download:
    name = "-".join(["resources", *(part for part in (kind.replace("_", "-"), zone) if part)])
    return render(resource_list(kind, zone, language), paper, layout, name, cards=False)


def hotline_card_pdf(language: str, paper: Paper, layout: Layout) -> Download:
    return render(hotline_card(language), paper, layout, "hotline-cards", cards=True)


def rights_card_pdf(language: str, paper: Paper, layout: Layout) -> Download:
    return render(rights_card(language), paper, layout, "know-your-rights-cards", cards=True)


def list_signup_pdf(announcement_list: AnnouncementList, language: str, paper: Paper, layout: Layout) -> Download:
    return render(
        list_signup(announcement_list, language), paper, layout, f"list-{announcement_list.slug}", cards=False
    )
