"""Running a meeting: the facilitator's agenda (start, next item, five more minutes, a break now, the next
meeting, close) and the stack keeper's queue (next speaker, moving anyone, sending an interrupt back to the
main queue, adding a raised hand, side stacks, opening and closing the stack), with each person's turns and
speaking time. One page, which shows each what their duty lets them do; every button is a form."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.permissions import Role, owner_role, permission
from solidarity.meetings import services, stack
from solidarity.meetings.access import Power, access_item, access_meeting, access_meeting_scoped, access_turn, powers_of
from solidarity.meetings.forms import MinutesForm, NextMeetingForm, SideStackForm, SpeakerForm
from solidarity.meetings.models import Lane, Meeting
from solidarity.meetings.screens import screen_of

RUNS = owner_role(
    Role.COORDINATOR,
    Role.FACILITATOR,
    Role.STACK_KEEPER,
    Role.TIMEKEEPER,
    Role.MINUTE_TAKER,
    access=access_meeting_scoped,
    kwarg="meeting",
)
ACTS = owner_role(
    Role.COORDINATOR,
    Role.FACILITATOR,
    Role.STACK_KEEPER,
    Role.TIMEKEEPER,
    access=access_meeting_scoped,
    kwarg="meeting",
)
KEEPS = owner_role(Role.COORDINATOR, Role.FACILITATOR, Role.STACK_KEEPER, access=access_meeting_scoped, kwarg="meeting")


@require_GET
@never_cache
@permission(RUNS)
def run(request: HttpRequest, meeting: str) -> HttpResponse:
    user = signed_in(request)
    found = access_meeting(user, meeting)
    powers = powers_of(user, found)
    if not powers & {Power.MANAGE, Power.STACK, Power.EXTEND, Power.MINUTES}:
        raise Http404
    items = list(found.items.select_related("group"))
    screen = screen_of(found, None)
    waiting = []
    if screen.item is not None and not screen.item.is_break:
        waiting = stack.queue_of_item(screen.item)
    context = {
        "meeting": found,
        "items": items,
        "agenda": services.schedule_of(found, items),
        "screen": screen,
        "waiting": waiting,
        "tallies": stack.tallies(found) if Power.STACK in powers else [],
        "present": services.present_count(found),
        "powers": powers,
        "speaker_form": SpeakerForm(),
        "side_form": SideStackForm(),
        "next_form": NextMeetingForm(initial={"place": found.place}),
        "minutes_form": MinutesForm(),
        "lanes": Lane,
    }
    return render(request, "meetings/run.html", context)


def minutes_of(request: HttpRequest) -> int:
    form = MinutesForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"minutes": _("Between 1 and 60 minutes.")})
    return int(form.cleaned_data["minutes"])


def agenda_verb(verb: str, meeting: Meeting, request: HttpRequest, user: User) -> None:
    if verb == "start":
        services.do_start_meeting(meeting, by=user)
    elif verb == "next-item":
        services.do_next_item(meeting, by=user)
    elif verb == "begin-item":
        services.do_begin_item(access_item(user, meeting, request.POST.get("item", "")), by=user)
    elif verb == "break":
        services.do_take_break(meeting, minutes_of(request), by=user)
    elif verb == "next-meeting":
        form = NextMeetingForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Give the next meeting's date and time."))
        services.do_set_next_meeting(meeting, form.cleaned_data["starts_at"], place=form.cleaned_data["place"], by=user)
        messages.success(request, _("The next meeting is set."))
    elif verb == "close":
        services.do_close_meeting(meeting, by=user)
        messages.success(request, _("The meeting is closed."))


def stack_verb(verb: str, meeting: Meeting, request: HttpRequest, user: User) -> None:
    if verb == "next-speaker":
        if stack.do_next_speaker(meeting, by=user) is None:
            messages.info(request, _("Nobody is waiting to speak."))
    elif verb == "end-turn":
        stack.do_end_turn(meeting, by=user)
    elif verb in ("stack-open", "stack-close"):
        stack.do_set_stack_open(meeting, verb == "stack-open", by=user)
    elif verb == "side-open":
        form = SideStackForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Say in a few words what the side stack is about."))
        stack.do_open_side_stack(meeting, form.cleaned_data["title"], by=user)
    elif verb == "side-close":
        stack.do_close_side_stack(meeting, by=user)
    elif verb == "add-speaker":
        speaker = SpeakerForm(request.POST)
        if not speaker.is_valid():
            raise ValidationError(_("Write the name of the person who raised their hand."))
        stack.do_add_speaker(meeting, speaker.cleaned_data["name"], speaker.cleaned_data["lane"], by=user)


AGENDA_VERBS = {"start", "next-item", "begin-item", "break", "next-meeting", "close"}
STACK_VERBS = {"next-speaker", "end-turn", "stack-open", "stack-close", "side-open", "side-close", "add-speaker"}


@require_POST
@permission(ACTS)
def act(request: HttpRequest, meeting: str, run_verb: str) -> HttpResponse:
    """One tap of the facilitator, the timekeeper or the stack keeper."""
    user = signed_in(request)
    found = access_meeting(user, meeting)
    powers = powers_of(user, found)
    verb = run_verb
    needed = Power.MANAGE if verb in AGENDA_VERBS else Power.STACK if verb in STACK_VERBS else Power.EXTEND
    if verb not in AGENDA_VERBS | STACK_VERBS | {"extend"} or needed not in powers:
        raise Http404
    try:
        if verb == "extend":
            services.do_extend_item(found, minutes_of(request), by=user)
        elif verb in AGENDA_VERBS:
            agenda_verb(verb, found, request, user)
        else:
            stack_verb(verb, found, request, user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return back(found, request)


TURN_VERBS: dict[str, Any] = {
    "up": lambda turn, place, user: stack.do_move_turn(turn, max(0, place - 1), by=user),
    "down": lambda turn, place, user: stack.do_move_turn(turn, place + 1, by=user),
    "top": lambda turn, place, user: stack.do_move_turn(turn, 0, by=user),
    "to-main": lambda turn, place, user: stack.do_to_main_lane(turn, by=user),
    "remove": lambda turn, place, user: stack.do_withdraw_turn(turn),
}


@require_POST
@permission(KEEPS)
def turn_action(request: HttpRequest, meeting: str, turn: str, turn_verb: str) -> HttpResponse:
    """The keeper's hand on one waiting turn: up, down, to the top, back to the main queue, off the stack."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.STACK)
    chosen = access_turn(user, found, turn)
    if turn_verb not in TURN_VERBS:
        raise Http404
    try:
        TURN_VERBS[turn_verb](chosen, stack.place_in_lane(chosen), user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return back(found, request)


SECTIONS = {"agenda", "stack", "next"}


def back(meeting: Meeting, request: HttpRequest) -> HttpResponse:
    """Back to the run page, where the tap was (its section)."""
    section = request.POST.get("section", "")
    anchor = f"#{section}" if section in SECTIONS else ""
    return redirect(reverse("meetings:run", kwargs={"meeting": meeting.code}) + anchor)
