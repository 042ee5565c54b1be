"""The supplies' pages: a group's stock at a glance, setting up items, locations and kits, one small form per
change of stock, a location's ledger and the distribution report. Bilingual, small, no JavaScript needed.

Members of the group see its stock and record use, distribution and counts; its keepers (coordinators and medic
leads) receive, move, expire and donate stock, pack kits and set things up; to anyone else, 404. Every change
goes through supplies.services; their refusals come back on the form (400), never as an error page.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.downloads import PDF, file_response
from solidarity.core.flyers import Paper
from solidarity.core.permissions import Role, owner_role, permission, role
from solidarity.core.public import Verdict, public_form
from solidarity.core.zones import zones_by_slug
from solidarity.people.forms import refuse_on
from solidarity.supplies.access import (
    KEEPERS,
    access_item_scoped,
    access_kit_template_scoped,
    access_location_scoped,
    access_reversal_scoped,
    access_supplies_group,
    group_items,
    group_kit_templates,
    group_locations,
    is_keeper,
    kept,
)
from solidarity.supplies.charts import expiry_by_month, expiry_chart, par_chart, stock_history
from solidarity.supplies.forms import (
    CountForm,
    DistributeForm,
    DonateForm,
    ExpireForm,
    GroupForm,
    ItemForm,
    KitTemplateForm,
    LocationForm,
    MoveForm,
    PackForm,
    ReceiveForm,
    ReportForm,
    ReversalForm,
    UseForm,
)
from solidarity.supplies.labels import count_sheet, location_labels
from solidarity.supplies.models import Brand, Location, Movement, ReversalSource
from solidarity.supplies.pages import overview
from solidarity.supplies.reversals import (
    ReversalCount,
    do_mark_refilled,
    do_report_reversal,
    reversal_counts,
    waiting_for_refill,
)
from solidarity.supplies.services import (
    KitShort,
    StockLine,
    distribution_report,
    do_count,
    do_distribute,
    do_donate,
    do_expire,
    do_move,
    do_pack_kit,
    do_receive,
    do_save_item,
    do_save_kit_template,
    do_save_location,
    do_use,
    may_enable_prescriptions,
    stock_by_lot,
)

GROUP_MEMBER = role(Role.MEMBER)
GROUP_KEEPER = role(*KEEPERS)
ITEM_MEMBER = owner_role(Role.MEMBER, access=access_item_scoped, kwarg="supply_item")
ITEM_KEEPER = owner_role(*KEEPERS, access=access_item_scoped, kwarg="supply_item")
PLACE_MEMBER = owner_role(Role.MEMBER, access=access_location_scoped, kwarg="supply_location")
REVERSAL_MEMBER = owner_role(Role.MEMBER, access=access_reversal_scoped, kwarg="reversal")
PLACE_KEEPER = owner_role(*KEEPERS, access=access_location_scoped, kwarg="supply_location")
KIT_KEEPER = owner_role(*KEEPERS, access=access_kit_template_scoped, kwarg="kit_template")
LEDGER_PAGE = 50
REPORT_DAYS = 30
MAX_REPORT_DAYS = 3660


def codes(error: ValidationError) -> set[str]:
    """The codes of a service's refusal (such as far_above_need), wherever it named them."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors if e.code}
    return {e.code for e in error.error_list if e.code}


# The group's stock and its setup.


@require_GET
@permission(GROUP_MEMBER)
def stock(request: HttpRequest, group: str) -> HttpResponse:
    """The group's stock at a glance: each location's items with the lot to take first, every item against its
    use (below par, far above need), what expires within 60 days, each kit's expiry and shortages."""
    user = signed_in(request)
    found = access_supplies_group(user, group)
    seen = overview(found)
    context = {
        "group": found,
        "overview": seen,
        "keeper": is_keeper(user, found),
        "expiry_chart": expiry_chart(expiry_by_month(seen.lines)),
    }
    return render(request, "supplies/stock.html", context)


