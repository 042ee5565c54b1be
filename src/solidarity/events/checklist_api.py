"""The organisers' checklist in the JSON API, through the same services as the pages (events.checklist,
events.debrief): an action's steps with their state, ticking, owners, notes and lessons; the legal-observer
request and its text; the debrief training; the debrief and its report; the lessons copied into the network's
template, and the template itself.

An action is addressed by its code (or uuid), a step and a template step by their uuids. Members of the action's
working group read its checklist and report; its coordinators change them. To anyone else the action does not
exist (404). The template is kept by any working group's coordinators and the network's admins.

A refusal about the input is a 422 naming the field; one about the step's or the action's state a 409 with a
stable code. Messages are in the caller's language (Accept-Language).
"""

from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AwareDatetime, StrictBool, StrictInt

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.bilingual import text_of
from solidarity.core.permissions import Role, anywhere, owner_role
from solidarity.events.access import ORGANISERS, access_action, access_action_scoped
from solidarity.events.checklist import (
    DebriefSessionValues,
    ObserversValues,
    SeenStep,
    StepChanges,
    TemplateValues,
    checklist,
    chosen_steps,
    display_name,
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
    observers_request_text,
    observers_warning,
    owner_by_uuid,
    state_of,
    template_steps_now,
)
from solidarity.events.checklist_access import find_template_step, step_of, template_step_of
from solidarity.events.debrief import MAX_ENCOUNTERS, MAX_SPENT_CENTS, DebriefValues, do_record_debrief, report_of
from solidarity.events.models import NOTE_LENGTH, SHORT_TEXT, TEXT_LENGTH, Action, ChecklistStep, StepKind, TemplateStep

router = Router(tags=["events"])

ACTION_MEMBER = owner_role(Role.MEMBER, access=access_action_scoped, kwarg="action")
ACTION_ORGANISER = owner_role(*ORGANISERS, access=access_action_scoped, kwarg="action")
TEMPLATE_KEEPER = anywhere(Role.COORDINATOR, admins=True)
KINDS = "; ".join(f"{kind.value}: {kind.label}" for kind in StepKind)
KIND_HELP = f"What the step reads its state from ({KINDS}). manual and flyers steps are ticked by hand."


# What goes out.


class EventStepOut(Schema):
    """One step of an action's checklist, with its state as the organisers' page shows it."""

    id: UUID
    position: int
    kind: str = Field(description=KIND_HELP)
    title: str = Field(description="In the caller's language, else the other.")
    title_en: str
    title_es: str
    help: str = Field(description="How to do it, in the caller's language, else the other.")
    is_done: bool
    missing: str = Field(description="What is missing, in one line in the caller's language; empty when done.")
    path: str = Field(description="Where on this site to act on it (a path), or empty.")
    owner: UUID | None = Field(description="The account (a member of the action's group) who owns it.")
    owner_name: str = Field(description="Their display name; empty when nobody owns it yet.")
    note: str
    lesson: str = Field(description="A lesson for next time; organisers may copy it into the network's template.")
    done_at: datetime | None = Field(description="When a hand-ticked step was ticked.")
    done_by: UUID | None = Field(description="Who ticked it.")


class EventObserversOut(Schema):
    """The legal-observer request: its state and whom it went to. Observers' notes are never stored here."""

    state: str = Field(description="not_requested, requested or confirmed.")
    requested_from: str
    requested_on: date | None
    point_person: UUID | None
    point_person_name: str
    warning: str = Field(description="Set when the action starts within 72 hours and nothing is requested yet.")


class EventObserversTextOut(Schema):
    language: str
    text: str = Field(description="The minimal request to copy into an email to the lawyers' guild.")
    warning: str


class EventDebriefSessionOut(Schema):
    """The debrief and footage review: a training session of the action's group."""

    id: UUID
    title_en: str
    title_es: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    state: str


class EventTurnoutOut(Schema):
    role: str
    label: str
    signed_up: int = Field(description="Still signed up: not marked attended or a no-show.")
    attended: int
    no_show: int


