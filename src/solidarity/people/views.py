"""The people pages: the roster, a person's page, and what roster keepers do to a record.

Who sees what is people.access's (its docstring); every person and vouch comes through it, and
every change through people.services. Names are encrypted: the roster filters by what is in clear.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.permissions import Role, Scoped, anywhere, owner_role, permission
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.people.access import (
    CONTACT_READERS,
    EDITORS,
    ROSTER_KEEPER,
    ROSTER_READERS,
    SELF,
    access_person_scoped,
    access_vouch,
    audit_role,
    certifications_of,
    contacts_seen_by,
    edited_person,
    groups_managed_by,
    keeps_roster,
    may_sign_off,
    memberships_of,
    people_by_uuid,
    record_of,
    roster,
    shifts_of,
    signers_of,
    upcoming_one_offs,
    voucher_for,
    vouches_for,
    with_details,
)
from solidarity.people.forms import (
    ROSTER_PAGE,
    ContactForm,
    EditPersonForm,
    GrantForm,
    GroupAddForm,
    PauseForm,
    PersonForm,
    RosterFilter,
    filtered,
    refuse_on,
)
from solidarity.people.models import WEEK_MINUTES, Certification, Person, Shift, Weekday
from solidarity.people.services import (
    do_come_back,
    do_create_person,
    do_grant_certification,
    do_leave,
    do_mark_vetted_by_import,
    do_pause,
    do_set_zones,
    do_update_person,
    do_vouch,
    do_withdraw_vouch,
    vetted,
)

READERS = anywhere(*ROSTER_READERS)
KEEPER = anywhere(ROSTER_KEEPER)
SEES_PERSON = owner_role(Role.MEMBER, access=access_person_scoped, kwarg="person_id")
EDITS_PERSON = owner_role(ROSTER_KEEPER, access=access_person_scoped, kwarg="person_id")


@require_GET
@permission(READERS)
def roster_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = RosterFilter(request.GET or None)
    page = Paginator(with_details(filtered(roster(user), form)), ROSTER_PAGE).get_page(request.GET.get("page"))
    needed = get_network_settings().vouches_needed
    rows = [(person, vetted(person, needed)) for person in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "keeper": keeps_roster(user)}
    context["now"] = timezone.now()
    return render(request, "people/roster.html", context)


@require_http_methods(["GET", "POST"])
@permission(KEEPER)
def add_person(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = do_create_person(form.values(), by=user, role=ROSTER_KEEPER)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The person was added. They get alerts once they are vetted."))
            return redirect("people:person", person_id=person.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/person_form.html", {"form": form}, status=status)


@require_POST
@permission(KEEPER)
def mark_vetted(request: HttpRequest) -> HttpResponse:
    """The roster's checked people, marked vetted on import: one audited step."""
    user = signed_in(request)
    try:
        chosen = [UUID(value) for value in request.POST.getlist("people")]
    except ValueError:
        chosen = []
    marked = do_mark_vetted_by_import(people_by_uuid(user, chosen), by=user, role=ROSTER_KEEPER)
    text = ngettext("%(count)d person was marked vetted.", "%(count)d people were marked vetted.", marked)
    messages.success(request, text % {"count": marked})
    return redirect("people:roster")


