"""The checklist's pages: an action's checklist at a glance (its group's members see it; its coordinators tick
steps, choose owners, write notes and lessons), the legal-observer request with its text to send, the debrief
training, the debrief and its report, and the network's checklist template (any coordinator keeps it).

To anyone outside the action's group, the action does not exist (404). Every change goes through
events.checklist or events.debrief; a refusal comes back on the form (400) with what was typed.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.forms import submitted
from solidarity.core.permissions import Role, anywhere, owner_role, permission
from solidarity.events.access import ORGANISERS, access_action, access_action_scoped
from solidarity.events.checklist import (
    checklist,
    chosen_steps,
    do_add_template_step,
    do_copy_lessons,
    do_move_template_step,
    do_record_observers,
    do_remove_template_step,
    do_schedule_debrief,
    do_tick_step,
    do_untick_step,
    do_update_step,
    do_update_template_step,
    done_count,
    observers_request_text,
    observers_warning,
    owners_for,
    steps_with_lessons,
    template_steps_now,
)
from solidarity.events.checklist_access import find_template_step, step_of, template_step_of
from solidarity.events.checklist_forms import (
    CopyLessonsForm,
    DebriefForm,
    DebriefSessionForm,
    ObserversForm,
    StepForm,
    TemplateStepForm,
)
from solidarity.events.debrief import do_record_debrief, encounters_text, is_after, report_of, turnout_chart
from solidarity.events.models import Action

ACTION_MEMBER = owner_role(Role.MEMBER, access=access_action_scoped, kwarg="action")
ACTION_ORGANISER = owner_role(*ORGANISERS, access=access_action_scoped, kwarg="action")
TEMPLATE_KEEPER = anywhere(Role.COORDINATOR, admins=True)


def status_of(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


def organised(request: HttpRequest, action: str) -> Action:
    return access_action(signed_in(request), action, *ORGANISERS)


def form_page(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    return render(request, f"events/checklist/{template}", context, status=status_of(request))


@require_GET
@never_cache
@permission(ACTION_MEMBER)
def checklist_page(request: HttpRequest, action: str) -> HttpResponse:
    """Each step in order: done or what is missing in one line, its owner, where to act; the coordinators' buttons."""
    scoped = access_action_scoped(signed_in(request), action)
    seen = checklist(scoped.obj)
    context = {
        "action": scoped.obj,
        "steps": seen,
        "done": done_count(seen),
        "organiser": scoped.has(*ORGANISERS),
        "warning": observers_warning(scoped.obj),
    }
    return render(request, "events/checklist/checklist.html", context)


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def edit_step(request: HttpRequest, action: str, step: str) -> HttpResponse:
    """A step's owner, its note and its lesson for next time."""
    user, found = signed_in(request), organised(request, action)
    one = step_of(found, step)
    form = StepForm(request.POST or None, step=one, members=owners_for(found))
    if submitted(request, form, lambda: do_update_step(one, form.values(), by=user)):
        messages.success(request, _("The step was saved."))
        return redirect("events:checklist", action=found.code)
    return form_page(request, "step_form.html", {"action": found, "step": one, "form": form})