@require_GET
@permission(GROUP_KEEPER)
def setup(request: HttpRequest, group: str) -> HttpResponse:
    """A keeper's list of what the group keeps: items, locations and kit templates, each to change."""
    found = access_supplies_group(signed_in(request), group, keeper=True)
    context = {
        "group": found,
        "items": group_items(found),
        "locations": group_locations(found),
        "templates": group_kit_templates(found),
    }
    return render(request, "supplies/setup.html", context)


def item_page(request: HttpRequest, group: WorkingGroup, user: User, form: ItemForm, item: Any = None) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            do_save_item(group, form.values(), by=user, item=item)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The item was saved."))
            return redirect("supplies:setup", group=group.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "supplies/item_form.html", {"form": form, "group": group, "item": item}, status=status)


@require_http_methods(["GET", "POST"])
@permission(GROUP_KEEPER)
def create_item(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    found = access_supplies_group(user, group, keeper=True)
    return item_page(request, found, user, ItemForm(request.POST or None))


@require_GET
@permission(ITEM_MEMBER)
def item_detail(request: HttpRequest, supply_item: str) -> HttpResponse:
    """One item: what it is, its stock against par (a chart of the last twelve months, and in words), and where
    its lots are, first expiry first."""
    user = signed_in(request)
    item = access_item_scoped(user, supply_item).obj
    points = stock_history(item)
    context = {
        "item": item,
        "group": item.group,
        "status": points[-1].status,  # today's, judged from the same read of the ledger as the chart
        "chart": par_chart(item, points),
        "points": points,
        "lines": stock_by_lot(item=item),
        "keeper": is_keeper(user, item.group),
        "today": timezone.localdate(),
    }
    return render(request, "supplies/item.html", context)


@require_http_methods(["GET", "POST"])
@permission(ITEM_KEEPER)
def edit_item(request: HttpRequest, supply_item: str) -> HttpResponse:
    user = signed_in(request)
    item = kept(access_item_scoped(user, supply_item))
    form = ItemForm(request.POST or None, initial=None if request.POST else ItemForm.of(item))
    return item_page(request, item.group, user, form, item)


def location_form_page(
    request: HttpRequest, group: WorkingGroup, user: User, location: Location | None = None
) -> HttpResponse:
    form = LocationForm(request.POST or None, group=group, location=location)
    if not may_enable_prescriptions(user, group) and not (location and location.prescriptions_enabled):
        form.fields["prescriptions_enabled"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            saved = do_save_location(group, form.values(), by=user, location=location)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The location was saved."))
            return redirect("supplies:location", supply_location=saved.uuid)
    context = {"form": form, "group": group, "location": location}
    return render(request, "supplies/location_form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@permission(GROUP_KEEPER)
def create_location(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    return location_form_page(request, access_supplies_group(user, group, keeper=True), user)


@require_http_methods(["GET", "POST"])
@permission(PLACE_KEEPER)
def edit_location(request: HttpRequest, supply_location: str) -> HttpResponse:
    user = signed_in(request)
    location = kept(access_location_scoped(user, supply_location))
    return location_form_page(request, location.group, user, location)


def kit_form_page(request: HttpRequest, group: WorkingGroup, user: User, template: Any = None) -> HttpResponse:
    form = KitTemplateForm(request.POST or None, group=group, template=template)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_save_kit_template(
                group, form.lines(), by=user, name_en=data["name_en"], name_es=data["name_es"], template=template
            )
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The kit was saved."))
            return redirect("supplies:setup", group=group.slug)
    context = {"form": form, "group": group, "template": template}
    return render(request, "supplies/kit_form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@permission(GROUP_KEEPER)
def create_kit_template(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    return kit_form_page(request, access_supplies_group(user, group, keeper=True), user)


@require_http_methods(["GET", "POST"])
@permission(KIT_KEEPER)
def edit_kit_template(request: HttpRequest, kit_template: str) -> HttpResponse:
    user = signed_in(request)
    template = kept(access_kit_template_scoped(user, kit_template))
    return kit_form_page(request, template.group, user, template)


@require_http_methods(["GET", "POST"])
@permission(KIT_KEEPER)
def pack_kit(request: HttpRequest, kit_template: str) -> HttpResponse:
    """Pack a kit from a template and a depot, first expiry first; short of anything, the page says what."""
    user = signed_in(request)
    template = kept(access_kit_template_scoped(user, kit_template))
    form = PackForm(request.POST or None, group=template.group)
    shortages: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            packed = do_pack_kit(
                template,
                form.chosen_depot(),
                by=user,
                name=form.cleaned_data["name"],
                allow_short=form.cleaned_data["allow_short"],
            )
        except KitShort as short:
            shortages = short.shortages
            refuse_on(form, short)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            if packed.shortages:
                listed = ", ".join(f"{s.missing} {s.item}" for s in packed.shortages)
                messages.warning(request, _("The kit was packed, short of: %(missing)s.") % {"missing": listed})
            else:
                messages.success(request, _("The kit was packed."))
            return redirect("supplies:location", supply_location=packed.kit.uuid)
    context = {"form": form, "template": template, "group": template.group, "shortages": shortages}
    return render(request, "supplies/pack.html", context, status=400 if request.method == "POST" else 200)


# A location: its ledger, and one form per change of stock.


@require_GET
@permission(PLACE_MEMBER)
def location_page(request: HttpRequest, supply_location: str) -> HttpResponse:
    """A location's stock by lot (first expiry first) and its ledger, newest first, a page at a time."""
    user = signed_in(request)
    location = access_location_scoped(user, supply_location).obj
    moves = Movement.objects.filter(location=location).select_related("lot__item", "zone").order_by("-at", "-pk")
    page = Paginator(moves, LEDGER_PAGE).get_page(request.GET.get("page"))
    context = {
        "location": location,
        "group": location.group,
        "lines": stock_by_lot(location=location),
        "page": page,
        "keeper": is_keeper(user, location.group),
        "today": timezone.localdate(),
        "waiting": list(waiting_for_refill([location])),
    }
    return render(request, "supplies/location.html", context)


Act = Callable[[Any, Location, User], object]


def action(
    request: HttpRequest,
    supply_location: str,
    form_class: type[GroupForm],
    act: Act,
    done: str,
    *,
    keeper: bool,
    lots: str = "",
) -> HttpResponse:
    """One small form changing the location's stock: `act(form, location, user)` calls a service; its refusal
    comes back on the form (400). `lots`: "stock" (lots held here), "all" (ever here, for a count)."""
    user = signed_in(request)
    scoped = access_location_scoped(user, supply_location)
    location = kept(scoped) if keeper else scoped.obj
    more: dict[str, Any] = {}
    if lots:
        held = stock_by_lot(location=location)
        if lots == "all":
            seen = {line.lot.pk for line in held}
            ever = Movement.objects.filter(location=location).exclude(lot__in=seen).select_related("lot__item")
            extra = {move.lot.pk: move.lot for move in ever}
            held += [StockLine(lot, location, 0) for lot in extra.values()]
        more["lines"] = held
    if request.method == "GET" and request.GET.get("lot"):
        more["initial"] = {"lot": request.GET["lot"]}  # a label's QR code chose the lot
    form = form_class(request.POST or None, group=location.group, location=location, **more)
    warned = False
    if request.method == "POST" and form.is_valid():
        try:
            act(form, location, user)
        except ValidationError as error:
            warned = "far_above_need" in codes(error)
            refuse_on(form, error)
        else:
            messages.success(request, done)
            return redirect("supplies:location", supply_location=location.uuid)
    if "accept_over_need" in form.fields and not (warned or form.data.get("accept_over_need")):
        del form.fields["accept_over_need"]
    name = request.resolver_match.url_name if request.resolver_match else ""
    context = {"form": form, "location": location, "group": location.group, "action": name, "warned": warned}
    return render(request, "supplies/action.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@permission(PLACE_KEEPER)
def receive(request: HttpRequest, supply_location: str) -> HttpResponse:
    def act(form: Any, location: Location, user: User) -> object:
        data = form.cleaned_data
        return do_receive(
            location,
            form.chosen_item(),
            data["quantity"],
            by=user,
            expires_on=data["expires_on"],
            lot_number=data["lot_number"],
            accept_over_need=bool(data.get("accept_over_need")),
        )

    return action(request, supply_location, ReceiveForm, act, _("The stock was received."), keeper=True)


@require_http_methods(["GET", "POST"])
@permission(PLACE_KEEPER)
def move(request: HttpRequest, supply_location: str) -> HttpResponse:
    def act(form: Any, location: Location, user: User) -> object:
        destination = form.places[form.cleaned_data["destination"]]
        return do_move(location, destination, form.chosen_item(), form.cleaned_data["quantity"], by=user)

    return action(request, supply_location, MoveForm, act, _("The stock was moved."), keeper=True)


@require_http_methods(["GET", "POST"])
@permission(PLACE_MEMBER)
def use(request: HttpRequest, supply_location: str) -> HttpResponse:
    def act(form: Any, location: Location, user: User) -> object:
        return do_use(location, form.chosen_item(), form.cleaned_data["quantity"], by=user, zone=form.chosen_zone())

    return action(request, supply_location, UseForm, act, _("The use was recorded."), keeper=False)


@require_http_methods(["GET", "POST"])
@permission(PLACE_MEMBER)
def distribute(request: HttpRequest, supply_location: str) -> HttpResponse:
    def act(form: Any, location: Location, user: User) -> object:
        data = form.cleaned_data
        item, zone, reason = form.chosen_item(), form.chosen_zone(), data["override_reason"]
        return do_distribute(location, item, data["quantity"], by=user, zone=zone, override_reason=reason)

    return action(request, supply_location, DistributeForm, act, _("The distribution was recorded."), keeper=False)


@require_http_methods(["GET", "POST"])
@permission(PLACE_MEMBER)
def count(request: HttpRequest, supply_location: str) -> HttpResponse:
    def act(form: Any, location: Location, user: User) -> object:
        data = form.cleaned_data
        return do_count(location, form.chosen_lot(), data["counted"], by=user, note=data["note"])

    done = _("The count was recorded; a difference goes in the ledger.")
    return action(request, supply_location, CountForm, act, done, keeper=False, lots="all")


@require_http_methods(["GET", "POST"])
@permission(PLACE_KEEPER)
def expire(request: HttpRequest, supply_location: str) -> HttpResponse:
    def act(form: Any, location: Location, user: User) -> object:
        return do_expire(location, form.chosen_lot(), by=user, quantity=form.cleaned_data["quantity"])

    return action(
        request, supply_location, ExpireForm, act, _("The expired stock was recorded."), keeper=True, lots="stock"
    )


@require_http_methods(["GET", "POST"])
@permission(PLACE_KEEPER)
def donate(request: HttpRequest, supply_location: str) -> HttpResponse:
    def act(form: Any, location: Location, user: User) -> object:
        return do_donate(location, form.chosen_lot(), form.cleaned_data["quantity"], by=user)

    return action(request, supply_location, DonateForm, act, _("The donation was recorded."), keeper=True, lots="stock")


# The distribution report.


@require_GET
@permission(GROUP_MEMBER)
def report(request: HttpRequest, group: str) -> HttpResponse:
    """What the group used and gave out between two dates: counts by item, date, zone and location; names nobody."""
    found = access_supplies_group(signed_in(request), group)
    today = timezone.localdate()
    data = request.GET if "since" in request.GET else {"since": today - timedelta(days=REPORT_DAYS), "until": today}
    form = ReportForm(data)
    rows: list[Any] = []
    reversals: list[ReversalCount] = []
    if form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
        try:
            if (until - since).days > MAX_REPORT_DAYS:
                raise ValidationError({"until": _("At most ten years at once.")})
            rows = distribution_report(found, since, until)
            reversals = reversal_counts(found, since, until)
        except ValidationError as error:
            refuse_on(form, error)
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["item"]] = totals.get(row["item"], 0) + row["quantity"]
    slugs = {row["zone"] for row in rows if row["zone"]} | {count.zone for count in reversals if count.zone}
    zones = {zone.slug: text_of(zone, "name") for zone in zones_by_slug(slugs)}
    shown = [{**row, "zone_name": zones.get(row["zone"] or "", row["zone"])} for row in rows]
    brands = dict(Brand.choices)
    saved = [
        {"count": count, "zone_name": zones.get(count.zone or "", ""), "brand": brands.get(count.brand, count.brand)}
        for count in reversals
    ]
    context = {"group": found, "form": form, "rows": shown, "totals": sorted(totals.items()), "reversals": saved}
    return render(request, "supplies/report.html", context, status=200 if not form.errors else 400)


# Naloxone reversals: a public form, and "Refilled" on the kit's page.


@require_http_methods(["GET", "POST"])
@permission("public")
def report_reversal(request: HttpRequest) -> HttpResponse:
    """Anyone reports a reversal, with no account and nothing about anyone; works without JavaScript."""
    form_class = ReversalForm.for_kit(request.GET.get("kit") or request.POST.get("kit") or "")
    return public_form(form_class, scope="supplies.reversal", template="supplies/reversal.html")(reversal_sent)(request)


def reversal_sent(request: HttpRequest, form: ReversalForm, verdict: Verdict) -> HttpResponse:
    try:
        do_report_reversal(form.values(), source=ReversalSource.WEB)
    except ValidationError as error:
        refuse_on(form, error)
        return render(request, "supplies/reversal.html", {"form": form}, status=400)
    return render(request, "supplies/reversal_sent.html")


@require_POST
@permission(REVERSAL_MEMBER)
def refilled(request: HttpRequest, reversal: str) -> HttpResponse:
    """The kit a reversal drew from is full again: it leaves the kit's page and the weekly digest."""
    user = signed_in(request)
    found = access_reversal_scoped(user, reversal).obj
    do_mark_refilled(found, by=user)
    messages.success(request, _("Marked as refilled. Thank you."))
    return redirect("supplies:location", supply_location=found.kit.uuid if found.kit else "")


def paper_of(request: HttpRequest) -> Paper | None:
    """The paper asked for (letter by default); None for one we do not print on."""
    try:
        return Paper(request.GET.get("paper", Paper.LETTER))
    except ValueError:
        return None


@require_GET
@permission(PLACE_MEMBER)
def labels(request: HttpRequest, supply_location: str) -> HttpResponse:
    """The location's shelf card and a label per lot it holds, each with a QR code to its count page."""
    location = access_location_scoped(signed_in(request), supply_location).obj
    paper = paper_of(request)
    if paper is None:
        return HttpResponse(_("Choose letter or A4 paper."), status=400, content_type="text/plain; charset=utf-8")
    return file_response(location_labels(location, paper), PDF, f"labels-{paper}.pdf")


@require_GET
@permission(GROUP_MEMBER)
def count_sheet_pdf(request: HttpRequest, group: str) -> HttpResponse:
    """Each location's lots with an empty box for the count: a count done on paper."""
    found = access_supplies_group(signed_in(request), group)
    paper = paper_of(request)
    if paper is None:
        return HttpResponse(_("Choose letter or A4 paper."), status=400, content_type="text/plain; charset=utf-8")
    return file_response(count_sheet(found, paper), PDF, f"count-sheet-{found.slug}-{paper}.pdf")
