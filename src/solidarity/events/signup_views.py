"""The pages of an action's slots: the members' (each slot, places left, pairs, sign up, give my seat back), the
organisers' (slots' forms, the day's check-in board with its update form, attendance afterwards), and the
one-button page a reminder's link opens (a link never acts on GET).

Members of the action's group see its slots and sign themselves up; its coordinators manage. To anyone else
the action does not exist (404). A refusal comes back on the page (400) with why, in the reader's language.
"""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.forms import submitted
from solidarity.core.permissions import permission
from solidarity.events.access import ORGANISERS, access_action
from solidarity.events.models import Action, SignUpState
from solidarity.events.signup_access import (
    ACTION_MEMBER,
    ACTION_ORGANISER,
    access_managed_seat,
    access_seat,
    access_slot,
    access_slots,
    board_slots,
    own_sign_ups,
    taken_sign_ups,
)
from solidarity.events.signup_forms import AttendanceForm, SlotForm, UpdateForm
from solidarity.events.signups import (
    do_add_slot,
    do_cancel_sign_up,
    do_check_in,
    do_check_out,
    do_confirm_sign_up,
    do_remove_slot,
    do_settle_attendance,
    do_sign_up,
    do_update_slot,
    is_waiting_for_partner,
    places_left,
    sign_up_from_token,
    slots_of,
)
from solidarity.events.updates import do_open_update_list, do_post_update
from solidarity.people.access import record_of


def slots_page(request: HttpRequest, action: str, *, error: str = "", status: int = 200) -> HttpResponse:
    user = signed_in(request)
    scoped = access_slots(user, action)
    found = scoped.obj
    slots = list(slots_of(found))
    mine = own_sign_ups(user, found)
    rows = [
        {
            "slot": slot,
            "left": places_left(slot, slot.taken),  # type: ignore[attr-defined]  # annotated by slots_of
            "pairs": slot.taken // 2 if slot.in_pairs else 0,  # type: ignore[attr-defined]
            "alone": slot.in_pairs and slot.taken % 2 == 1,  # type: ignore[attr-defined]
            "mine": mine.get(slot.pk),
        }
        for slot in slots
    ]
    context = {
        "action": found,
        "rows": rows,
        "organiser": scoped.has(*ORGANISERS),
        "has_person": record_of(user) is not None,
        "error": error,
    }
    return render(request, "events/signups/slots.html", context, status=status)


@require_GET
@permission(ACTION_MEMBER)
def slots(request: HttpRequest, action: str) -> HttpResponse:
    """The action's slots: places left, pairs formed, a lone medic; sign up or give the seat back."""
    return slots_page(request, action)


