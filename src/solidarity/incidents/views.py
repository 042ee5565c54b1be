"""Incidents' pages: the live board, an incident's page and its actions, the reports waiting for a person,
the email alert's one-tap page, a responder's own alerts, and what each incident type needs.

Thin views: who sees what is incidents.access's; every change goes through the services (intake,
services, dispatch, requirements). Every action is a POST form (no JavaScript needed); the board
listens to the `incidents` live channel (incidents/static/incidents/board.js) and fetches its sections
again. A responder's phone or email never reaches a page: display names and the ranking's reasons only.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import permission
from solidarity.core.zones import network_zones
from solidarity.incidents import dispatch
from solidarity.incidents.access import (
    access_alert,
    access_incident,
    access_report,
    my_alerts,
    open_incidents,
    reports_of,
    waiting_reports,
)
from solidarity.incidents.forms import (
    AnswerForm,
    ConfirmForm,
    HotlineForm,
    MergeForm,
    NoteForm,
    PlaceForm,
    RemoveRequirementForm,
    RequiredNoteForm,
    RequirementForm,
    SplitForm,
    VerificationForm,
    WhereForm,
)
from solidarity.incidents.intake import do_dismiss_report, do_place_report
from solidarity.incidents.models import (
    ANSWERABLE,
    COUNTED,
    DISPATCHING_STATES,
    OPEN_STATES,
    Alert,
    AlertState,
    Entry,
    EntryKind,
    Incident,
    IncidentState,
    IncidentType,
    Need,
    NeedState,
    Requirement,
)
from solidarity.incidents.observation_access import timeline_of
from solidarity.incidents.requirements import (
    SETTINGS_FIELDS,
    RequirementValues,
    do_remove_requirement,
    do_set_requirement,
    do_update_hotline,
)
from solidarity.incidents.services import (
    CLOSE_FROM,
    CONFIRM_FROM,
    RESOLVE_FROM,
    VERIFY_FROM,
    IncidentError,
    do_add_note,
    do_confirm,
    do_mark_false_alarm,
    do_mark_unverified,
    do_merge,
    do_record_verification,
    do_resolve,
    do_set_where,
    do_split,
    do_stand_down,
    do_start_verifying,
)
from solidarity.incidents.signoff_forms import WideAlertForm
from solidarity.incidents.signoff_forms import section as signoff_section
from solidarity.incidents.timeline import DISPATCH, REQUIREMENT_KEEPERS, hotline_settings, user_actor
from solidarity.people.access import roster

CANDIDATES_SHOWN = 10


# What the board and an incident's page show of each need.


@dataclass
class Asked:
    """One person asked: their display name, their answer, and why they were asked."""

    alert: Alert
    name: str
    reasons: str


@dataclass
class NeedRow:
    need: Need
    places: int
    going: int
    waiting: int
    lone: bool
    asked: list[Asked] = field(default_factory=list)
    candidates: list[tuple[str, str]] = field(default_factory=list)  # (display name, reasons), for an open need


@dataclass
class IncidentRow:
    incident: Incident
    needs: list[NeedRow]


def name_of(person: Any) -> str:
    return str(person.display_name or "") or _("(no name given)")


def need_rows(needs: Iterable[Need], alerts: Iterable[Alert], zone_names: dict[int, str]) -> list[NeedRow]:
    """Each need still counting (not stood down), with its people asked; `needs` carry `going` and `waiting`."""
    by_need: dict[int, list[Alert]] = {}
    for alert in alerts:
        by_need.setdefault(alert.need_id, []).append(alert)
    rows = []
    for need in needs:
        if need.state == NeedState.CANCELLED and not by_need.get(need.pk):
            continue
        going = int(getattr(need, "going", 0))
        asked = [
            Asked(alert, name_of(alert.person), dispatch.reason_text(alert.reasons, zone_names))
            for alert in by_need.get(need.pk, [])
        ]
        rows.append(
            NeedRow(
                need=need,
                places=dispatch.places(need),
                going=going,
                waiting=int(getattr(need, "waiting", 0)),
                lone=need.in_pairs and going % 2 == 1,
                asked=asked,
            )
        )
    return rows


def reason_zones(alerts: Iterable[Alert]) -> set[int]:
    return {int(alert.reasons.get("zone") or 0) for alert in alerts} - {0}


def board_rows(user: User) -> list[IncidentRow]:
    """The open incidents, newest first, with their needs and people asked (a fixed number of queries)."""
    incidents = list(open_incidents(user))
    alerts = [alert for incident in incidents for alert in incident.alerts.all()]
    names = dispatch.zone_names(reason_zones(alerts)) if alerts else {}
    return [
        IncidentRow(incident, need_rows(incident.needs.all(), incident.alerts.all(), names)) for incident in incidents
    ]


# The board.


def board_page(request: HttpRequest, *, status: int = 200, failed: tuple[str, PlaceForm] | None = None) -> HttpResponse:
    user = signed_in(request)
    zones = list(network_zones())
    waiting = []
    for report in waiting_reports(user):
        ids = f"id_%s_{report.code}"
        form = PlaceForm(zones=zones, auto_id=ids, initial={"type": report.type})
        if failed is not None and failed[0] == report.code:
            form = failed[1]
        waiting.append((report, form))
    context = {"rows": board_rows(user), "waiting": waiting}
    return render(request, "incidents/board.html", context, status=status)


@require_GET
@never_cache
@permission(DISPATCH)
def board(request: HttpRequest) -> HttpResponse:
    """The open incidents and the reports waiting for a person; board.js keeps it fresh."""
    return board_page(request)


@require_POST
@permission(DISPATCH)
def place_report(request: HttpRequest, report: str) -> HttpResponse:
    """A report waiting for a person gets its zone and kind, and joins (or starts) an incident."""
    user = signed_in(request)
    found = access_report(user, report)
    form = PlaceForm(request.POST, auto_id=f"id_%s_{found.code}")
    if not form.is_valid():
        return board_page(request, status=400, failed=(found.code, form))
    try:
        incident = do_place_report(found, zone=form.chosen_zone(), type=form.cleaned_data["type"], by=user)
    except ValidationError as error:
        refuse_on(form, error)
        return board_page(request, status=400, failed=(found.code, form))
    except IncidentError as error:
        messages.error(request, error.message)
        return board_page(request, status=409)
    messages.success(
        request, _("Report %(report)s is in incident %(code)s.") % {"report": found.code, "code": incident.code}
    )
    return redirect("incidents:board")


@require_POST
@permission(DISPATCH)
def dismiss_report(request: HttpRequest, report: str) -> HttpResponse:
    """A report waiting for a person that is nothing (spam, a test): kept out of every incident."""
    user = signed_in(request)
    found = access_report(user, report)
    try:
        do_dismiss_report(found, by=user)
    except IncidentError as error:
        messages.error(request, error.message)
        return board_page(request, status=409)
    messages.success(request, _("Report %(report)s is dismissed.") % {"report": found.code})
    return redirect("incidents:board")


# An incident's page.


def answer_said(answer: str) -> str:
    """A responder's answer on the timeline, in the page's language."""
    return {"go": _("going"), "no": _("cannot go"), "undelivered": _("the alert was not delivered")}.get(answer, answer)


def actor_words(actor: str, me: str, people: dict[str, str]) -> str:
    """Who did it, in words: you, a dispatcher, a responder by display name, the system, or a report's source."""
    if actor == me:
        return _("you")
    if actor.startswith("user:"):
        return _("a dispatcher")
    if actor.startswith("person:"):
        return people.get(actor.removeprefix("person:"), _("a responder"))
    labels = {
        "web": _("public form"),
        "sms": _("text message"),
        "hotline": _("hotline call"),
        "api": _("API"),
    }
    return labels.get(actor, _("automatic"))