def ticked(request: HttpRequest, action: str, step: str, act: Callable[..., bool], done: str) -> HttpResponse:
    user, found = signed_in(request), organised(request, action)
    try:
        act(step_of(found, step), by=user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("events:checklist", action=found.code)


@require_POST
@permission(ACTION_ORGANISER)
def tick_step(request: HttpRequest, action: str, step: str) -> HttpResponse:
    return ticked(request, action, step, do_tick_step, _("Ticked: done."))


@require_POST
@permission(ACTION_ORGANISER)
def untick_step(request: HttpRequest, action: str, step: str) -> HttpResponse:
    return ticked(request, action, step, do_untick_step, _("Unticked: not done yet."))


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def observers(request: HttpRequest, action: str) -> HttpResponse:
    """The legal-observer request: whom, when, the point person, confirmed; and the request text to copy."""
    user, found = signed_in(request), organised(request, action)
    form = ObserversForm(request.POST or None, action=found, members=owners_for(found))
    if submitted(request, form, lambda: do_record_observers(found, form.values(), by=user)):
        messages.success(request, _("The legal-observer request was saved."))
        return redirect("events:observers", action=found.code)
    context = {
        "action": found,
        "form": form,
        "text": observers_request_text(found),
        "warning": observers_warning(found),
    }
    return form_page(request, "observers.html", context)


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def schedule_debrief(request: HttpRequest, action: str) -> HttpResponse:
    """The debrief and footage review, as a workshop of the action's group after the action."""
    user, found = signed_in(request), organised(request, action)
    form = DebriefSessionForm(request.POST or None)
    if submitted(request, form, lambda: do_schedule_debrief(found, form.values(), by=user)):
        messages.success(request, _("The debrief is scheduled as a training of the group."))
        return redirect("events:checklist", action=found.code)
    return form_page(request, "schedule_debrief.html", {"action": found, "form": form})


@require_GET
@never_cache
@permission(ACTION_MEMBER)
def debrief_page(request: HttpRequest, action: str) -> HttpResponse:
    """The report: turnout by role, no-shows, medic encounters, arrests by state, money spent, the lessons."""
    scoped = access_action_scoped(signed_in(request), action)
    report = report_of(scoped.obj)
    organiser = scoped.has(*ORGANISERS)
    context = {
        "action": scoped.obj,
        "report": report,
        "chart": turnout_chart(report.turnout),
        "encounters": encounters_text(scoped.obj.medic_encounters),
        "organiser": organiser,
        "after": is_after(scoped.obj),
        "copy_form": CopyLessonsForm(steps=report.lessons) if organiser and report.lessons else None,
    }
    return render(request, "events/checklist/debrief.html", context)


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def edit_debrief(request: HttpRequest, action: str) -> HttpResponse:
    user, found = signed_in(request), organised(request, action)
    form = DebriefForm(request.POST or None, action=found)
    if submitted(request, form, lambda: do_record_debrief(found, form.values(), by=user)):
        messages.success(request, _("The debrief was saved."))
        return redirect("events:debrief", action=found.code)
    return form_page(request, "debrief_form.html", {"action": found, "form": form, "after": is_after(found)})


@require_POST
@permission(ACTION_ORGANISER)
def copy_lessons(request: HttpRequest, action: str) -> HttpResponse:
    """The chosen steps' lessons go into the network's template (events.checklist.do_copy_lessons)."""
    user, found = signed_in(request), organised(request, action)
    form = CopyLessonsForm(request.POST, steps=steps_with_lessons(found))
    copied: list[int] = []

    def act() -> None:
        copied.append(do_copy_lessons(found, chosen_steps(found, form.cleaned_data["steps"]), by=user))

    if submitted(request, form, act):
        count = copied[0]
        done = ngettext(
            "%(count)d lesson copied into the template.", "%(count)d lessons copied into the template.", count
        )
        messages.success(request, done % {"count": count})
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect("events:debrief", action=found.code)


# The network's template.


@require_GET
@permission(TEMPLATE_KEEPER)
def template_page(request: HttpRequest) -> HttpResponse:
    """The steps every new action's checklist starts from, each to change, move or remove."""
    return render(request, "events/checklist/template.html", {"steps": template_steps_now()})


def template_form(request: HttpRequest, form: forms.Form, title: str) -> HttpResponse:
    return form_page(request, "template_step_form.html", {"form": form, "title": title})


@require_http_methods(["GET", "POST"])
@permission(TEMPLATE_KEEPER)
def add_template_step(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = TemplateStepForm(request.POST or None)
    if submitted(request, form, lambda: do_add_template_step(form.values(), by=user)):
        messages.success(request, _("The step was added to the template."))
        return redirect("events:checklist-template")
    return template_form(request, form, _("Add a step to the checklist template"))


@require_http_methods(["GET", "POST"])
@permission(TEMPLATE_KEEPER)
def edit_template_step(request: HttpRequest, template_step: str) -> HttpResponse:
    user, found = signed_in(request), template_step_of(template_step)
    form = TemplateStepForm(request.POST or None, step=found)
    if submitted(request, form, lambda: do_update_template_step(found, form.values(), by=user)):
        messages.success(request, _("The template's step was saved."))
        return redirect("events:checklist-template")
    return template_form(request, form, _("Change a step of the checklist template"))


class MoveForm(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=10_000)


@require_POST
@permission(TEMPLATE_KEEPER)
def move_template_step(request: HttpRequest, template_step: str) -> HttpResponse:
    """Up or down: the form posts the position it goes to."""
    user, found = signed_in(request), template_step_of(template_step)
    form = MoveForm(request.POST)
    if form.is_valid():
        do_move_template_step(found, form.cleaned_data["position"], by=user)
    return redirect("events:checklist-template")


@require_http_methods(["GET", "POST"])
@permission(TEMPLATE_KEEPER)
def remove_template_step(request: HttpRequest, template_step: str) -> HttpResponse:
    """Are you sure (GET), then out of the template (POST); checklists made already keep it. A step another keeper
    removed meanwhile: back to the template, saying so."""
    user, found = signed_in(request), find_template_step(template_step)
    if found is None:
        messages.info(request, _("This step is no longer in the template."))
        return redirect("events:checklist-template")
    if request.method == "POST":
        do_remove_template_step(found, by=user)
        messages.success(request, _("The step was taken out of the template."))
        return redirect("events:checklist-template")
    return render(request, "events/checklist/remove_template_step.html", {"step": found})