@require_GET
@permission(SEES_PERSON)
def person_page(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    return render(request, "people/person.html", person_context(user, access_person_scoped(user, person_id)))


def person_context(user: User, scoped: Scoped[Person], **forms: object) -> dict[str, object]:
    """What the person's page shows this caller; `forms` are bound forms shown again with their errors."""
    person = scoped.obj
    editor = bool(scoped.roles & EDITORS)
    vouches = list(vouches_for(person))
    mine = record_of(user)
    own_vouch = next((vouch for vouch in vouches if mine is not None and vouch.voucher_id == mine.pk), None)
    now = timezone.now()
    certifications = list(certifications_of(person))
    managed = set(groups_managed_by(user).values_list("slug", flat=True)) if person.user_id else set()
    memberships = [(m, m.group.slug in managed) for m in memberships_of(person)]
    joinable = groups_managed_by(user).exclude(slug__in=[m.group.slug for m, _may in memberships])
    in_network = not person.has_left
    context: dict[str, object] = {
        "person": person,
        "is_self": scoped.group == SELF,
        "editor": editor,
        "contacts": contacts_seen_by(user, scoped),
        "contacts_hidden": not (scoped.group == SELF or scoped.roles & CONTACT_READERS),
        "sees_vouchers": scoped.group == SELF or bool(scoped.roles & (ROSTER_READERS | CONTACT_READERS)),
        "vetted": vetted(person, get_network_settings().vouches_needed),
        "zones": person.zones.all(),
        "certifications": seen_certifications(certifications, now),
        "signs_off": may_sign_off(scoped) and in_network,
        "vouches": vouches,
        "own_vouch": own_vouch,
        "may_vouch": own_vouch is None and scoped.group != SELF and in_network,
        "has_record": mine is not None,
        "shifts": [window(shift) for shift in shifts_of(person)],
        "one_offs": list(upcoming_one_offs(person)),
        "memberships": memberships,
        "now": now,
    }
    if editor and in_network:
        context["contact_form"] = ContactForm()
    if person.user_id and in_network and joinable.exists():
        context["group_form"] = GroupAddForm(groups=joinable)
    return context | forms


@dataclass(frozen=True)
class CertificationSeen:
    certification: Certification
    lapsed: bool
    days_left: int  # whole local days until it lapses (0 once it has)
    signed_off_by: str  # who recorded the sign-off: their display name, else their username; "" if none


def seen_certifications(certifications: list[Certification], now: datetime) -> list[CertificationSeen]:
    signers = signers_of(certifications)
    tz = network_timezone()  # once: each look-up reads the cached settings
    today = now.astimezone(tz).date()
    return [
        CertificationSeen(
            certification=c,
            lapsed=c.lapses_at <= now,
            days_left=max(0, (c.lapses_at.astimezone(tz).date() - today).days),
            signed_off_by=signers.get(c.signed_off_by_id, "") if c.signed_off_by_id else "",
        )
        for c in certifications
    ]


def window(shift: Shift) -> dict[str, object]:
    """A weekly window as a page shows it: from its day and time to the day and time it ends (local)."""
    monday = datetime(2024, 1, 1)  # noqa: DTZ001  (a Monday: only its weekday and clock times are used)
    start = monday + timedelta(days=shift.weekday, hours=shift.starts.hour, minutes=shift.starts.minute)
    end = start + timedelta(minutes=shift.duration_minutes)
    return {
        "all_week": shift.duration_minutes >= WEEK_MINUTES,
        "day": Weekday(shift.weekday).label,
        "start": shift.starts,
        "end_day": Weekday(end.weekday()).label,
        "end": end.time(),
    }


@require_http_methods(["GET", "POST"])
@permission(EDITS_PERSON)
def edit_person(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = edited_person(user, person_id)
    form = EditPersonForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_update_person(
                person,
                display_name=data["display_name"],
                language=data["language"],
                consent=form.consent(),
                by=user,
                role=ROSTER_KEEPER,
            )
            do_set_zones(person, [zone.slug for zone in data["zones"]], by=user, role=ROSTER_KEEPER)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:person", person_id=person.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/person_form.html", {"form": form, "person": person}, status=status)


@require_http_methods(["GET", "POST"])
@permission(EDITS_PERSON)
def pause_person(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = edited_person(user, person_id)
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_pause(person, form.cleaned_data["until"], by=user, role=ROSTER_KEEPER)
        except ValidationError as error:
            refuse_on(form, error if not hasattr(error, "error_dict") else ValidationError({"until": error.messages}))
        else:
            messages.success(request, _("Paused: they get no alerts until that date."))
            return redirect("people:person", person_id=person.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/pause.html", {"form": form, "person": person}, status=status)


@require_POST
@permission(EDITS_PERSON)
def back_person(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = edited_person(user, person_id)
    if do_come_back(person, by=user, role=ROSTER_KEEPER):
        messages.success(request, _("They are back: active again."))
    return redirect("people:person", person_id=person.uuid)


@require_http_methods(["GET", "POST"])
@permission(EDITS_PERSON)
def leave_person(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """A page that warns, and one button: leaving erases the name and every phone and email, for good."""
    user = signed_in(request)
    person = edited_person(user, person_id)
    if request.method == "POST":
        do_leave(person, by=user, role=ROSTER_KEEPER)
        messages.success(request, _("They have left the network. Their name, phones and emails are erased."))
        return redirect("people:roster")
    return render(request, "people/leave.html", {"person": person})


@require_http_methods(["GET", "POST"])
@permission(EDITS_PERSON)
def grant_certification(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = edited_person(user, person_id)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_grant_certification(person, data["skill"], by=user, signed_off=data["signed_off"], role=ROSTER_KEEPER)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The certification was recorded."))
            return redirect("people:person", person_id=person.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/grant.html", {"form": form, "person": person}, status=status)


@require_POST
@permission(SEES_PERSON)
def vouch(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """The caller vouches, as their own person record, for someone they can see."""
    user = signed_in(request)
    scoped = access_person_scoped(user, person_id)
    voucher = voucher_for(user)
    if voucher is None:
        messages.error(request, no_voucher_reason(record_of(user)))
        return redirect("people:person", person_id=scoped.obj.uuid)
    try:
        do_vouch(voucher, scoped.obj, by=user, role=audit_role(scoped))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your vouch is recorded."))
    return redirect("people:person", person_id=scoped.obj.uuid)


def no_voucher_reason(record: Person | None) -> str:
    if record is None:
        return _("You cannot vouch: your account has no person record in the network. Ask a roster keeper to add one.")
    return _("You cannot vouch yet: you are not vetted yourself.")


@require_POST
@permission(SEES_PERSON)
def withdraw_vouch(request: HttpRequest, person_id: UUID, vouch: UUID) -> HttpResponse:
    user = signed_in(request)
    scoped = access_person_scoped(user, person_id)
    found = access_vouch(user, person_id, vouch)
    if do_withdraw_vouch(found, by=user, role=audit_role(scoped)):
        messages.success(request, _("The vouch was withdrawn."))
    return redirect("people:person", person_id=scoped.obj.uuid)