def state_label(value: object) -> str:
    return str(IncidentState(value).label) if value in IncidentState.values else str(value)


def entry_words(entry: Entry, names: dict[str, str]) -> str:
    """What a timeline entry says, in the page's language; `names`: alert codes to display names."""
    data = entry.data
    kind = entry.kind

    def who(code: object) -> str:
        return f"{names.get(str(code), '?')} ({code})"

    if kind == EntryKind.REPORT:
        return _("Report %(report)s came in (%(count)s in all).") % {
            "report": data.get("report"),
            "count": data.get("count"),
        }
    if kind == EntryKind.STATE:
        words = _("%(before)s → %(after)s") % {
            "before": state_label(data.get("before")),
            "after": state_label(data.get("after")),
        }
        if data.get("reason") == "stale":
            words += " " + _("(nobody confirmed it in time)")
        if data.get("into"):
            words += " " + _("(into %(code)s)") % {"code": data["into"]}
        return words
    if kind == EntryKind.NOTE and data.get("field") == "where":
        return _("Where to go changed.")
    if kind == EntryKind.ASKED:
        return _("Asked: %(people)s.") % {"people": ", ".join(who(code) for code in data.get("alerts", []))}
    if kind == EntryKind.ANSWER:
        answer = str(data.get("answer", ""))
        return f"{who(data.get('alert'))}: {answer_said(answer)}"
    if kind == EntryKind.FILLED:
        return _("A role is filled: %(going)s going.") % {"going": data.get("going")}
    if kind == EntryKind.RING:
        return _("Asked further out: %(ring)s zones away.") % {"ring": data.get("ring")}
    if kind == EntryKind.PAGED:
        return _("Dispatchers paged: %(missing)s people still missing.") % {"missing": data.get("missing")}
    if kind == EntryKind.ARRIVED:
        return _("%(who)s is on scene.") % {"who": who(data.get("alert"))}
    if kind == EntryKind.LEFT:
        return _("%(who)s left.") % {"who": who(data.get("alert"))}
    if kind == EntryKind.STOOD_DOWN:
        return _("%(told)s people told they are not needed.") % {"told": data.get("told")}
    if kind == EntryKind.MERGED:
        return _("Incident %(code)s merged into this one, with %(reports)s reports.") % {
            "code": data.get("merged"),
            "reports": data.get("reports"),
        }
    if kind == EntryKind.OUTCOME:
        return _("%(told)s reporters who asked to hear back were told: %(state)s.") % {
            "told": data.get("told"),
            "state": state_label(data.get("state")),
        }
    if kind == EntryKind.SPLIT and data.get("into"):
        return _("%(reports)s reports split out into incident %(code)s.") % {
            "code": data["into"],
            "reports": data.get("reports"),
        }
    if kind == EntryKind.SPLIT:
        return _("Split out of incident %(code)s, with %(reports)s reports.") % {
            "code": data.get("out_of"),
            "reports": data.get("reports"),
        }
    if kind in (EntryKind.WIDE, EntryKind.PURGE):
        return signoff_words(kind, data)
    return ""


