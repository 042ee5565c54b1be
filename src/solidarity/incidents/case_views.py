"""Family-support cases' pages: the caller's cases, opening one from an incident, a case's page and its actions.

Thin views: who sees what is incidents.case_access's (a case's team only; every read of a case's page is
audited); every change goes through incidents.cases. Every action is a POST form (no JavaScript needed).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import permission
from solidarity.incidents import cases
from solidarity.incidents.access import access_incident
from solidarity.incidents.case_access import (
    CASE_WORK,
    access_case,
    item_of,
    my_cases,
    team_candidates,
    team_of,
    view_case,
)
from solidarity.incidents.case_forms import (
    BondRequestForm,
    CaseForm,
    CaseNoteForm,
    HearingForm,
    IdentifiersForm,
    ItemForm,
    LegalPathForm,
    MemberForm,
    NeedForm,
    TaskForm,
)
from solidarity.incidents.case_models import IDENTIFIERS, Case
from solidarity.incidents.timeline import DISPATCH


def member(case: Case, username: str, *, candidates: bool) -> User:
    """An account by username: among those who may join the team (`candidates`), or on the case's team."""
    found = (team_candidates() if candidates else team_of(case)).filter(username=username.strip()).first()
    if found is None:
        message = _("Nobody who works cases has this username.") if candidates else _("Nobody on the team has it.")
        raise ValidationError({"username": message})
    return found


# Each action: its form and what it does (the service), answering the message to show.


