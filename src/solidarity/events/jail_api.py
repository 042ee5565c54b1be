"""Jail support in the JSON API, through the same services as the pages (events.jail):

- `/actions/{action}/arrests`: the board (its coordinators, its jail-support leads, whoever holds a jail-support
  sign-up); an arrest by its id under it: read, change, `advance` (one step forward), `bail` (ask the medical and
  legal fund for a criminal bail), `bail/withdraw`, `end-support`. Every read of the board is audited.
- `/actions/{action}/arrest-plan`: the caller's own arrest plan (get, put, delete), until the action ends.
- `/actions/{action}/arrest-plans`: every plan of the action, for its jail-support leads only (audited).
- `/actions/{action}/jail-leads`: who the leads are (at most two), named by its coordinators.

An arrest is keyed by a support name, never a legal name. Criminal bail (fianza penal) is kept apart from
immigration bond. To anyone the board is not for, it does not exist (404). A refusal about the input is a 422
naming the field; about the arrest's or the action's state, a 409 with a stable code.
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AwareDatetime, StrictBool

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.bond_models import BondRequest
from solidarity.core.permissions import Role, owner_role
from solidarity.events.access import access_action, access_action_scoped
from solidarity.events.jail import (
    MAX_LEADS,
    ArrestValues,
    PlanValues,
    bail_of,
    do_advance_arrest,
    do_delete_plan,
    do_end_support,
    do_link_plan,
    do_record_arrest,
    do_request_bail,
    do_save_plan,
    do_set_jail_leads,
    do_update_arrest,
    do_withdraw_bail,
    is_open_for_plans,
)
from solidarity.events.jail_access import (
    JAIL_BOARD,
    PARTICIPANT,
    PLAN_READERS,
    access_arrest,
    access_board,
    access_board_scoped,
    access_participant_scoped,
    accounts_by_id,
    has_linked_plan,
    is_lead,
    linked_arrest,
    on_board,
    own_plan,
    plan_of,
    read_plans,
)
from solidarity.events.models import NOTE_LENGTH, SHORT_TEXT, TITLE_LENGTH, Action, Arrest, ArrestPlan

router = Router(tags=["events"])

ORGANISER = owner_role(Role.COORDINATOR, access=access_action_scoped, kwarg="action")
MAX_CENTS = 100_000_000  # a million: under 2**31
STATE_CODES = ("support_ended", "released", "not_released", "bail_live", "action_over")

ArrestStateName = Literal["arrested", "located", "arraigned", "released"]
BailStateName = Literal["requested", "picked_up", "paid", "withdrawn"]


def conflicts(*codes: str) -> dict[str, object]:
    return {"responses": {409: {"description": "The state refuses it: " + ", ".join(f"`{c}`" for c in codes) + "."}}}


# What goes out.


class EventBailOut(Schema):
    """A criminal bail request (fianza penal) handed to the medical and legal fund: never an immigration bond."""

    id: UUID
    cents: int = Field(description="The amount, in cents.")
    currency: str
    state: BailStateName = Field(description="requested; picked_up (by the fund); paid; withdrawn.")
    requested_at: datetime
    paid_at: datetime | None
    withdrawn_at: datetime | None


class EventArrestOut(Schema):
    id: UUID
    action: str = Field(description="The action's code.")
    support_name: str = Field(description="What the team calls them: never a legal name.")
    state: ArrestStateName = Field(description="arrested -> located -> arraigned -> released, forward only.")
    where: str = Field(description="Where they are held, once located.")
    needs_ride: bool
    needs_medicine: bool
    needs_call: bool = Field(description="A phone call to make for them.")
    note: str
    arrested_at: datetime
    released_at: datetime | None
    support_ended_at: datetime | None
    bail: EventBailOut | None = Field(description="The latest criminal bail request, if any.")
    has_plan: bool | None = Field(description="Their arrest plan is linked (told to the leads only; else null).")


class EventArrestPlanOut(Schema):
    id: UUID
    action: str = Field(description="The action's code.")
    support_name: str
    who_to_call: str
    medication: str
    pets_and_car: str
    bail_wishes: str
    arrest: UUID | None = Field(description="The arrest it is linked to (for the leads; null in one's own).")
    updated_at: datetime


class EventOwnArrestPlanOut(Schema):
    plan: EventArrestPlanOut | None = Field(description="Null: no plan (yet).")
    may_change: bool = Field(description="The action is not over and the caller has a person record.")


class EventJailLeadOut(Schema):
    id: UUID
    username: str


class EventJailLeadsOut(Schema):
    items: list[EventJailLeadOut]
    count: int


# What comes in.


class EventArrestFilters(Schema):
    ended: bool = Field(False, description="true: the arrests whose support ended (kept 30 days by name).")


class EventArrestIn(Schema):
    support_name: str = Field(max_length=TITLE_LENGTH, description="Never a legal name.")
    arrested_at: AwareDatetime
    needs_ride: StrictBool = False
    needs_medicine: StrictBool = False
    needs_call: StrictBool = False
    note: str = Field("", max_length=NOTE_LENGTH)
    plan: UUID | None = Field(None, description="Their arrest plan to link (the leads only).")


class EventArrestPatch(Schema):
    """Only the fields sent change."""

    support_name: str | None = Field(None, max_length=TITLE_LENGTH)
    arrested_at: AwareDatetime | None = None
    where: str | None = Field(None, max_length=SHORT_TEXT, description="Once located.")
    needs_ride: StrictBool | None = None
    needs_medicine: StrictBool | None = None
    needs_call: StrictBool | None = None
    note: str | None = Field(None, max_length=NOTE_LENGTH)
    plan: UUID | None = Field(None, description="Link their arrest plan (the leads only).")


class EventArrestAdvanceIn(Schema):
    where: str = Field("", max_length=SHORT_TEXT, description="Required to become located: where they are held.")


class EventBailIn(Schema):
    cents: int = Field(ge=100, le=MAX_CENTS, description="The criminal bail, in cents.")
    payer_note: str = Field("", max_length=NOTE_LENGTH, description="Where and whom to pay; encrypted.")


class EventArrestPlanIn(Schema):
    support_name: str = Field(max_length=TITLE_LENGTH, description="Never a legal name.")
    who_to_call: str = Field("", max_length=NOTE_LENGTH)
    medication: str = Field("", max_length=NOTE_LENGTH)
    pets_and_car: str = Field("", max_length=NOTE_LENGTH)
    bail_wishes: str = Field("", max_length=NOTE_LENGTH)


class EventJailLeadsIn(Schema):
    leads: list[UUID] = Field(max_length=MAX_LEADS, description="The accounts' ids, at most two.")


# Helpers.


def refused(error: ValidationError) -> ApiError:
    if hasattr(error, "error_dict"):
        fields = dict(error.message_dict)
        return ApiError(422, "invalid_input", next(iter(fields.values()))[0], fields)
    codes = [str(item.code) for item in error.error_list]
    code = next((each for each in codes if each in STATE_CODES), "conflict")
    return ApiError(409, code, " ".join(error.messages))


def bail_out(request: BondRequest | None) -> EventBailOut | None:
    if request is None:
        return None
    return EventBailOut(
        id=request.uuid,
        cents=int(request.amount * 100),
        currency=request.currency,
        state=request.state,  # type: ignore[arg-type]  # a BondRequestState value, as stored
        requested_at=request.created_at,
        paid_at=request.paid_at,
        withdrawn_at=request.withdrawn_at,
    )


def arrest_out(arrest: Arrest, *, lead: bool) -> EventArrestOut:
    return EventArrestOut(
        id=arrest.uuid,
        action=arrest.action.code,
        support_name=str(arrest.support_name),
        state=arrest.state,  # type: ignore[arg-type]  # an ArrestState value, as stored
        where=str(arrest.where),
        needs_ride=arrest.needs_ride,
        needs_medicine=arrest.needs_medicine,
        needs_call=arrest.needs_call,
        note=str(arrest.note),
        arrested_at=arrest.arrested_at,
        released_at=arrest.released_at,
        support_ended_at=arrest.support_ended_at,
        bail=bail_out(bail_of(arrest)),
        has_plan=has_linked_plan(arrest) if lead else None,
    )


def plan_out(plan: ArrestPlan, action: Action, *, lead: bool) -> EventArrestPlanOut:
    arrest = linked_arrest(plan) if lead else None
    return EventArrestPlanOut(
        id=plan.uuid,
        action=action.code,
        support_name=str(plan.support_name),
        who_to_call=str(plan.who_to_call),
        medication=str(plan.medication),
        pets_and_car=str(plan.pets_and_car),
        bail_wishes=str(plan.bail_wishes),
        arrest=arrest,
        updated_at=plan.updated_at,
    )


def one_arrest(request: HttpRequest, action: str, arrest: UUID) -> tuple[User, Arrest]:
    user = signed_in(request)
    return user, access_arrest(user, action, arrest)


def answer(user: User, arrest: Arrest) -> EventArrestOut:
    arrest.refresh_from_db()
    return arrest_out(arrest, lead=is_lead(user, arrest.action))


def chosen_plan(user: User, action: Action, plan: UUID | None) -> ArrestPlan | None:
    """A plan a lead names to link; 422 for anyone else, or a plan not of the action."""
    if plan is None:
        return None
    if not is_lead(user, action):
        message = _("Only the action's jail-support leads link arrest plans.")
        raise ApiError(422, "invalid_input", message, {"plan": [message]})
    try:
        return plan_of(user, action, plan)
    except Http404:
        message = _("No such arrest plan for this action.")
        raise ApiError(422, "invalid_input", message, {"plan": [message]}) from None


# The board.


@router.get("/actions/{action}/arrests", response=list[EventArrestOut], summary="An action's jail-support board")
@paginate
@api_permission(JAIL_BOARD)
def list_arrests(request: HttpRequest, action: str, filters: Query[EventArrestFilters]) -> list[EventArrestOut]:
    """The arrests whose support has not ended (or, `ended=true`, those whose support ended), oldest first.
    For the action's coordinators, its jail-support leads and whoever holds a jail-support sign-up; audited."""
    user = signed_in(request)
    scoped = access_board(user, action)
    found = scoped.obj
    rows = (
        found.arrests.filter(support_ended_at__isnull=False).order_by("arrested_at", "pk")
        if filters.ended
        else on_board(found)
    )
    lead = Role.JAIL_SUPPORT_LEAD in scoped.roles
    for row in rows:
        row.action = found
    return [arrest_out(row, lead=lead) for row in rows]


