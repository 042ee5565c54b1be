"""Trainings' pages: the public list and sign-up, the email link's page, the calendar feeds; the members'
list and a session's page; for the group's managers, creating, editing, cancelling, the sign-ups and
attendance at the door (one form per row: no JavaScript needed).

Who sees what is trainings.access's; every change goes through trainings.services.
"""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import Role, owner_role, permission, role
from solidarity.core.public import Verdict, public_form
from solidarity.people.access import record_of
from solidarity.trainings import calendar
from solidarity.trainings.access import (
    MANAGERS,
    access_session,
    access_session_scoped,
    access_sign_up,
    answers_seen_by,
    managed_session,
    may_manage,
    own_sign_up,
    own_sign_ups,
    public_session,
    public_sessions,
    sign_up_by_token,
    sign_ups_of,
    training_group,
    upcoming,
)
from solidarity.trainings.forms import PublicSignUpForm, SessionForm, SignUpForm, answers_of
from solidarity.trainings.models import SessionState, SignUpState
from solidarity.trainings.services import (
    do_cancel_session,
    do_cancel_sign_up,
    do_confirm_sign_up,
    do_create_session,
    do_edit_session,
    do_mark_attendance,
    do_public_sign_up,
    do_sign_up,
    door_is_open,
)

COORDINATOR = role(Role.COORDINATOR)
MANAGES = owner_role(*MANAGERS, access=access_session_scoped, kwarg="session")
MARKS = {"attended": True, "no_show": False, "undo": None}


# Public.


@require_GET
@permission("public")
def public_list(request: HttpRequest) -> HttpResponse:
    """Public trainings to come: title, time, place, language, seats left. Nobody's name."""
    return render(request, "trainings/public_list.html", {"sessions": public_sessions()})


@require_http_methods(["GET", "POST"])
@permission("public")
def public_sign_up(request: HttpRequest, session: UUID) -> HttpResponse:
    """A public session's page and its sign-up form: works without JavaScript; answers alike whoever signs up."""
    found = public_session(session)
    form_class = PublicSignUpForm.for_session(found)
    view = public_form(form_class, scope="trainings.sign-up", template="trainings/public_session.html")(signed_up)
    return view(request)


def signed_up(request: HttpRequest, form: PublicSignUpForm, verdict: Verdict) -> HttpResponse:
    data = form.cleaned_data
    try:
        do_public_sign_up(
            form.session,
            display_name=data["display_name"],
            kind=form.kind,
            contact=data["contact"],
            language=data["language"],
            answers=answers_of(form),
        )
    except ValidationError as error:
        refuse_on(form, error)
        return render(request, "trainings/public_session.html", {"form": form}, status=400)
    return render(request, "trainings/public_sent.html", {"session": form.session, "kind": form.kind})


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def seat(request: HttpRequest, token: str) -> HttpResponse:
    """An email's link: the sign-up's state and ONE button each to confirm or give the seat back.
    GET changes nothing (mail scanners open links); only the buttons' POST acts."""
    sign_up = sign_up_by_token(token)
    if sign_up is None:
        return render(request, "trainings/link_invalid.html", status=404)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "confirm":
            do_confirm_sign_up(sign_up)
        elif action == "give_back":
            do_cancel_sign_up(sign_up, by=None, actor="public")
        return redirect(request.path)
    session = sign_up.session
    is_open = session.state == SessionState.SCHEDULED
    context = {
        "sign_up": sign_up,
        "session": session,
        "can_confirm": is_open
        and (
            sign_up.state == SignUpState.PENDING
            or (sign_up.state in (SignUpState.SEAT, SignUpState.WAITING) and sign_up.confirmed_at is None)
        ),
        "can_give_back": is_open and sign_up.state in (SignUpState.SEAT, SignUpState.WAITING),
    }
    return render(request, "trainings/seat.html", context)


@require_GET
@permission("public")
def public_calendar(request: HttpRequest) -> HttpResponse:
    """The public trainings as an iCalendar feed."""
    return calendar.response(calendar.feed(list(public_sessions())), "trainings.ics")


@require_GET
@permission("public")
def session_calendar(request: HttpRequest, session: UUID) -> HttpResponse:
    """One session as an .ics file: a public one for anyone, any one for a signed-in account."""
    found = access_session(request.user, session) if request.user.is_authenticated else public_session(session)
    return calendar.response(calendar.feed([found]), "training.ics")


# Members.


@require_GET
@permission("authenticated")
def sessions_page(request: HttpRequest) -> HttpResponse:
    """The trainings to come, for any signed-in account, with the caller's own sign-ups."""
    user = signed_in(request)
    mine = {sign_up.session_id: sign_up for sign_up in own_sign_ups(user)}
    return render(request, "trainings/sessions.html", {"sessions": upcoming(user), "mine": mine})


