"""Printable labels with a QR code for a location's lots and shelf, and a count sheet, as PDF (core.flyers).

A lot's label shows the item's code large (it is what a medic texts: USED NLX 2), its names in both
languages, the lot number, the expiry and how to store it; its QR code opens the location's count page
with the lot chosen. The shelf card (the first label of a location's sheet) opens the count page; a kit's
or bag's second card opens the naloxone reversal form with the kit named (supplies.reversals). A phone's
camera is enough: no app. The count sheet lists each location's lots with an empty box to write the
count in, for a count done on paper and typed in later. Nothing here names a person.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.flyers import FONT, Label, Line, Paper, Section, Side, Style, labels_pdf, latin1, page_size
from solidarity.supplies.models import Location, LocationKind, Lot
from solidarity.supplies.services import stock_by_lot


def count_url(location: Location, lot: Lot | None = None) -> str:
    """The location's count page (the lot chosen), absolute, in the active language."""
    path = reverse("supplies:count", kwargs={"supply_location": location.uuid})
    return str(settings.BASE_URL).rstrip("/") + path + (f"?lot={lot.uuid}" if lot else "")


def expiry_text(lot: Lot) -> str:
    return lot.expires_on.strftime("%d/%m/%Y") if lot.expires_on else _("no expiry")


def lot_label(location: Location, lot: Lot) -> Label:
    item = lot.item
    names = dict.fromkeys(name for name in (item.name_en, item.name_es) if name)
    lines = [Line(item.code, Style.TITLE), *(Line(name, Style.HEADING) for name in names)]
    lot_text = _("Lot %(lot)s") % {"lot": lot.lot_number} if lot.lot_number else ""
    expiry = _("Exp. %(date)s") % {"date": expiry_text(lot)} if lot.expires_on else str(_("no expiry"))
    details = [lot_text, expiry]
    lines.append(Line(" · ".join(detail for detail in details if detail)))
    storage = text_of(item, "storage")
    sections = [Section(tuple(lines))]
    if storage:
        sections.append(Section((Line(storage, Style.SMALL),), optional=True))
    side = Side(translation.get_language() or "en", tuple(sections), qr_caption=_("Count"))
    return Label(side, count_url(location, lot))


def shelf_card(location: Location) -> Label:
    lines = (Line(location.name, Style.TITLE), Line(_("Scan to count what is here."), Style.BODY))
    side = Side(translation.get_language() or "en", (Section(lines),), qr_caption=_("Count"))
    return Label(side, count_url(location))


def reversal_card(location: Location) -> Label:
    """For a kit or a medic's bag: anyone who used its naloxone scans it to say so, and it gets refilled."""
    path = reverse("supplies:report-reversal") + f"?kit={location.uuid}"
    lines = (
        Line(_("Used the naloxone?"), Style.TITLE),
        Line(_("Scan to tell us, with no name: this kit gets refilled."), Style.BODY),
    )
    side = Side(translation.get_language() or "en", (Section(lines),), qr_caption=_("Naloxone"))
    return Label(side, str(settings.BASE_URL).rstrip("/") + path)


def location_labels(location: Location, paper: Paper) -> bytes:
    """The shelf card (and, for a kit or bag, the card to report naloxone used from it), then a label per lot
    the location holds (first expiry first)."""
    labels = [shelf_card(location)]
    if location.kind in (LocationKind.KIT, LocationKind.MEDIC_BAG):
        labels.append(reversal_card(location))
    labels += [lot_label(location, line.lot) for line in stock_by_lot(location=location)]
    title = _("Labels: %(place)s") % {"place": location.name}
    return labels_pdf(labels, paper, title, translation.get_language() or "en")


def count_sheet(group: WorkingGroup, paper: Paper) -> bytes:
    """Each location's lots in stock, with what the ledger says and an empty box for the count."""
    from fpdf import FPDF  # here, not at the top: fpdf and its fontTools cost every process some 17 MB

    title = latin1(_("Count sheet: %(group)s") % {"group": group.name})
    pdf = FPDF(unit="mm", format=page_size(paper))
    pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 5, latin1(_("Write what is on the shelf, then type it in on each location's count page.")))
    widths = (22, 70, 30, 24, 20, 24)
    heads = (_("Code"), _("Item"), _("Lot"), _("Expiry"), _("Ledger"), _("Counted"))
    lines = stock_by_lot(group=group)
    places = sorted({line.location.pk: line.location for line in lines}.values(), key=lambda place: place.name)
    for place in places:
        pdf.ln(4)
        pdf.set_font(FONT, style="B", size=13)
        pdf.multi_cell(0, 7, latin1(place.name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, style="B", size=10)
        for width, head in zip(widths, heads, strict=True):
            pdf.cell(width, 7, latin1(str(head)), border=1)
        pdf.ln()
        pdf.set_font(FONT, size=10)
        for line in (line for line in lines if line.location.pk == place.pk):
            lot = line.lot
            cells = (lot.item.code, text_of(lot.item, "name")[:38], lot.lot_number[:16], expiry_text(lot))
            for width, text in zip(widths, (*cells, str(line.quantity), ""), strict=True):
                pdf.cell(width, 9, latin1(text), border=1)
            pdf.ln()
    if not places:
        pdf.ln(4)
        pdf.multi_cell(0, 6, latin1(_("Nothing in stock yet.")))
    return bytes(pdf.output())