@router.post("/actions/{action}/arrests", response={201: EventArrestOut}, summary="Record an arrest")
@api_permission(JAIL_BOARD)
def create_arrest(request: HttpRequest, action: str, payload: EventArrestIn) -> Status[EventArrestOut]:
    """By a support name, never a legal name. A lead may link the person's arrest plan (`plan`)."""
    user = signed_in(request)
    found = access_board_scoped(user, action).obj
    plan = chosen_plan(user, found, payload.plan)
    values = ArrestValues(**payload.model_dump(exclude={"plan"}))
    try:
        made = do_record_arrest(found, values, by=user, plan=plan)
    except ValidationError as error:
        raise refused(error) from None
    made.action = found
    return Status(201, answer(user, made))


@router.get("/actions/{action}/arrests/{arrest}", response=EventArrestOut, summary="An arrest on the board")
@api_permission(JAIL_BOARD)
def read_arrest(request: HttpRequest, action: str, arrest: UUID) -> EventArrestOut:
    user = signed_in(request)
    access_board(user, action)
    user, found = one_arrest(request, action, arrest)
    return answer(user, found)


@router.patch(
    "/actions/{action}/arrests/{arrest}",
    response={200: EventArrestOut, 409: ErrorOut},
    summary="Change what the board says of an arrest",
    openapi_extra=conflicts("support_ended"),
)
@api_permission(JAIL_BOARD)
def update_arrest(request: HttpRequest, action: str, arrest: UUID, payload: EventArrestPatch) -> EventArrestOut:
    user, found = one_arrest(request, action, arrest)
    changes = payload.model_dump(exclude_unset=True)
    plan = chosen_plan(user, found.action, changes.pop("plan", None))
    names = ("support_name", "arrested_at", "where", "needs_ride", "needs_medicine", "needs_call", "note")
    current = {name: getattr(found, name) for name in names}
    values = ArrestValues(**(current | {name: value for name, value in changes.items() if value is not None}))
    try:
        do_update_arrest(found, values, by=user)
        if plan is not None:
            do_link_plan(found, plan, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return answer(user, found)


@router.post(
    "/actions/{action}/arrests/{arrest}/advance",
    response={200: EventArrestOut, 409: ErrorOut},
    summary="Move an arrest one step forward",
    openapi_extra=conflicts("released", "support_ended"),
)
@api_permission(JAIL_BOARD)
def advance_arrest(request: HttpRequest, action: str, arrest: UUID, payload: EventArrestAdvanceIn) -> EventArrestOut:
    """arrested -> located (`where` required) -> arraigned -> released; never back."""
    user, found = one_arrest(request, action, arrest)
    try:
        do_advance_arrest(found, by=user, where=payload.where)
    except ValidationError as error:
        raise refused(error) from None
    return answer(user, found)


@router.post(
    "/actions/{action}/arrests/{arrest}/bail",
    response={200: EventArrestOut, 409: ErrorOut},
    summary="Ask the medical and legal fund for a criminal bail",
    openapi_extra=conflicts("bail_live", "released", "support_ended"),
)
@api_permission(JAIL_BOARD)
def request_arrest_bail(request: HttpRequest, action: str, arrest: UUID, payload: EventBailIn) -> EventArrestOut:
    """Criminal bail (fianza penal), kept apart from immigration bond: the fund picks the request up as a waiting
    payment of category bail. One live request at a time."""
    user, found = one_arrest(request, action, arrest)
    try:
        do_request_bail(found, Decimal(payload.cents) / 100, payer_note=payload.payer_note, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return answer(user, found)


@router.post(
    "/actions/{action}/arrests/{arrest}/bail/withdraw",
    response={200: EventArrestOut, 409: ErrorOut},
    summary="Withdraw an arrest's criminal bail request",
    openapi_extra=conflicts("no_bail_request"),
)
@api_permission(JAIL_BOARD)
def withdraw_arrest_bail(request: HttpRequest, action: str, arrest: UUID) -> EventArrestOut:
    """Not once paid."""
    user, found = one_arrest(request, action, arrest)
    if not do_withdraw_bail(found, by=user):
        raise ApiError(409, "no_bail_request", _("There is no open criminal bail request to withdraw."))
    return answer(user, found)


@router.post(
    "/actions/{action}/arrests/{arrest}/end-support",
    response={200: EventArrestOut, 409: ErrorOut},
    summary="End a released person's support",
    openapi_extra=conflicts("not_released", "support_ended"),
)
@api_permission(JAIL_BOARD)
def end_arrest_support(request: HttpRequest, action: str, arrest: UUID) -> EventArrestOut:
    """Off the board; their arrest plan is deleted at once and a live bail request withdrawn; the support name,
    note and where go 30 days later."""
    user, found = one_arrest(request, action, arrest)
    try:
        ended = do_end_support(found, by=user)
    except ValidationError as error:
        raise refused(error) from None
    if not ended:
        raise ApiError(409, "support_ended", _("Their support has ended."))
    return answer(user, found)


# Arrest plans.


@router.get("/actions/{action}/arrest-plan", response=EventOwnArrestPlanOut, summary="My arrest plan for an action")
@api_permission(PARTICIPANT)
def read_own_arrest_plan(request: HttpRequest, action: str) -> EventOwnArrestPlanOut:
    """The caller's own plan (`plan` null when none). Only the action's jail-support leads read anyone's plan."""
    user = signed_in(request)
    found = access_participant_scoped(user, action).obj
    person, plan = own_plan(user, found)
    return EventOwnArrestPlanOut(
        plan=plan_out(plan, found, lead=False) if plan else None,
        may_change=person is not None and is_open_for_plans(found),
    )


@router.put(
    "/actions/{action}/arrest-plan",
    response={200: EventOwnArrestPlanOut, 409: ErrorOut},
    summary="Fill in or change my arrest plan",
    openapi_extra=conflicts("action_over", "no_person_record"),
)
@api_permission(PARTICIPANT)
def put_own_arrest_plan(request: HttpRequest, action: str, payload: EventArrestPlanIn) -> EventOwnArrestPlanOut:
    """Encrypted; readable only by the action's two jail-support leads; deleted a day after the action unless the
    person was arrested. Needs a person record (`no_person_record`)."""
    user = signed_in(request)
    found = access_participant_scoped(user, action).obj
    person, _plan = own_plan(user, found)
    if person is None:
        raise ApiError(409, "no_person_record", _("An arrest plan belongs to a person record, and yours is missing."))
    try:
        saved = do_save_plan(found, person, PlanValues(**payload.model_dump()), by=user)
    except ValidationError as error:
        raise refused(error) from None
    return EventOwnArrestPlanOut(plan=plan_out(saved, found, lead=False), may_change=True)


@router.delete(
    "/actions/{action}/arrest-plan",
    response={204: None, 409: ErrorOut},
    summary="Delete my arrest plan",
    openapi_extra=conflicts("action_over", "no_person_record"),
)
@api_permission(PARTICIPANT)
def delete_own_arrest_plan(request: HttpRequest, action: str) -> Status[None]:
    """Until the action ends; deleting none is no error."""
    user = signed_in(request)
    found = access_participant_scoped(user, action).obj
    person, plan = own_plan(user, found)
    if person is None:
        raise ApiError(409, "no_person_record", _("An arrest plan belongs to a person record, and yours is missing."))
    if plan is not None:
        plan.action = found
        try:
            do_delete_plan(plan, by=user)
        except ValidationError as error:
            raise refused(error) from None
    return Status(204, None)


@router.get(
    "/actions/{action}/arrest-plans", response=list[EventArrestPlanOut], summary="An action's arrest plans (leads)"
)
@paginate
@api_permission(PLAN_READERS)
def list_arrest_plans(request: HttpRequest, action: str) -> list[EventArrestPlanOut]:
    """For the action's named jail-support leads only (not its coordinators): every read is audited."""
    found, plans = read_plans(signed_in(request), action, "api")
    return [plan_out(plan, found, lead=True) for plan in plans]


# Leads.


def leads_out(action: Action) -> EventJailLeadsOut:
    leads = [EventJailLeadOut(id=lead.uuid, username=lead.username) for lead in action.jail_leads.order_by("username")]
    return EventJailLeadsOut(items=leads, count=len(leads))


@router.get("/actions/{action}/jail-leads", response=EventJailLeadsOut, summary="An action's jail-support leads")
@api_permission(ORGANISER)
def read_jail_leads(request: HttpRequest, action: str) -> EventJailLeadsOut:
    return leads_out(access_action(signed_in(request), action, Role.COORDINATOR))


@router.put("/actions/{action}/jail-leads", response=EventJailLeadsOut, summary="Name an action's jail-support leads")
@api_permission(ORGANISER)
def put_jail_leads(request: HttpRequest, action: str, payload: EventJailLeadsIn) -> EventJailLeadsOut:
    """At most two members of the network (in the action's group or not), each with a second factor. They alone
    read the arrest plans."""
    user = signed_in(request)
    found = access_action(user, action, Role.COORDINATOR)
    wanted = accounts_by_id(payload.leads)
    if len(wanted) != len(set(payload.leads)):
        message = _("No account has this id.")
        raise ApiError(422, "invalid_input", message, {"leads": [message]})
    try:
        do_set_jail_leads(found, wanted, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return leads_out(found)