class EventArrestCountOut(Schema):
    state: str
    count: int


class EventLessonOut(Schema):
    step: UUID
    title: str
    lesson: str


class EventDebriefOut(Schema):
    """The debrief report. Counts only: no patient names, no photos."""

    action: str = Field(description="The action's code.")
    debriefed_at: datetime | None
    medic_encounters: int | None
    other_spent_cents: int | None
    bail_paid_cents: int = Field(description="Criminal bail paid for the action's arrests.")
    spent_cents: int = Field(description="Bail paid plus other money spent.")
    spent: str = Field(description="The same, as the caller's language writes money.")
    no_shows: int
    turnout: list[EventTurnoutOut]
    arrests: list[EventArrestCountOut] = Field(description="Arrests by state, from the jail-support board.")
    lessons: str | None = Field(description="The organisers' lessons (for the action's coordinators; else null).")
    step_lessons: list[EventLessonOut]


class EventLessonsCopiedOut(Schema):
    copied: int = Field(description="How many lessons went into the template.")


class EventTemplateStepOut(Schema):
    id: UUID = Field(alias="uuid")
    position: int
    kind: str = Field(description=KIND_HELP)
    title_en: str
    title_es: str
    help_en: str
    help_es: str


# What comes in.


class EventStepPatch(Schema):
    """Only the fields sent change."""

    owner: UUID | None = Field(None, description="An account of the action's group (its `id`), or null for nobody.")
    note: str | None = Field(None, max_length=NOTE_LENGTH)
    lesson: str | None = Field(None, max_length=TEXT_LENGTH)


class EventObserversIn(Schema):
    """The whole record: confirmed, else requested once `requested_from` or `requested_on` is given."""

    requested_from: str = Field("", max_length=SHORT_TEXT, description="An organisation, such as a lawyers' guild.")
    requested_on: date | None = None
    point_person: UUID | None = Field(None, description="An account of the action's group.")
    confirmed: StrictBool = False


class EventDebriefSessionIn(Schema):
    starts_at: AwareDatetime = Field(description="After the action ends. It lasts two hours.")
    place: str = Field(max_length=SHORT_TEXT, description="A public place.")
    capacity: StrictInt = Field(30, ge=1, le=500)


class EventDebriefIn(Schema):
    medic_encounters: StrictInt | None = Field(None, ge=0, le=MAX_ENCOUNTERS, description="A count only.")
    other_spent_cents: StrictInt | None = Field(None, ge=0, le=MAX_SPENT_CENTS)
    lessons: str = Field("", max_length=TEXT_LENGTH, description="Kept encrypted. No names, no patient details.")


class EventLessonsCopyIn(Schema):
    steps: list[UUID] = Field(min_length=1, max_length=100, description="The checklist steps whose lessons to copy.")


class EventTemplateStepIn(Schema):
    kind: StepKind = StepKind.MANUAL
    title_en: str = Field("", max_length=SHORT_TEXT, description="At least one of `title_en` and `title_es`.")
    title_es: str = Field("", max_length=SHORT_TEXT)
    help_en: str = Field("", max_length=TEXT_LENGTH)
    help_es: str = Field("", max_length=TEXT_LENGTH)


class EventTemplateStepPatch(Schema):
    kind: StepKind | None = None
    title_en: str | None = Field(None, max_length=SHORT_TEXT)
    title_es: str | None = Field(None, max_length=SHORT_TEXT)
    help_en: str | None = Field(None, max_length=TEXT_LENGTH)
    help_es: str | None = Field(None, max_length=TEXT_LENGTH)


class EventTemplateMoveIn(Schema):
    position: StrictInt = Field(ge=0, le=10_000, description="0 is first; past the end is last.")


# Helpers.


