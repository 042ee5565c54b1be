"""A volunteer's own pages (/me/...), their calendar feed, and the tests of contacts.

The /me/ pages are public as Django sees them (no account is needed), and reach a record only
through the volunteer's own session (people.self_access): each page finds the person there, and
no page takes a person's id from the URL, so nothing here reaches anyone else. Every change goes
through people.services (or contact_tests, feeds), with the person as the actor and the role
`self`. The magic link, the feed's token and a test's token are in URL paths: Django's request log
writes paths only for 5xx answers, which these pages do not give for anything a client sends.
"""

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.permissions import owner_role, permission
from solidarity.core.public import Verdict, public_form
from solidarity.people.access import ROSTER_KEEPER, SELF, access_person_scoped, certifications_of, edited_person
from solidarity.people.contact_tests import (
    contact_test_for_token,
    do_confirm_contact_test,
    do_send_contact_test,
    is_pending,
)
from solidarity.people.feeds import calendar_for, do_make_calendar_feed, feed_person, feed_url, has_calendar_feed
from solidarity.people.forms import PauseForm, refuse_on
from solidarity.people.models import DAY_MINUTES, Person
from solidarity.people.self_access import (
    NoRecordSession,
    access_contact,
    access_own_record,
    end_record_session,
    own_contacts,
    start_record_session,
)
from solidarity.people.self_forms import LanguageForm, RecordLinkForm, WindowFormSet
from solidarity.people.self_service import do_send_record_link, do_use_record_link, record_signed_out, usable_link
from solidarity.people.services import (
    Window,
    do_come_back,
    do_leave,
    do_pause,
    do_set_shifts,
    do_update_person,
    local_today,
)
from solidarity.people.views import window

log = logging.getLogger("solidarity.people")

EDITS_PERSON = owner_role(ROSTER_KEEPER, access=access_person_scoped, kwarg="person_id")

VolunteerView = Callable[..., HttpResponse]


def as_volunteer(view: VolunteerView) -> Callable[..., HttpResponse]:
    """The view gets the person whose session this is; without one, the page that asks for a link."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            person = access_own_record(request)
        except NoRecordSession:
            messages.info(request, _("Open your record with a new link: we send it to your phone or email."))
            return redirect("people:ask-link")
        return view(request, person, *args, **kwargs)

    return wrapper


def who(person: Person) -> dict[str, Any]:
    """The audit's actor and role for what a volunteer does to their own record."""
    return {"by": None, "actor": str(person.uuid), "role": SELF}


# Asking for the link, and opening it.


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def ask_link(request: HttpRequest) -> HttpResponse:
    """Anyone may ask; the answer is the same whoever they are (people.self_service)."""
    return public_form(RecordLinkForm, scope="people.record-link", template="people/self/ask.html")(link_asked)(request)


def link_asked(request: HttpRequest, form: RecordLinkForm, verdict: Verdict) -> HttpResponse:
    try:
        do_send_record_link(form.cleaned_data["contact"])
    except ValidationError as error:
        form.add_error("contact", error.messages)
        return render(request, "people/self/ask.html", {"form": form}, status=400)
    return render(request, "people/self/sent.html")


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def open_record(request: HttpRequest, link: str) -> HttpResponse:
    """The link opens this page; only its button (a POST) uses the link and opens the record."""
    if request.method == "POST":
        person = do_use_record_link(link)
        if person is None:
            return render(request, "people/self/link_invalid.html", status=404)
        start_record_session(request, person)
        with translation.override(person.language):
            return redirect(reverse("people:own-record"))
    if usable_link(link) is None:
        return render(request, "people/self/link_invalid.html", status=404)
    return render(request, "people/self/open.html")


# The record.


@require_GET
@never_cache
@permission("public")
@as_volunteer
def own_record(request: HttpRequest, person: Person) -> HttpResponse:
    return render_record(request, person)


def render_record(request: HttpRequest, person: Person, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "person": person,
        "zones": person.zones.all(),
        "certifications": certifications_of(person),
        "contacts": own_contacts(person),
        "shifts": [window(shift) for shift in person.shifts.order_by("start_minute")],
        "has_feed": has_calendar_feed(person),
        "language_form": LanguageForm(initial={"language": person.language}),
        "pause_form": PauseForm(),
        "now": timezone.now(),
        **extra,
    }
    return render(request, "people/self/record.html", context, status=status)


@require_POST
@never_cache
@permission("public")
@as_volunteer
def own_language(request: HttpRequest, person: Person) -> HttpResponse:
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return render_record(request, person, status=400, language_form=form)
    do_update_person(person, language=form.cleaned_data["language"], **who(person))
    with translation.override(person.language):
        messages.success(request, _("Saved."))
        return redirect(reverse("people:own-record"))


@require_POST
@never_cache
@permission("public")
@as_volunteer
def own_pause(request: HttpRequest, person: Person) -> HttpResponse:
    form = PauseForm(request.POST)
    if form.is_valid():
        try:
            do_pause(person, form.cleaned_data["until"], **who(person))
        except ValidationError as error:
            refuse_on(form, ValidationError({"until": error.messages}))
        else:
            messages.success(request, _("Paused: you get no alerts until that date."))
            return redirect("people:own-record")
    return render_record(request, person, status=400, pause_form=form)