def signoff_words(kind: str, data: dict[str, Any]) -> str:
    """A wide alert's or a purge's steps: asked, sent (to how many), refused, withdrawn, corrected."""
    count = data.get("recipients", 0)
    steps = {
        ("wide_alert", "asked"): _("A wide alert to %(zones)s for %(hours)s hours waits for a second signature."),
        ("wide_alert", "sent"): _("The wide alert was signed and sent to %(count)s subscribers."),
        ("wide_alert", "refused"): _("The wide alert was refused by a second person."),
        ("wide_alert", "withdrawn"): _("The wide alert was withdrawn."),
        ("wide_alert", "correction"): _("A correction went to the %(count)s subscribers the alert went to."),
        ("wide_alert", "all_clear"): _("The all clear went to the %(count)s subscribers the alert went to."),
        ("purge", "asked"): _("A coordinator asked to purge this incident: a second one must sign."),
        ("purge", "refused"): _("The purge was refused by a second coordinator."),
        ("purge", "withdrawn"): _("The purge was withdrawn."),
    }
    words = steps.get((kind, str(data.get("step"))), "")
    return words % {"zones": ", ".join(data.get("zones", [])), "hours": data.get("hours"), "count": count}


@dataclass
class Action:
    """One thing a dispatcher does on an incident's page: its form, the states it applies in, and the service."""

    form: type[forms.Form]
    states: tuple[str, ...]
    run: Callable[[Incident, dict[str, Any], User], str]


def verify(incident: Incident, data: dict[str, Any], by: User) -> str:
    do_start_verifying(incident, by=by)
    return _("Verifying: the nearest verifier on call is asked.")


def confirm(incident: Incident, data: dict[str, Any], by: User) -> str:
    do_confirm(incident, by=by, where=data["where"], note=data["note"])
    return _("Confirmed: responders are being asked.")


def false_alarm(incident: Incident, data: dict[str, Any], by: User) -> str:
    do_mark_false_alarm(incident, by=by, note=data["note"])
    return _("Marked a false alarm; anyone out is stood down.")


def unverified(incident: Incident, data: dict[str, Any], by: User) -> str:
    do_mark_unverified(incident, by=by, note=data["note"])
    return _("Marked as could not be verified; anyone out is stood down.")