@require_POST
@permission(ACTION_MEMBER)
def sign_up(request: HttpRequest, action: str, slot: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_slot(user, action, slot)
    person = record_of(user)
    if person is None:
        return slots_page(
            request, action, error=_("Your account is not linked to a person of the network."), status=400
        )
    try:
        made = do_sign_up(found, person, by=user)
    except ValidationError as refused:
        return slots_page(request, action, error=" ".join(refused.messages), status=400)
    if is_waiting_for_partner(made):
        messages.success(request, _("You are signed up. You are waiting for a partner: street medics go in pairs."))
    else:
        messages.success(request, _("You are signed up. We will remind you the day before."))
    return redirect("events:slots", action=found.action.code)


@require_POST
@permission(ACTION_MEMBER)
def give_back(request: HttpRequest, action: str, seat: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_seat(user, action, seat)
    if do_cancel_sign_up(found, by=user):
        messages.success(request, _("Your seat was given back. Thank you for telling us."))
    if request.POST.get("next") == "board":
        return redirect("events:board", action=found.slot.action.code)
    return redirect("events:slots", action=found.slot.action.code)


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def add_slot(request: HttpRequest, action: str) -> HttpResponse:
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    form = SlotForm(request.POST or None)
    if submitted(request, form, lambda: do_add_slot(found, form.values(), by=user)):
        messages.success(request, _("The slot was added."))
        return redirect("events:slots", action=found.code)
    context = {"action": found, "form": form, "title": _("A new slot")}
    return render(request, "events/signups/slot_form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def edit_slot(request: HttpRequest, action: str, slot: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_slot(user, action, slot, *ORGANISERS)
    form = SlotForm(request.POST or None, slot=found)
    if submitted(request, form, lambda: do_update_slot(found, form.values(), by=user)):
        messages.success(request, _("The slot was changed."))
        return redirect("events:slots", action=found.action.code)
    context = {"action": found.action, "form": form, "title": _("Change the slot"), "slot": found}
    return render(request, "events/signups/slot_form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def remove_slot(request: HttpRequest, action: str, slot: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_slot(user, action, slot, *ORGANISERS)
    if request.method == "POST":
        told = do_remove_slot(found, by=user)
        messages.success(request, _("The slot was removed; %(count)d people were told.") % {"count": told})
        return redirect("events:slots", action=found.action.code)
    taken = found.sign_ups.filter(state=SignUpState.SIGNED_UP).count()
    return render(request, "events/signups/remove_slot.html", {"action": found.action, "slot": found, "taken": taken})


def board_page(
    request: HttpRequest, found: Action, update: UpdateForm | None = None, status: int = 200
) -> HttpResponse:
    shown = list(board_slots(found))
    for slot in shown:
        taken = slot.taken_sign_ups  # type: ignore[attr-defined]  # prefetched by board_slots
        slot.numbered = [(at // 2 + 1, each) for at, each in enumerate(taken)]  # type: ignore[attr-defined]
        slot.alone = slot.in_pairs and len(taken) % 2 == 1  # type: ignore[attr-defined]
    context = {
        "action": found,
        "slots": shown,
        "update_form": update or UpdateForm(),
        "has_list": found.updates_list_id is not None,
        "now": timezone.now(),
    }
    return render(request, "events/signups/board.html", context, status=status)


@require_GET
@permission(ACTION_ORGANISER)
def board(request: HttpRequest, action: str) -> HttpResponse:
    """The organisers' board for the day: each slot with its people, check in / check out, send an update."""
    return board_page(request, access_action(signed_in(request), action, *ORGANISERS))


@require_POST
@permission(ACTION_ORGANISER)
def check_in(request: HttpRequest, action: str, seat: UUID) -> HttpResponse:
    return checked(request, action, seat, out=False)


@require_POST
@permission(ACTION_ORGANISER)
def check_out(request: HttpRequest, action: str, seat: UUID) -> HttpResponse:
    return checked(request, action, seat, out=True)


def checked(request: HttpRequest, action: str, seat: UUID, *, out: bool) -> HttpResponse:
    user = signed_in(request)
    found = access_managed_seat(user, action, seat)
    try:
        (do_check_out if out else do_check_in)(found, by=user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect("events:board", action=found.slot.action.code)


@require_POST
@permission(ACTION_ORGANISER)
def open_updates(request: HttpRequest, action: str) -> HttpResponse:
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    try:
        do_open_update_list(found, by=user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("The update list is open: everyone signed up is on it."))
    return redirect("events:board", action=found.code)


@require_POST
@permission(ACTION_ORGANISER)
def post_update(request: HttpRequest, action: str) -> HttpResponse:
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    form = UpdateForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if submitted(request, form, lambda: do_post_update(found, data["text_en"], data["text_es"], by=user)):
        messages.success(request, _("The update is on its way to everyone signed up."))
        return redirect("events:board", action=found.code)
    return board_page(request, found, form, status=400)


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def attendance(request: HttpRequest, action: str) -> HttpResponse:
    """After the action: everyone checked in came, the rest did not, unless ticked otherwise."""
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    taken = taken_sign_ups(found)
    choices = [(str(each.uuid), str(each.person.display_name)) for each in taken]
    initial = {
        "attended": [str(each.uuid) for each in taken if each.checked_in_at or each.state == SignUpState.ATTENDED]
    }
    form = AttendanceForm(request.POST or None, choices=choices, initial=initial)

    def settle() -> None:
        ticked = set(form.cleaned_data["attended"])
        do_settle_attendance(found, {each.uuid: str(each.uuid) in ticked for each in taken}, by=user)

    if submitted(request, form, settle):
        messages.success(request, _("Attendance was saved."))
        return redirect("events:attendance", action=found.code)
    context = {"action": found, "form": form, "taken": taken}
    return render(request, "events/signups/attendance.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@permission("public")
def seat(request: HttpRequest, seat_token: str) -> HttpResponse:
    """A reminder's link: one button to confirm, one to give the seat back (the link alone does nothing)."""
    found = sign_up_from_token(seat_token)
    if found is None or found.state != SignUpState.SIGNED_UP or found.slot.starts_at <= timezone.now():
        raise Http404
    done = ""
    if request.method == "POST":
        if request.POST.get("answer") == "drop":
            do_cancel_sign_up(found, by=None)
            done = _("Your seat was given back. Thank you for telling us.")
        else:
            do_confirm_sign_up(found)
            done = _("Thank you: you are confirmed. See you there!")
    return render(request, "events/signups/seat.html", {"sign_up": found, "action": found.slot.action, "done": done})
