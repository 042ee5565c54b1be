"""The meeting's record on pages: the minutes (written live by the minute taker, read by the others, amended by
those who were there, then published), proposals and their decisions (consensus with stand-asides and blocks,
the fallback vote, a majority vote, the consent calendar), and action items (a meeting's, and one's own).
Every button is a form; who reaches what is meetings.record_access's; every change is a service's."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import Role, owner_role, permission
from solidarity.meetings import actions, decisions, minutes, services
from solidarity.meetings.access import Power, access_item, members_for_roles, powers_of
from solidarity.meetings.models import ActionState, ItemKind, Meeting, Minutes, ProposalState
from solidarity.meetings.record_access import (
    RECORDS,
    access_action_item,
    access_amendment,
    access_amendment_scoped,
    access_entry,
    access_kept,
    access_proposal,
    access_record,
)
from solidarity.meetings.record_forms import (
    ActionItemForm,
    AmendDaysForm,
    AmendmentForm,
    DecisionForm,
    NoteEditForm,
    NoteForm,
    PresentForm,
    ProposalForm,
    PublishForm,
)

AMENDMENT_KEEPERS = owner_role(
    Role.COORDINATOR, Role.FACILITATOR, Role.MINUTE_TAKER, access=access_amendment_scoped, kwarg="amendment"
)


def back(meeting: Meeting, name: str = "minutes", anchor: str = "") -> HttpResponse:
    response = redirect(f"meetings-record:{name}", meeting=meeting.code)
    response["Location"] += f"#{anchor}" if anchor else ""
    return response


def refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def minutes_context(request: HttpRequest, meeting: Meeting, record: Minutes, **forms: Any) -> dict[str, Any]:
    user = request.user
    powers = powers_of(user, meeting)
    keeps = Power.MINUTES in powers
    # By agenda item, the meeting in general first; within each, in the order written.
    entries = sorted(minutes.entries_of(meeting), key=lambda e: (e.item.position if e.item else 0, e.position))
    return {
        "meeting": meeting,
        "record": record,
        "standing": minutes.standing(meeting, record),
        "entries": [(entry, minutes.summary_of(entry)) for entry in entries],
        "items": list(meeting.items.exclude(kind=ItemKind.BREAK)),
        "keeps": keeps,
        "may_amend": minutes.may_amend(user, meeting, record),
        "pending": meeting.amendments.filter(state="pending").select_related("entry") if keeps else [],
        "note_form": forms.get("note_form") or NoteForm(meeting=meeting),
        "amendment_form": forms.get("amendment_form") or AmendmentForm(meeting=meeting),
        "days_form": AmendDaysForm(initial={"amend_days": record.amend_days}),
        "publish_form": PublishForm(meeting=meeting, may_make_public=Power.MANAGE in powers),
        "actions": list(actions.actions_of(meeting)),
    }


@require_GET
@permission("public")
def minutes_page(request: HttpRequest, meeting: str) -> HttpResponse:
    """The minutes: read by their readers (meetings.minutes.may_read); the keepers write them here, live."""
    found, record = access_record(request.user, meeting)
    return render(request, "meetings/record/minutes.html", minutes_context(request, found, record))


@require_POST
@permission(RECORDS)
def add_entry(request: HttpRequest, meeting: str) -> HttpResponse:
    user = signed_in(request)
    found = access_kept(user, meeting)
    form = NoteForm(request.POST, meeting=found)
    if form.is_valid():
        try:
            minutes.do_add_note(found, form.cleaned_data["text"], item=form.agenda_item(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            return back(found, anchor="write")
    context = minutes_context(request, found, access_record(user, meeting)[1], note_form=form)
    return render(request, "meetings/record/minutes.html", context, status=400)


@require_http_methods(["GET", "POST"])
@permission(RECORDS)
def edit_entry(request: HttpRequest, meeting: str, minute_entry: UUID) -> HttpResponse:
    """New words for a note, or its removal."""
    user = signed_in(request)
    found = access_kept(user, meeting)
    entry = access_entry(found, minute_entry)
    form = NoteEditForm(request.POST or None, initial={"text": entry.text})
    if request.method == "POST" and (request.POST.get("remove") or form.is_valid()):
        try:
            if request.POST.get("remove"):
                minutes.do_remove_note(entry, by=user)
            else:
                minutes.do_edit_note(entry, form.cleaned_data["text"], by=user)
        except ValidationError as error:
            refused(request, error)
        return back(found)
    context = {"meeting": found, "entry": entry, "form": form}
    return render(request, "meetings/record/entry_form.html", context, status=400 if form.errors else 200)


@require_POST
@permission(RECORDS)
def amend_days(request: HttpRequest, meeting: str) -> HttpResponse:
    user = signed_in(request)
    found = access_kept(user, meeting)
    form = AmendDaysForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Between 0 and 30 days."))
        minutes.do_set_amend_days(found, form.cleaned_data["amend_days"], by=user)
    except ValidationError as error:
        refused(request, error)
    return back(found, anchor="publish")


@require_POST
@permission(RECORDS)
def publish(request: HttpRequest, meeting: str) -> HttpResponse:
    user = signed_in(request)
    found = access_kept(user, meeting)
    may_make_public = Power.MANAGE in powers_of(user, found)
    form = PublishForm(request.POST, meeting=found, may_make_public=may_make_public)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose who reads the minutes."))
        minutes.do_publish_minutes(found, form.cleaned_data["audience"], by=user, may_make_public=may_make_public)
        messages.success(request, _("The minutes are published."))
    except ValidationError as error:
        refused(request, error)
    return back(found, anchor="publish")


@require_POST
@permission("authenticated")
def propose_amendment(request: HttpRequest, meeting: str) -> HttpResponse:
    """Someone who was at the meeting proposes an amendment, while the window is open."""
    user = signed_in(request)
    found, record = access_record(user, meeting)
    form = AmendmentForm(request.POST, meeting=found)
    if form.is_valid():
        try:
            minutes.do_propose_amendment(found, user, form.cleaned_data["text"], entry=form.note())
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("Thank you: the minute taker will accept or reject your amendment."))
            return back(found, anchor="amend")
    context = minutes_context(request, found, record, amendment_form=form)
    return render(request, "meetings/record/minutes.html", context, status=400)


def decide_amendment(request: HttpRequest, amendment: UUID, accept: bool) -> HttpResponse:
    user = signed_in(request)
    found = access_amendment(user, amendment)
    try:
        minutes.do_decide_amendment(found, accept, by=user)
    except ValidationError as error:
        refused(request, error)
    return back(found.meeting, anchor="amendments")


@require_POST
@permission(AMENDMENT_KEEPERS)
def accept_amendment(request: HttpRequest, amendment: UUID) -> HttpResponse:
    return decide_amendment(request, amendment, True)


@require_POST
@permission(AMENDMENT_KEEPERS)
def reject_amendment(request: HttpRequest, amendment: UUID) -> HttpResponse:
    return decide_amendment(request, amendment, False)


# Proposals and decisions.


@require_http_methods(["GET", "POST"])
@permission(RECORDS)
def proposals(request: HttpRequest, meeting: str) -> HttpResponse:
    """The proposals, item by item (the current one first), adding one, and passing a consent calendar."""
    user = signed_in(request)
    found = access_kept(user, meeting)
    form = ProposalForm(request.POST or None, meeting=found)
    if request.method == "POST" and form.is_valid():
        item = form.agenda_item()
        try:
            if item is None:
                raise ValidationError({"item": _("Choose an agenda item.")})
            decisions.do_add_proposal(item, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            return back(found, "proposals")
    items = list(found.items.exclude(kind=ItemKind.BREAK).prefetch_related("proposals__decision"))
    items.sort(key=lambda item: (item.pk != found.current_item_id, item.position))
    context = {
        "meeting": found,
        "items": items,
        "form": form,
        "present_form": PresentForm(),
        "open": ProposalState.OPEN,
    }
    return render(request, "meetings/record/proposals.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission(RECORDS)
def decide(request: HttpRequest, meeting: str, proposal: UUID) -> HttpResponse:
    """Record how the meeting decided a proposal, under its rule."""
    user = signed_in(request)
    found = access_kept(user, meeting)
    chosen = access_proposal(found, proposal)
    form = DecisionForm(request.POST or None, rule=found.rule)
    if request.method == "POST" and form.is_valid():
        try:
            decision = decisions.do_record_decision(chosen, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("Passed.") if decision.passed else _("Recorded: it did not pass."))
            return back(found, "proposals")
    context = {"meeting": found, "proposal": chosen, "form": form, "present": services.present_count(found)}
    return render(request, "meetings/record/decide.html", context, status=400 if form.errors else 200)


@require_POST
@permission(RECORDS)
def withdraw(request: HttpRequest, meeting: str, proposal: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_kept(user, meeting)
    try:
        decisions.do_withdraw_proposal(access_proposal(found, proposal), by=user)
    except ValidationError as error:
        refused(request, error)
    return back(found, "proposals")


@require_POST
@permission(RECORDS)
def pull(request: HttpRequest, meeting: str, proposal: UUID) -> HttpResponse:
    """Someone asked to take a proposal off the consent calendar."""
    user = signed_in(request)
    found = access_kept(user, meeting)
    try:
        decisions.do_pull_proposal(access_proposal(found, proposal), by=user)
    except ValidationError as error:
        refused(request, error)
    return back(found, "proposals")


@require_POST
@permission(RECORDS)
def pass_consent(request: HttpRequest, meeting: str, agenda_item: str) -> HttpResponse:
    user = signed_in(request)
    found = access_kept(user, meeting)
    item = access_item(user, found, agenda_item, Power.MINUTES)
    form = PresentForm(request.POST)
    try:
        present = form.cleaned_data.get("present") if form.is_valid() else None
        passed = decisions.do_pass_consent_calendar(item, by=user, present=present)
        count = len(passed)
        done = ngettext(
            "The consent calendar passed: %(count)d proposal.",
            "The consent calendar passed: %(count)d proposals.",
            count,
        )
        messages.success(request, done % {"count": count})
    except ValidationError as error:
        refused(request, error)
    return back(found, "proposals")


# Action items.


@require_GET
@permission("public")
def action_items(request: HttpRequest, meeting: str) -> HttpResponse:
    """The meeting's action items and those carried to it, for the minutes' readers; the keepers add them here."""
    found, _record = access_record(request.user, meeting)
    keeps = Power.MINUTES in powers_of(request.user, found)
    form = ActionItemForm(meeting=found, users=members_for_roles(found)) if keeps else None
    context = {"meeting": found, "actions": actions.actions_of(found), "form": form, "keeps": keeps}
    return render(request, "meetings/record/actions.html", context)


@require_POST
@permission(RECORDS)
def add_action(request: HttpRequest, meeting: str) -> HttpResponse:
    user = signed_in(request)
    found = access_kept(user, meeting)
    form = ActionItemForm(request.POST, meeting=found, users=members_for_roles(found))
    if form.is_valid():
        try:
            actions.do_add_action_item(found, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            return back(found, "actions")
    context = {"meeting": found, "actions": actions.actions_of(found), "form": form, "keeps": True}
    return render(request, "meetings/record/actions.html", context, status=400)


@require_POST
@permission("authenticated")
def action_done(request: HttpRequest, meeting: str, action_item: UUID) -> HttpResponse:
    """Its owner (or a keeper of the record) marks an action item done; `undo` opens it again."""
    user = signed_in(request)
    found = access_action_item(user, meeting, action_item)
    if request.POST.get("undo"):
        actions.do_reopen_action_item(found, by=user)
    else:
        actions.do_finish_action_item(found, ActionState.DONE, by=user)
    if found.owner_id == user.pk:
        return redirect("meetings-record:my-tasks")
    return redirect("meetings-record:actions", meeting=meeting)


@require_POST
@permission(RECORDS)
def action_drop(request: HttpRequest, meeting: str, action_item: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_action_item(user, meeting, action_item, keeper=True)
    actions.do_finish_action_item(found, ActionState.DROPPED, by=user)
    return redirect("meetings-record:actions", meeting=meeting)


@require_GET
@permission("authenticated")
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The caller's own action items, from every meeting: open first, soonest due first."""
    user = signed_in(request)
    return render(request, "meetings/record/my_tasks.html", {"tasks": actions.tasks_of(user)[:200]})