def resolve(incident: Incident, data: dict[str, Any], by: User) -> str:
    do_resolve(incident, by=by, note=data["note"])
    return _("Resolved; everyone still out is stood down.")


def stand_down(incident: Incident, data: dict[str, Any], by: User) -> str:
    told = do_stand_down(incident, by=by)
    return _("Stood down: %(told)d people told.") % {"told": told}


def note(incident: Incident, data: dict[str, Any], by: User) -> str:
    do_add_note(incident, data["text"], by=by)
    return _("The note is on the timeline.")


def where(incident: Incident, data: dict[str, Any], by: User) -> str:
    do_set_where(incident, data["where"], by=by)
    return _("Where to go is saved: later alerts say it.")


def verification(incident: Incident, data: dict[str, Any], by: User) -> str:
    do_record_verification(incident, data["text"], actor=user_actor(by), by=by)
    return _("The verifier's account is on the timeline.")


def merge(incident: Incident, data: dict[str, Any], by: User) -> str:
    into = access_incident(by, data["into"])
    do_merge(incident, into, by=by)
    return _("Merged into incident %(code)s.") % {"code": into.code}


def split(incident: Incident, data: dict[str, Any], by: User) -> str:
    made = do_split(incident, data["reports"], by=by)
    return _("Split out into incident %(code)s.") % {"code": made.code}


ANY_STATE = tuple(IncidentState.values)
ACTIONS: dict[str, Action] = {
    "verify": Action(forms.Form, VERIFY_FROM, verify),
    "confirm": Action(ConfirmForm, CONFIRM_FROM, confirm),
    "false-alarm": Action(NoteForm, CLOSE_FROM, false_alarm),
    "unverified": Action(NoteForm, CLOSE_FROM, unverified),
    "resolve": Action(NoteForm, RESOLVE_FROM, resolve),
    "stand-down": Action(forms.Form, DISPATCHING_STATES, stand_down),
    "verification": Action(VerificationForm, OPEN_STATES, verification),
    "where": Action(WhereForm, OPEN_STATES, where),
    "note": Action(RequiredNoteForm, ANY_STATE, note),
    "merge": Action(MergeForm, OPEN_STATES, merge),
    "split": Action(SplitForm, OPEN_STATES, split),
}


def action_forms(incident: Incident, failed: tuple[str, forms.Form] | None) -> dict[str, forms.Form]:
    """The forms of the actions the incident's state allows, each with ids of its own."""
    found: dict[str, forms.Form] = {}
    for name, action in ACTIONS.items():
        if incident.state not in action.states:
            continue
        initial = {"where": incident.where} if name in ("where", "confirm") else None
        found[name] = action.form(auto_id=f"id_{name}_%s", initial=initial)
    if failed is not None:
        found[failed[0]] = failed[1]
    return found


def incident_page(
    request: HttpRequest,
    found: Incident,
    *,
    status: int = 200,
    failed: tuple[str, forms.Form] | None = None,
    wide_form: WideAlertForm | None = None,
) -> HttpResponse:
    user = signed_in(request)
    needs = found.needs.select_related("skill").annotate(
        going=Count("alerts", filter=Q(alerts__state__in=COUNTED)),
        waiting=Count("alerts", filter=Q(alerts__state=AlertState.ASKED)),
    )
    alerts = list(found.alerts.select_related("person").order_by("need_id", "rank", "pk"))
    names = dispatch.zone_names(reason_zones(alerts)) if alerts else {}
    rows = need_rows(needs, alerts, names)
    if found.state in DISPATCHING_STATES:
        for row in rows:
            if row.need.state == NeedState.OPEN:
                row.candidates = candidates_of(user, row.need)
    by_code = {alert.code: name_of(alert.person) for alert in alerts}
    people = {str(alert.person.uuid): name_of(alert.person) for alert in alerts}
    me = user_actor(user)
    timeline = [
        (entry, actor_words(entry.actor, me, people), entry_words(entry, by_code)) for entry in timeline_of(user, found)
    ]
    context = {
        "incident": found,
        "reports": list(reports_of(user, found)),
        "timeline": timeline,
        "rows": rows,
        # Keyed for the template ("stand-down" -> actions.stand_down); the URL names keep their hyphens.
        "actions": {name.replace("-", "_"): form for name, form in action_forms(found, failed).items()},
        "answer_form": AnswerForm(auto_id=False),
        **signoff_section(user, found, wide_form),
    }
    return render(request, "incidents/incident.html", context, status=status)