def edit(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_update_case(case, cases.CaseValues(data["for_whom"], data["language"], data["contact"]), by=by)
    return _("Saved.")


def need(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_add_need(case, data["kind"], data["details"], by=by)
    return _("The need is on the case.")


def need_met(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_meet_need(case, item_of(case.needs.all(), data["item"]), by=by)
    return _("Marked as met.")


def task(case: Case, data: dict[str, Any], by: User) -> str:
    assignee = team_of(case).filter(username=data["assignee"]).first() if data["assignee"] else None
    cases.do_add_task(case, data["text"], assignee=assignee, due_on=data["due_on"], by=by)
    return _("The task is on the case.")


def task_done(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_complete_task(case, item_of(case.tasks.all(), data["item"]), by=by)
    return _("Marked as done.")


def note(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_add_case_note(case, data["text"], by=by)
    return _("The note is on the case.")


def legal_path(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_set_legal_path(case, cases.LegalPath(**data), by=by)
    return _("The legal path is saved.")


def hearing(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_add_hearing(case, data["kind"], data["on"], data["note"], by=by)
    return _("The hearing is on the case.")


def hearing_remove(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_remove_hearing(case, item_of(case.hearings.all(), data["item"]), by=by)
    return _("The hearing is removed.")


def identifiers(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_set_identifiers(case, cases.Identifiers(**data), by=by)
    return _("Saved. They go when the case closes.")


def add_member(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_add_member(case, member(case, data["username"], candidates=True), by=by)
    return _("%(name)s is on the team.") % {"name": data["username"]}


def remove_member(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_remove_member(case, member(case, data["username"], candidates=False), by=by)
    return _("%(name)s is off the team.") % {"name": data["username"]}


def bond(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_request_bond(case, due_on=data["due_on"], payer_note=data["payer_note"], by=by)
    return _("The bond request is sent to the fund.")


def bond_withdraw(case: Case, data: dict[str, Any], by: User) -> str:
    return _("The bond request is withdrawn.") if cases.do_withdraw_bond(case, by=by) else _("Nothing to withdraw.")


def close(case: Case, data: dict[str, Any], by: User) -> str:
    cases.do_close_case(case, by=by)
    return _("The case is closed: the identifiers are gone.")


@dataclass(frozen=True)
class Action:
    form: type[forms.Form]
    run: Callable[[Case, dict[str, Any], User], str]


ACTIONS: dict[str, Action] = {
    "edit": Action(CaseForm, edit),
    "need": Action(NeedForm, need),
    "need-met": Action(ItemForm, need_met),
    "task": Action(TaskForm, task),
    "task-done": Action(ItemForm, task_done),
    "note": Action(CaseNoteForm, note),
    "legal-path": Action(LegalPathForm, legal_path),
    "hearing": Action(HearingForm, hearing),
    "hearing-remove": Action(ItemForm, hearing_remove),
    "identifiers": Action(IdentifiersForm, identifiers),
    "member": Action(MemberForm, add_member),
    "member-remove": Action(MemberForm, remove_member),
    "bond": Action(BondRequestForm, bond),
    "bond-withdraw": Action(forms.Form, bond_withdraw),
    "close": Action(forms.Form, close),
}
# The forms the page shows once each (the others are buttons next to a need, a task, a hearing or a member).
SHOWN = ("edit", "need", "task", "note", "legal-path", "hearing", "identifiers", "member", "bond")


def make_form(name: str, case: Case, team: list[User], data: Any = None) -> forms.Form:
    """The action's form, with ids of its own; filled with the case's values where it edits them."""
    chosen = ACTIONS[name].form
    kwargs: dict[str, Any] = {"auto_id": f"id_{name}_%s"}
    if chosen is TaskForm:
        kwargs["team"] = team
    if data is None and name == "edit":
        kwargs["initial"] = {"for_whom": case.for_whom, "language": case.language, "contact": case.contact}
    elif data is None and name == "legal-path":
        fields = ("held_at", "bond_status", "bond_amount", "referral_to", "referred_on", "referral_note")
        kwargs["initial"] = {field: getattr(case, field) for field in fields}
    elif data is None and name == "identifiers":
        kwargs["initial"] = {field: getattr(case, field) for field in IDENTIFIERS}
    return chosen(data, **kwargs) if data is not None else chosen(**kwargs)


def case_page(
    request: HttpRequest, code: str, *, status: int = 200, failed: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    """The case's page (every rendering audited as a view of it)."""
    user = signed_in(request)
    found = view_case(user, code)
    team = list(team_of(found))
    shown = {name.replace("-", "_"): make_form(name, found, team) for name in SHOWN} if found.is_open else {}
    if failed is not None and found.is_open:
        shown[failed[0].replace("-", "_")] = failed[1]
    context = {
        "case": found,
        "team": team,
        "needs": list(found.needs.all()),
        "tasks": list(found.tasks.select_related("assignee")),
        "notes": list(found.notes.select_related("author")),
        "hearings": list(found.hearings.all()),
        "bond_requests": cases.bond_requests(found),
        "forms": shown,
        "me": user,
    }
    return render(request, "incidents/case.html", context, status=status)


@require_GET
@never_cache
@permission(CASE_WORK)
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the caller is on the team of (no one else's), newest first."""
    found = list(my_cases(signed_in(request)))
    return render(request, "incidents/case_list.html", {"cases": found})


@require_http_methods(["GET", "POST"])
@never_cache
@permission(DISPATCH)
def open_case(request: HttpRequest, incident: str) -> HttpResponse:
    """A dispatcher opens a case for a family affected by the incident, and is on its team."""
    user = signed_in(request)
    found = access_incident(user, incident)
    form = CaseForm(request.POST or None, auto_id="id_case_%s")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = cases.do_open_case(
                found, cases.CaseValues(data["for_whom"], data["language"], data["contact"]), by=user
            )
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("Case %(code)s is open.") % {"code": case.code})
            return redirect("cases:case", case.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/case_open.html", {"incident": found, "form": form}, status=status)


@require_GET
@never_cache
@permission(CASE_WORK)
def case(request: HttpRequest, case: str) -> HttpResponse:
    """One case, for its team only (404 to anyone else): needs, tasks, notes, legal path, identifiers, team."""
    return case_page(request, case)


@require_POST
@permission(CASE_WORK)
def act(request: HttpRequest, case: str, action: str) -> HttpResponse:
    """One of the case's actions (ACTIONS), through its service; 409 when the case's state forbids it."""
    user = signed_in(request)
    found = access_case(user, case)
    form = make_form(action, found, list(team_of(found)), request.POST)
    if not form.is_valid():
        return case_page(request, found.code, status=400, failed=(action, form))
    try:
        done = ACTIONS[action].run(found, form.cleaned_data, user)
    except ValidationError as error:
        refuse_on(form, error)
        return case_page(request, found.code, status=400, failed=(action, form))
    except cases.CaseError as error:
        messages.error(request, error.message)
        return case_page(request, found.code, status=409)
    messages.success(request, done)
    return redirect("cases:case", found.code)