@require_GET
@permission("authenticated")
def session_page(request: HttpRequest, session: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_session(user, session)
    context = {
        "session": found,
        "mine": own_sign_up(user, found),
        "has_record": record_of(user) is not None,
        "manages": may_manage(user, found),
        "form": SignUpForm(session=found),
    }
    return render(request, "trainings/session.html", context)


@require_POST
@permission("authenticated")
def sign_up_self(request: HttpRequest, session: UUID) -> HttpResponse:
    """The caller signs themself up (their own person record): a seat, or the waiting list."""
    user = signed_in(request)
    found = access_session(user, session)
    mine = record_of(user)
    form = SignUpForm(request.POST, session=found)
    if mine is None:
        messages.error(request, _("Your account has no person record in the network: ask a roster keeper."))
    elif form.is_valid():
        try:
            made = do_sign_up(found, mine, answers_of(form), by=user, role="self")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if made.state == SignUpState.WAITING:
                messages.success(request, _("The training is full: you are on the waiting list."))
            else:
                messages.success(request, _("You have a seat."))
    else:
        messages.error(request, _("Check your answers: at most 500 characters each."))
    return redirect("trainings:session", session=found.uuid)


@require_POST
@permission("authenticated")
def give_back(request: HttpRequest, session: UUID) -> HttpResponse:
    """The caller gives their own seat back (or leaves the line)."""
    user = signed_in(request)
    found = access_session(user, session)
    mine = own_sign_up(user, found)
    if mine is not None and do_cancel_sign_up(mine, by=user, role="self"):
        messages.success(request, _("Your place is given back. Thank you for telling us."))
    return redirect("trainings:session", session=found.uuid)


# The group's managers.


@require_http_methods(["GET", "POST"])
@permission(COORDINATOR)
def create_session(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    found = training_group(user, group)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = do_create_session(found, form.values(), by=user, role=Role.COORDINATOR)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The training is scheduled."))
            return redirect("trainings:session", session=made.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "trainings/session_form.html", {"form": form, "group": found}, status=status)


@require_http_methods(["GET", "POST"])
@permission(MANAGES)
def edit_session(request: HttpRequest, session: UUID) -> HttpResponse:
    user = signed_in(request)
    found = managed_session(user, session)
    form = SessionForm(request.POST or None, session=found)
    if request.method == "POST" and form.is_valid():
        try:
            promoted = do_edit_session(found, form.values(), by=user, role=Role.COORDINATOR)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("Saved."))
            if promoted:
                messages.info(request, _("People from the waiting list got the new seats and were told."))
            return redirect("trainings:session", session=found.uuid)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "group": found.group, "session": found}
    return render(request, "trainings/session_form.html", context, status=status)


@require_POST
@permission(MANAGES)
def cancel_session(request: HttpRequest, session: UUID) -> HttpResponse:
    user = signed_in(request)
    found = managed_session(user, session)
    do_cancel_session(found, by=user, role=Role.COORDINATOR)
    messages.success(request, _("The training is cancelled; everyone signed up is told."))
    return redirect("trainings:session", session=found.uuid)


@require_GET
@permission(MANAGES)
def sign_ups_page(request: HttpRequest, session: UUID) -> HttpResponse:
    """The sign-ups (display names only), with big attended / no-show buttons for the door."""
    user = signed_in(request)
    found = managed_session(user, session)
    rows = list(sign_ups_of(found))
    answers = answers_seen_by(user, found, rows)
    shown = [(row, answers.get(row.pk)) for row in rows]
    context = {"session": found, "rows": shown, "door_open": door_is_open(found)}
    return render(request, "trainings/sign_ups.html", context)


@require_POST
@permission(MANAGES)
def mark(request: HttpRequest, session: UUID, sign_up: UUID) -> HttpResponse:
    user = signed_in(request)
    managed_session(user, session)
    found = access_sign_up(user, session, sign_up)
    value = request.POST.get("mark", "")
    if value not in MARKS:
        messages.error(request, _("Choose attended, no-show or undo."))
    else:
        try:
            do_mark_attendance(found, MARKS[value], by=user, role=Role.COORDINATOR)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect(reverse("trainings:sign-ups", kwargs={"session": found.session.uuid}) + f"#row-{found.uuid}")


@require_POST
@permission(MANAGES)
def remove_sign_up(request: HttpRequest, session: UUID, sign_up: UUID) -> HttpResponse:
    user = signed_in(request)
    managed_session(user, session)
    found = access_sign_up(user, session, sign_up)
    if do_cancel_sign_up(found, by=user, role=Role.COORDINATOR):
        messages.success(request, _("The sign-up is cancelled; a free seat went to the first in line."))
    return redirect("trainings:sign-ups", session=found.session.uuid)