def refused(error: ValidationError) -> ApiError:
    """A service's refusal: about a field, 422 naming it; about the state, 409 with its code."""
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        return ApiError(422, "invalid_input", next(iter(fields.values()))[0], fields)
    code = next((str(item.code) for item in error.error_list if item.code), "conflict")
    return ApiError(409, code, " ".join(error.messages))


def step_out(seen: SeenStep) -> EventStepOut:
    step = seen.step
    return EventStepOut(
        id=step.uuid,
        position=step.position,
        kind=step.kind,
        title=seen.title,
        title_en=step.title_en,
        title_es=step.title_es,
        help=seen.help,
        is_done=seen.state.done,
        missing=seen.state.missing,
        path=seen.state.path,
        owner=step.owner.uuid if step.owner else None,
        owner_name=seen.owner_name,
        note=step.note,
        lesson=step.lesson,
        done_at=step.done_at,
        done_by=step.done_by.uuid if step.done_by else None,
    )


def one_step(step: ChecklistStep) -> EventStepOut:
    return step_out(SeenStep(step, state_of(step)))


def observers_out(action: Action) -> EventObserversOut:
    return EventObserversOut(
        state=action.observers_state,
        requested_from=action.observers_from,
        requested_on=action.observers_requested_on,
        point_person=action.observers_point_person.uuid if action.observers_point_person else None,
        point_person_name=display_name(action.observers_point_person),
        warning=observers_warning(action),
    )


def organised(request: HttpRequest, action: str) -> tuple[User, Action]:
    user = signed_in(request)
    return user, access_action(user, action, *ORGANISERS)


STATE_409 = {
    409: {"description": "The step says itself whether it is done (`not_manual`): only manual and flyers are ticked."}
}


# The checklist.


@router.get("/actions/{action}/checklist", response=list[EventStepOut], summary="An action's checklist")
@paginate
@api_permission(ACTION_MEMBER)
def list_checklist(request: HttpRequest, action: str) -> list[EventStepOut]:
    """Each step in order, with whether it is done, what is missing and its owner."""
    found = access_action(signed_in(request), action)
    return [step_out(seen) for seen in checklist(found)]