@require_POST
@never_cache
@permission("public")
@as_volunteer
def own_back(request: HttpRequest, person: Person) -> HttpResponse:
    if do_come_back(person, **who(person)):
        messages.success(request, _("Welcome back: you can get alerts again."))
    return redirect("people:own-record")


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
@as_volunteer
def own_leave(request: HttpRequest, person: Person) -> HttpResponse:
    """A page that says plainly what leaving erases, and one button."""
    if request.method == "POST":
        do_leave(person, **who(person))
        end_record_session(request)
        return render(request, "people/self/left.html")
    return render(request, "people/self/leave.html", {"person": person})


@require_POST
@never_cache
@permission("public")
@as_volunteer
def own_sign_out(request: HttpRequest, person: Person) -> HttpResponse:
    end_record_session(request)
    record_signed_out(person)
    messages.success(request, _("You are signed out of your record."))
    return redirect("people:ask-link")


@require_POST
@never_cache
@permission("public")
@as_volunteer
def own_contact_test(request: HttpRequest, person: Person, contact: UUID) -> HttpResponse:
    found = access_contact(person, contact)
    try:
        do_send_contact_test(found, **who(person))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, test_sent_text(found.kind))
    return redirect("people:own-record")


def test_sent_text(kind: str) -> str:
    if kind == "phone":
        return _("A test text is on its way. Reply as it says, so the network knows this number works.")
    return _("A test email is on its way. Press the button on the page its link opens.")


@require_POST
@never_cache
@permission("public")
@as_volunteer
def own_calendar(request: HttpRequest, person: Person) -> HttpResponse:
    """A new secret address for the calendar feed, shown this once; the old one stops working."""
    token = do_make_calendar_feed(person, **who(person))
    return render_record(request, person, new_feed_url=feed_url(token))


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
@as_volunteer
def own_shifts(request: HttpRequest, person: Person) -> HttpResponse:
    """The weekly on-call windows, each a day, a start and an end, replaced all at once."""
    initial = [
        {
            "weekday": shift.weekday,
            "starts": shift.starts,
            "ends": ends_of(shift.starts, shift.duration_minutes),
            "minutes": shift.duration_minutes,
        }
        for shift in person.shifts.order_by("start_minute")
    ]
    formset = WindowFormSet(request.POST if request.method == "POST" else None, initial=initial, prefix="w")
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        windows = [
            Window(data["weekday"], data["starts"], length(data))
            for data in formset.cleaned_data
            if data and not data.get("DELETE")
        ]
        try:
            do_set_shifts(person, windows, **who(person))
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Your shifts are saved."))
            return redirect("people:own-record")
    status = 400 if request.method == "POST" else 200
    return render(request, "people/self/shifts.html", {"formset": formset, "errors": errors}, status=status)


def length(data: dict[str, Any]) -> int:
    """A row's minutes: from its start to its end, or its kept length when it is longer than a day and its end
    was left as it was."""
    kept = data.get("minutes")
    if kept and kept > DAY_MINUTES and ends_of(data["starts"], kept) == data["ends"]:
        return int(kept)
    return minutes_between(data["starts"], data["ends"])


def minutes_between(starts: time, ends: time) -> int:
    """From `starts` to `ends` on the clock, into the next day when `ends` is not later (24 hours when equal)."""
    minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
    return minutes if minutes > 0 else minutes + DAY_MINUTES


def ends_of(starts: time, duration_minutes: int) -> time:
    moment = datetime.combine(local_today(), starts) + timedelta(minutes=duration_minutes)
    return moment.time()


# A roster keeper sends a test from the person's page.


@require_POST
@permission(EDITS_PERSON)
def keeper_contact_test(request: HttpRequest, person_id: UUID, contact: UUID) -> HttpResponse:
    user = signed_in(request)
    person = edited_person(user, person_id)
    found = access_contact(person, contact)
    try:
        do_send_contact_test(found, by=user, role=ROSTER_KEEPER)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The test is on its way. When they confirm it, the date shows here."))
    return redirect("people:person", person_id=person.uuid)


# The email test's link: one button confirms.


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def confirm_contact_test(request: HttpRequest, test: str) -> HttpResponse:
    found = contact_test_for_token(test)
    if found is None or (not is_pending(found) and found.confirmed_at is None):
        return render(request, "people/self/link_invalid.html", status=404)
    if request.method == "POST":
        do_confirm_contact_test(found)
        return redirect(request.path)
    return render(request, "people/self/test_confirm.html", {"confirmed": found.confirmed_at is not None})


# The calendar feed.


@require_GET
@never_cache
@permission("public")
def calendar_feed(request: HttpRequest, feed: str) -> HttpResponse:
    """The person's shifts as iCalendar, for calendar apps; 404 for a token that opens nothing."""
    person = feed_person(feed)
    if person is None:
        raise Http404
    try:
        body = calendar_for(person)
    except Exception as error:  # never a 500: Django's request log would write the path, and the token in it
        log.error("calendar feed for person %s failed (%s)", person.uuid, type(error).__name__)
        failed = HttpResponse(status=503, content_type="text/plain; charset=utf-8")
        failed._has_been_logged = True  # type: ignore[attr-defined]  # Django's own mark: its log skips it
        return failed
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