def candidates_of(user: User, need: Need) -> list[tuple[str, str]]:
    """The next people dispatch would ask for `need`, with why (display names only)."""
    ranked = dispatch.candidates(need)[:CANDIDATES_SHOWN]
    if not ranked:
        return []
    people = {person.pk: person for person in roster(user).filter(pk__in=[c.person_id for c in ranked])}
    names = dispatch.zone_names(c.zone_id for c in ranked)
    now = timezone.now()
    return [
        (name_of(people[c.person_id]), dispatch.reason_text(c.reasons(now), names))
        for c in ranked
        if c.person_id in people
    ]


@require_GET
@never_cache
@permission(DISPATCH)
def incident(request: HttpRequest, incident: str) -> HttpResponse:
    """One incident: its reports (viewing them is audited), timeline, needs, people asked, and the actions."""
    return incident_page(request, access_incident(signed_in(request), incident))


@require_POST
@permission(DISPATCH)
def act(request: HttpRequest, incident: str, action: str) -> HttpResponse:
    """One of the incident's actions (ACTIONS), through its service; 409 when the incident's state forbids it."""
    user = signed_in(request)
    found = access_incident(user, incident)
    chosen = ACTIONS[action]
    form = chosen.form(request.POST, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return incident_page(request, found, status=400, failed=(action, form))
    try:
        done = chosen.run(found, form.cleaned_data, user)
    except ValidationError as error:
        refuse_on(form, error)
        return incident_page(request, found, status=400, failed=(action, form))
    except IncidentError as error:
        messages.error(request, error.message)
        return incident_page(request, access_incident(user, incident), status=409)
    messages.success(request, done)
    return redirect("incidents:incident", found.code)


def answer_words(result: str) -> str:
    return {
        dispatch.Answer.GOING: _("Going: thank you."),
        dispatch.Answer.DECLINED: _("Cannot go: someone else is asked."),
        dispatch.Answer.COVERED: _("Covered already, thank you: no need to go."),
        dispatch.Answer.ALREADY: _("This answer was given already."),
        dispatch.Answer.OVER: _("This alert is over: no need to go."),
        dispatch.Answer.ARRIVED: _("On scene. Stay safe."),
        dispatch.Answer.LEFT: _("Left. Thank you for going."),
    }.get(result, result)


def answer(alert: Alert, value: str, *, actor: str = "") -> str:
    """GO, NO, ARRIVED or LEFT on `alert`, through dispatch; the result in words."""
    if value in ("go", "no"):
        return answer_words(dispatch.do_answer_alert(alert, going=value == "go", actor=actor, reply=True))
    return answer_words(dispatch.do_mark_arrived(alert, left=value == "left", actor=actor))


@require_POST
@permission(DISPATCH)
def answer_for(request: HttpRequest, incident: str, alert: str) -> HttpResponse:
    """A dispatcher records the answer of a responder who phoned: GO, NO, ARRIVED or LEFT."""
    user = signed_in(request)
    found = access_incident(user, incident)
    asked = access_alert(user, alert)
    if asked.incident_id != found.pk:
        return incident_page(request, found, status=400)
    form = AnswerForm(request.POST, auto_id=False)
    if not form.is_valid():
        messages.error(request, _("Choose going, cannot go, arrived or left."))
        return incident_page(request, found, status=400)
    done = answer(asked, form.cleaned_data["answer"], actor=user_actor(user))
    messages.success(request, f"{asked.code}: {done}")
    return redirect("incidents:incident", found.code)


# A responder's own alerts: the email's one-tap link, and their own page when signed in.


def buttons(alert: Alert) -> list[tuple[str, str]]:
    """The answers `alert` can take now: (value, label)."""
    found: list[tuple[str, str]] = []
    live = alert.incident.state in DISPATCHING_STATES and alert.need.state != NeedState.CANCELLED
    if live and alert.state in ANSWERABLE:
        found += [("go", _("GO: I am going")), ("no", _("NO: I cannot go"))]
    if alert.state == AlertState.GOING:
        found.append(("arrived", _("I have ARRIVED")))
    if alert.state in (AlertState.GOING, AlertState.ON_SCENE, AlertState.STOOD_DOWN):
        found.append(("left", _("I have LEFT")))
    return found


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def alert_link(request: HttpRequest, alert_token: str) -> HttpResponse:
    """An email alert's link: the alert and its buttons. GET changes nothing (link previewers); POST answers."""
    found = dispatch.alert_from_token(alert_token)
    if found is None:
        return render(request, "incidents/link_invalid.html", status=404)
    if request.method == "POST":
        form = AnswerForm(request.POST, auto_id=False)
        if not form.is_valid() or form.cleaned_data["answer"] not in dict(buttons(found)):
            messages.error(request, _("This answer cannot be given now."))
        else:
            messages.success(request, answer(found, form.cleaned_data["answer"]))
        return redirect(request.path)
    return render(request, "incidents/alert.html", {"alert": found, "buttons": buttons(found)})


@require_GET
@never_cache
@permission("authenticated")
def own_alerts(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own alerts on open incidents, with their buttons."""
    alerts = [(alert, buttons(alert)) for alert in my_alerts(signed_in(request))]
    return render(request, "incidents/my_alerts.html", {"alerts": alerts})


@require_POST
@permission("authenticated")
def own_answer(request: HttpRequest, alert: str) -> HttpResponse:
    """The signed-in person answers one of their own alerts (another's answers 404)."""
    found = access_alert(signed_in(request), alert)
    mine = {item.pk for item in my_alerts(signed_in(request))}
    if found.pk not in mine:
        return render(request, "incidents/link_invalid.html", status=404)
    form = AnswerForm(request.POST, auto_id=False)
    if not form.is_valid() or form.cleaned_data["answer"] not in dict(buttons(found)):
        messages.error(request, _("This answer cannot be given now."))
        return redirect("incidents:my-alerts")
    messages.success(request, f"{found.code}: {answer(found, form.cleaned_data['answer'])}")
    return redirect("incidents:my-alerts")


# What each incident type needs, and the hotline's settings.


def requirements_page(
    request: HttpRequest,
    *,
    status: int = 200,
    form: RequirementForm | None = None,
    hotline: HotlineForm | None = None,
) -> HttpResponse:
    found = list(Requirement.objects.select_related("skill").order_by("type", "skill__slug"))
    by_type = [(label, [item for item in found if item.type == value]) for value, label in IncidentType.choices]
    context = {
        "by_type": by_type,
        "form": form or RequirementForm(auto_id="id_requirement_%s"),
        "hotline": hotline or HotlineForm(instance=hotline_settings(), auto_id="id_hotline_%s"),
    }
    return render(request, "incidents/requirements.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@permission(REQUIREMENT_KEEPERS)
def requirements(request: HttpRequest) -> HttpResponse:
    """Per incident type: the skills it needs, how many, within how long, in pairs; add or change one."""
    user = signed_in(request)
    if request.method == "GET":
        return requirements_page(request)
    form = RequirementForm(request.POST, auto_id="id_requirement_%s")
    if not form.is_valid():
        return requirements_page(request, status=400, form=form)
    data = form.cleaned_data
    values = RequirementValues(data["type"], data["skill"], data["count"], data["within_minutes"], data["in_pairs"])
    try:
        do_set_requirement(values, by=user)
    except ValidationError as error:
        refuse_on(form, error)
        return requirements_page(request, status=400, form=form)
    messages.success(request, _("Saved: incidents confirmed from now on ask for it."))
    return redirect("incidents:requirements")


@require_POST
@permission(REQUIREMENT_KEEPERS)
def remove_requirement(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = RemoveRequirementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a requirement to remove."))
        return requirements_page(request, status=400)
    if do_remove_requirement(form.cleaned_data["type"], form.cleaned_data["skill"], by=user):
        messages.success(request, _("Removed: incidents confirmed from now on no longer ask for it."))
    return redirect("incidents:requirements")


@require_POST
@permission(REQUIREMENT_KEEPERS)
def hotline(request: HttpRequest) -> HttpResponse:
    """The hotline's timings and who can verify."""
    user = signed_in(request)
    form = HotlineForm(request.POST, instance=hotline_settings(), auto_id="id_hotline_%s")
    if not form.is_valid():
        return requirements_page(request, status=400, hotline=form)
    data = form.cleaned_data
    try:
        do_update_hotline(
            {name: data[name] for name in SETTINGS_FIELDS},
            list(data["verifier_skills"]),
            list(data["alert_lists"]),
            by=user,
        )
    except ValidationError as error:
        refuse_on(form, error)
        return requirements_page(request, status=400, hotline=form)
    messages.success(request, _("The hotline settings are saved."))
    return redirect(reverse("incidents:requirements") + "#hotline")