@router.post(
    "/actions/{action}/checklist/{step}/done",
    response={200: EventStepOut, 409: ErrorOut},
    summary="Tick a checklist step: done",
    openapi_extra={"responses": STATE_409},
)
@api_permission(ACTION_ORGANISER)
def tick_step(request: HttpRequest, action: str, step: UUID) -> EventStepOut:
    """Records who ticked it and when; ticking a done step changes nothing."""
    user, found = organised(request, action)
    one = step_of(found, step)
    try:
        do_tick_step(one, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return one_step(step_of(found, step))


@router.post(
    "/actions/{action}/checklist/{step}/undone",
    response={200: EventStepOut, 409: ErrorOut},
    summary="Untick a checklist step: not done after all",
    openapi_extra={"responses": STATE_409},
)
@api_permission(ACTION_ORGANISER)
def untick_step(request: HttpRequest, action: str, step: UUID) -> EventStepOut:
    user, found = organised(request, action)
    one = step_of(found, step)
    try:
        do_untick_step(one, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return one_step(step_of(found, step))


@router.patch(
    "/actions/{action}/checklist/{step}", response=EventStepOut, summary="Change a step's owner, note, lesson"
)
@api_permission(ACTION_ORGANISER)
def update_step(request: HttpRequest, action: str, step: UUID, payload: EventStepPatch) -> EventStepOut:
    """Only the fields sent change; `owner: null` leaves the step without an owner."""
    user, found = organised(request, action)
    one = step_of(found, step)
    sent = payload.model_dump(exclude_unset=True)
    try:
        owner = owner_by_uuid(found, sent.get("owner")) if "owner" in sent else None
        changes = StepChanges(
            owner=owner,
            note=sent.get("note") or "",
            lesson=sent.get("lesson") or "",
            fields=frozenset(sent),
        )
        do_update_step(one, changes, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return one_step(step_of(found, step))


# The legal-observer request.


@router.get("/actions/{action}/legal-observers", response=EventObserversOut, summary="The legal-observer request")
@api_permission(ACTION_MEMBER)
def read_observers(request: HttpRequest, action: str) -> EventObserversOut:
    return observers_out(access_action(signed_in(request), action))


@router.put(
    "/actions/{action}/legal-observers", response=EventObserversOut, summary="Record the legal-observer request"
)
@api_permission(ACTION_ORGANISER)
def record_observers(request: HttpRequest, action: str, payload: EventObserversIn) -> EventObserversOut:
    """Whom it went to, when, the point person, confirmed. Never observers' notes: they stay with the lawyers."""
    user, found = organised(request, action)
    try:
        point = owner_by_uuid(found, payload.point_person, field="point_person")
        values = ObserversValues(payload.requested_from, payload.requested_on, point, payload.confirmed)
        do_record_observers(found, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return observers_out(found)


@router.get(
    "/actions/{action}/legal-observers/request-text",
    response=EventObserversTextOut,
    summary="The request to send a lawyers' guild",
)
@api_permission(ACTION_ORGANISER)
def observers_text(request: HttpRequest, action: str) -> EventObserversTextOut:
    """Point person, organisation, date, time, place and expected size, in the caller's language."""
    _user, found = organised(request, action)
    language = (translation.get_language() or "en")[:2]
    return EventObserversTextOut(
        language=language, text=observers_request_text(found, language), warning=observers_warning(found)
    )


# The debrief.


@router.post(
    "/actions/{action}/debrief-session",
    response={201: EventDebriefSessionOut, 409: ErrorOut},
    summary="Schedule the debrief and footage review as a training",
    openapi_extra={"responses": {409: {"description": "Scheduled already (`scheduled`), or the action is cancelled."}}},
)
@api_permission(ACTION_ORGANISER)
def schedule_debrief(
    request: HttpRequest, action: str, payload: EventDebriefSessionIn
) -> Status[EventDebriefSessionOut]:
    """A workshop of the action's group, "Debrief: <title>", after the action; the checklist's step is then done."""
    user, found = organised(request, action)
    try:
        do_schedule_debrief(found, DebriefSessionValues(payload.starts_at, payload.place, payload.capacity), by=user)
    except ValidationError as error:
        raise refused(error) from None
    session = found.debrief_session
    if session is None:  # pragma: no cover - the service set it
        raise ApiError(409, "conflict", "")
    out = EventDebriefSessionOut(
        id=session.uuid,
        title_en=session.title_en,
        title_es=session.title_es,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place=session.place,
        capacity=session.capacity,
        state=session.state,
    )
    return Status(201, out)


def debrief_out(action: Action, *, organiser: bool) -> EventDebriefOut:
    report = report_of(action)
    return EventDebriefOut(
        action=action.code,
        debriefed_at=action.debriefed_at,
        medic_encounters=action.medic_encounters,
        other_spent_cents=action.other_spent_cents,
        bail_paid_cents=report.bail_cents,
        spent_cents=report.spent_cents,
        spent=report.spent,
        no_shows=report.no_shows,
        turnout=[EventTurnoutOut(**row.__dict__) for row in report.turnout],
        arrests=[EventArrestCountOut(state=state, count=count) for state, count in report.arrest_counts],
        lessons=action.lessons if organiser else None,
        step_lessons=[
            EventLessonOut(step=step.uuid, title=text_of(step, "title"), lesson=step.lesson) for step in report.lessons
        ],
    )


@router.get("/actions/{action}/debrief", response=EventDebriefOut, summary="An action's debrief report")
@api_permission(ACTION_MEMBER)
def read_debrief(request: HttpRequest, action: str) -> EventDebriefOut:
    """Turnout by role, no-shows, medic encounters, arrests by state, money spent, the steps' lessons."""
    scoped = access_action_scoped(signed_in(request), action)
    return debrief_out(scoped.obj, organiser=scoped.has(*ORGANISERS))


@router.put(
    "/actions/{action}/debrief",
    response={200: EventDebriefOut, 409: ErrorOut},
    summary="Record an action's debrief",
    openapi_extra={"responses": {409: {"description": "The action has not started yet (`not_yet`)."}}},
)
@api_permission(ACTION_ORGANISER)
def record_debrief(request: HttpRequest, action: str, payload: EventDebriefIn) -> EventDebriefOut:
    """Medic encounters as a count only, other money spent, the lessons (encrypted)."""
    user, found = organised(request, action)
    values = DebriefValues(payload.medic_encounters, payload.other_spent_cents, payload.lessons)
    try:
        do_record_debrief(found, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return debrief_out(found, organiser=True)


@router.post(
    "/actions/{action}/lessons/copy",
    response={200: EventLessonsCopiedOut, 409: ErrorOut},
    summary="Copy the chosen steps' lessons into the network's template",
    openapi_extra={"responses": {409: {"description": "A template step's help would be too long (`too_long`)."}}},
)
@api_permission(ACTION_ORGANISER)
def copy_lessons(request: HttpRequest, action: str, payload: EventLessonsCopyIn) -> EventLessonsCopiedOut:
    """Each lesson joins the help of the template's matching step (by kind; a manual step by title); a step the
    template no longer has comes back as a new manual step. A lesson already there is not copied twice."""
    user, found = organised(request, action)
    try:
        copied = do_copy_lessons(found, chosen_steps(found, payload.steps), by=user)
    except ValidationError as error:
        raise refused(error) from None
    return EventLessonsCopiedOut(copied=copied)


# The network's template.


@router.get("/checklist-template", response=list[EventTemplateStepOut], summary="The network's checklist template")
@paginate
@api_permission(TEMPLATE_KEEPER)
def list_template(request: HttpRequest) -> list[TemplateStep]:
    """The steps every new action's checklist starts from, in order."""
    return template_steps_now()


@router.post("/checklist-template", response={201: EventTemplateStepOut}, summary="Add a step to the template")
@api_permission(TEMPLATE_KEEPER)
def add_template_step(request: HttpRequest, payload: EventTemplateStepIn) -> Status[TemplateStep]:
    """At the end; every action made from now on gets it."""
    try:
        made = do_add_template_step(TemplateValues(**payload.model_dump()), by=signed_in(request))
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, made)


@router.patch(
    "/checklist-template/{template_step}", response=EventTemplateStepOut, summary="Change a step of the template"
)
@api_permission(TEMPLATE_KEEPER)
def update_template_step(request: HttpRequest, template_step: UUID, payload: EventTemplateStepPatch) -> TemplateStep:
    found = template_step_of(template_step)
    names = ("kind", "title_en", "title_es", "help_en", "help_es")
    current = {name: getattr(found, name) for name in names}
    changes = {name: value for name, value in payload.model_dump(exclude_unset=True).items() if value is not None}
    try:
        do_update_template_step(found, TemplateValues(**(current | changes)), by=signed_in(request))
    except ValidationError as error:
        raise refused(error) from None
    return found


@router.delete("/checklist-template/{template_step}", response={204: None}, summary="Remove a step from the template")
@api_permission(TEMPLATE_KEEPER)
def remove_template_step(request: HttpRequest, template_step: UUID) -> Status[None]:
    """Checklists made already keep it. Removing a step that is not (or no longer) there changes nothing."""
    found = find_template_step(template_step)
    if found is not None:
        do_remove_template_step(found, by=signed_in(request))
    return Status(204, None)


@router.post(
    "/checklist-template/{template_step}/move",
    response=list[EventTemplateStepOut],
    summary="Move a step of the template",
)
@api_permission(TEMPLATE_KEEPER)
def move_template_step(request: HttpRequest, template_step: UUID, payload: EventTemplateMoveIn) -> list[TemplateStep]:
    """The whole template in its new order."""
    return do_move_template_step(template_step_of(template_step), payload.position, by=signed_in(request))
