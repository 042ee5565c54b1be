"""Family-support cases for scripts: what a case's page does (incidents.case_access says who sees what).

A case is addressed by its code (`/cases/{case}`); its needs, tasks and hearings by their ids; a team
member by their account's uuid. Only the case's team reads or changes it: to anyone else it does not
exist (404), dispatchers included. Every answer that shows a case is written in the audit log as a view
of it. A dispatcher opens a case from an incident (`POST /incidents/{incident}/cases`).

A closed case, or a bond a fund is paying, is a 409 with its code; a value a service refuses, a 422
naming the field. No field asks for anyone's immigration status.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.bond_models import BondRequest
from solidarity.incidents import cases
from solidarity.incidents.access import access_incident
from solidarity.incidents.api import Code, answered
from solidarity.incidents.case_access import (
    CASE_WORK,
    access_case,
    item_of,
    my_cases,
    team_candidates,
    team_of,
    view_case,
)
from solidarity.incidents.case_models import IDENTIFIERS, NAME_TEXT, Case, CaseNeed, CaseNote, CaseTask, Hearing
from solidarity.incidents.models import LONG_TEXT, SHORT_TEXT
from solidarity.incidents.timeline import DISPATCH

router = Router(tags=["cases"])

CaseStateName = Literal["open", "closed"]
NeedKindName = Literal["legal", "bond", "childcare", "transport", "food", "car", "child", "other"]
BondStatusName = Literal["unknown", "set", "no_hearing", "denied"]
HearingKindName = Literal["bond", "master", "individual", "habeas", "other"]
BondStateName = Literal["requested", "picked_up", "paid", "withdrawn"]
Language = Literal["en", "es"]


def date_text(value: object) -> object:
    """A date comes as ISO 8601 text ("2031-05-09"): pydantic would read a number as a Unix time."""
    if not isinstance(value, str | date):
        raise ValueError("give a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(date_text)]

CLOSED = {
    "responses": {
        409: {
            "description": "The case is closed (`closed`), a fund is paying its bond (`bond_in_progress`), or the "
            "change is not possible now (the service's own code)."
        }
    }
}


# What goes out.


class ById(Schema):
    id: UUID

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        found: UUID = obj.uuid  # URLs and answers carry uuids, never database keys
        return found


class CaseSummaryOut(Schema):
    code: str
    state: CaseStateName
    incident: str | None = Field(description="The code of the incident it was opened from; null once purged.")
    bond_status: BondStatusName
    opened_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_incident(obj: Case) -> str | None:
        return obj.incident.code if obj.incident else None


class CaseNeedOut(ById):
    kind: NeedKindName
    details: str
    state: Literal["open", "met"]
    created_at: datetime
    met_at: datetime | None

    @staticmethod
    def resolve_details(obj: CaseNeed) -> str:
        return str(obj.details)


class CaseTaskOut(ById):
    text: str
    assignee: UUID | None = Field(description="The uuid of the team member who does it; null: nobody yet.")
    due_on: date | None
    is_done: bool
    done_at: datetime | None

    @staticmethod
    def resolve_text(obj: CaseTask) -> str:
        return str(obj.text)

    @staticmethod
    def resolve_assignee(obj: CaseTask) -> UUID | None:
        return obj.assignee.uuid if obj.assignee else None


class CaseNoteOut(ById):
    text: str
    author: UUID | None
    at: datetime

    @staticmethod
    def resolve_text(obj: CaseNote) -> str:
        return str(obj.text)

    @staticmethod
    def resolve_author(obj: CaseNote) -> UUID | None:
        return obj.author.uuid if obj.author else None


class HearingOut(ById):
    kind: HearingKindName
    on: date
    note: str

    @staticmethod
    def resolve_note(obj: Hearing) -> str:
        return str(obj.note)


class BondRequestOut(ById):
    amount: Decimal
    currency: str
    due_on: date | None
    state: BondStateName = Field(description="`picked_up`: a fund is paying it.")
    created_at: datetime
    picked_up_at: datetime | None
    paid_at: datetime | None
    withdrawn_at: datetime | None


class CaseMemberOut(ById):
    username: str


class IdentifiersOut(Schema):
    """To find the detained person: only in the case, erased when it closes."""

    a_number: str
    name_on_record: str
    country_of_birth: str
    booking_number: str


class LegalPathOut(Schema):
    held_at: str
    bond_status: BondStatusName = Field(
        description="`no_hearing` or `denied`: no bond to pay; the path is a lawyer's habeas petition."
    )
    bond_amount: Decimal | None
    referral_to: str
    referred_on: date | None
    referral_note: str


class CaseOut(CaseSummaryOut):
    for_whom: str = Field(description="A first name or a pseudonym the family chose.")
    language: Language
    contact: str
    legal_path: LegalPathOut
    identifiers: IdentifiersOut
    needs: list[CaseNeedOut]
    tasks: list[CaseTaskOut]
    notes: list[CaseNoteOut]
    hearings: list[HearingOut]
    bond_requests: list[BondRequestOut]
    team: list[CaseMemberOut]

    @staticmethod
    def resolve_for_whom(obj: Case) -> str:
        return str(obj.for_whom)

    @staticmethod
    def resolve_contact(obj: Case) -> str:
        return str(obj.contact)

    @staticmethod
    def resolve_legal_path(obj: Case) -> LegalPathOut:
        return LegalPathOut(
            held_at=str(obj.held_at),
            bond_status=obj.bond_status,  # type: ignore[arg-type]  # a BondStatus value
            bond_amount=obj.bond_amount,
            referral_to=str(obj.referral_to),
            referred_on=obj.referred_on,
            referral_note=str(obj.referral_note),
        )

    @staticmethod
    def resolve_identifiers(obj: Case) -> IdentifiersOut:
        return IdentifiersOut(**{name: str(getattr(obj, name)) for name in IDENTIFIERS})

    @staticmethod
    def resolve_needs(obj: Case) -> list[CaseNeed]:
        return list(obj.needs.all())

    @staticmethod
    def resolve_tasks(obj: Case) -> list[CaseTask]:
        return list(obj.tasks.select_related("assignee"))

    @staticmethod
    def resolve_notes(obj: Case) -> list[CaseNote]:
        return list(obj.notes.select_related("author"))

    @staticmethod
    def resolve_hearings(obj: Case) -> list[Hearing]:
        return list(obj.hearings.all())

    @staticmethod
    def resolve_bond_requests(obj: Case) -> list[BondRequest]:
        return cases.bond_requests(obj)

    @staticmethod
    def resolve_team(obj: Case) -> list[User]:
        return list(team_of(obj))


# What comes in.


class CaseIn(Schema):
    for_whom: str = Field(min_length=1, max_length=NAME_TEXT, description="A first name or a pseudonym.")
    language: Language = "es"
    contact: str = Field("", max_length=SHORT_TEXT, description="Optional: how to reach the family.")


class CaseNeedIn(Schema):
    kind: NeedKindName
    details: str = Field("", max_length=LONG_TEXT)


class CaseTaskIn(Schema):
    text: str = Field(min_length=1, max_length=LONG_TEXT)
    assignee: UUID | None = Field(None, description="A team member's uuid.")
    due_on: IsoDate | None = None


class CaseNoteIn(Schema):
    text: str = Field(min_length=1, max_length=LONG_TEXT)


class LegalPathIn(Schema):
    """The whole legal path: what is not sent is emptied."""

    held_at: str = Field("", max_length=SHORT_TEXT)
    bond_status: BondStatusName = "unknown"
    bond_amount: Decimal | None = Field(None, ge=1, max_digits=10, decimal_places=2, description="With `set`.")
    referral_to: str = Field("", max_length=SHORT_TEXT)
    referred_on: IsoDate | None = None
    referral_note: str = Field("", max_length=LONG_TEXT)


class HearingIn(Schema):
    kind: HearingKindName
    on: IsoDate
    note: str = Field("", max_length=LONG_TEXT)


class IdentifiersIn(Schema):
    """All four: what is not sent is emptied."""

    a_number: str = Field("", max_length=20, description="8 or 9 digits, with or without `A` and dashes.")
    name_on_record: str = Field("", max_length=cases.IDENTIFIER_TEXT)
    country_of_birth: str = Field("", max_length=cases.IDENTIFIER_TEXT)
    booking_number: str = Field("", max_length=cases.IDENTIFIER_TEXT)


class CaseMemberIn(Schema):
    user: UUID = Field(description="The uuid of an account holding the dispatcher or case-worker role.")


class BondRequestIn(Schema):
    due_on: IsoDate | None = None
    payer_note: str = Field("", max_length=LONG_TEXT, description="Where and whom to pay; empty: taken from the case.")


# Building answers.


def case_out(case: Case) -> CaseOut:
    return CaseOut.model_validate(case)


def fresh(user: User, case: Case) -> CaseOut:
    """The case as it is now (a service changed it): a view of it, audited."""
    found = view_case(user, case.code)
    found.refresh_from_db()
    return case_out(found)


def account(case: Case, wanted: UUID, *, candidates: bool) -> User:
    found = (team_candidates() if candidates else team_of(case)).filter(uuid=wanted).first()
    if found is None:
        message = _("Nobody who works cases has this id.") if candidates else _("Nobody on the team has this id.")
        raise ApiError(422, "invalid_input", message, {"user": [message]})
    return found


# Cases.


@router.post(
    "/incidents/{incident}/cases",
    response={201: CaseOut},
    summary="Open a family-support case from an incident",
)
@api_permission(DISPATCH)
def open_case(request: HttpRequest, incident: Code, payload: CaseIn) -> Status[CaseOut]:
    """The dispatcher who opens it is its first team member."""
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        case = cases.do_open_case(found, cases.CaseValues(payload.for_whom, payload.language, payload.contact), by=user)
    return Status(201, fresh(user, case))


@router.get("/cases", response=list[CaseSummaryOut], summary="The cases the caller is on the team of")
@paginate
@api_permission(CASE_WORK)
def list_cases(request: HttpRequest, state: CaseStateName | None = None) -> QuerySet[Case]:
    found = my_cases(request.user)
    return found.filter(state=state) if state else found


@router.get("/cases/{case}", response=CaseOut, summary="A case, for its team (audited)")
@api_permission(CASE_WORK)
def read_case(request: HttpRequest, case: Code) -> CaseOut:
    """Reading it is written in the audit log."""
    return case_out(view_case(request.user, case))


@router.patch(
    "/cases/{case}",
    response={200: CaseOut, 409: ErrorOut},
    summary="Who it is for, language, contact",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def update_case(request: HttpRequest, case: Code, payload: CaseIn) -> CaseOut:
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        cases.do_update_case(found, cases.CaseValues(payload.for_whom, payload.language, payload.contact), by=user)
    return fresh(user, found)


@router.post(
    "/cases/{case}/needs", response={201: CaseNeedOut, 409: ErrorOut}, summary="Add a need", openapi_extra=CLOSED
)
@api_permission(CASE_WORK)
def add_case_need(request: HttpRequest, case: Code, payload: CaseNeedIn) -> Status[CaseNeed]:
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        return Status(201, cases.do_add_need(found, payload.kind, payload.details, by=user))


@router.post(
    "/cases/{case}/needs/{case_need}/met",
    response={200: CaseNeedOut, 409: ErrorOut},
    summary="Mark a need met",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def meet_case_need(request: HttpRequest, case: Code, case_need: UUID) -> CaseNeed:
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        return cases.do_meet_need(found, item_of(found.needs.all(), case_need), by=user)


@router.post(
    "/cases/{case}/tasks", response={201: CaseTaskOut, 409: ErrorOut}, summary="Add a task", openapi_extra=CLOSED
)
@api_permission(CASE_WORK)
def add_case_task(request: HttpRequest, case: Code, payload: CaseTaskIn) -> Status[CaseTask]:
    user = signed_in(request)
    found = access_case(user, case)
    assignee = account(found, payload.assignee, candidates=False) if payload.assignee else None
    with answered():
        task = cases.do_add_task(found, payload.text, assignee=assignee, due_on=payload.due_on, by=user)
    return Status(201, task)


@router.post(
    "/cases/{case}/tasks/{case_task}/done",
    response={200: CaseTaskOut, 409: ErrorOut},
    summary="Mark a task done",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def complete_case_task(request: HttpRequest, case: Code, case_task: UUID) -> CaseTask:
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        return cases.do_complete_task(found, item_of(found.tasks.all(), case_task), by=user)


@router.post(
    "/cases/{case}/notes", response={201: CaseNoteOut, 409: ErrorOut}, summary="Add a note", openapi_extra=CLOSED
)
@api_permission(CASE_WORK)
def add_case_note(request: HttpRequest, case: Code, payload: CaseNoteIn) -> Status[CaseNote]:
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        return Status(201, cases.do_add_case_note(found, payload.text, by=user))


@router.put(
    "/cases/{case}/legal-path",
    response={200: CaseOut, 409: ErrorOut},
    summary="Set the legal path: held where, the bond, the referral",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def set_legal_path(request: HttpRequest, case: Code, payload: LegalPathIn) -> CaseOut:
    """`bond_status` `set` needs `bond_amount`; `no_hearing` or `denied`: record the habeas referral."""
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        cases.do_set_legal_path(found, cases.LegalPath(**payload.model_dump()), by=user)
    return fresh(user, found)


@router.post(
    "/cases/{case}/hearings", response={201: HearingOut, 409: ErrorOut}, summary="Add a hearing", openapi_extra=CLOSED
)
@api_permission(CASE_WORK)
def add_hearing(request: HttpRequest, case: Code, payload: HearingIn) -> Status[Hearing]:
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        return Status(201, cases.do_add_hearing(found, payload.kind, payload.on, payload.note, by=user))


@router.delete(
    "/cases/{case}/hearings/{hearing}",
    response={204: None, 409: ErrorOut},
    summary="Remove a hearing entered by mistake",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def remove_hearing(request: HttpRequest, case: Code, hearing: UUID) -> Status[None]:
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        cases.do_remove_hearing(found, item_of(found.hearings.all(), hearing), by=user)
    return Status(204, None)


@router.put(
    "/cases/{case}/identifiers",
    response={200: CaseOut, 409: ErrorOut},
    summary="Set the identifiers needed to find the detained person",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def set_identifiers(request: HttpRequest, case: Code, payload: IdentifiersIn) -> CaseOut:
    """The A-number for ICE's detainee locator and the like: only in the case, erased when it closes."""
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        cases.do_set_identifiers(found, cases.Identifiers(**payload.model_dump()), by=user)
    return fresh(user, found)


@router.post(
    "/cases/{case}/team",
    response={200: CaseOut, 409: ErrorOut},
    summary="Put an account on the case's team",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def add_case_member(request: HttpRequest, case: Code, payload: CaseMemberIn) -> CaseOut:
    """Only an account holding the dispatcher or case-worker role in a working group."""
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        cases.do_add_member(found, account(found, payload.user, candidates=True), by=user)
    return fresh(user, found)


@router.delete(
    "/cases/{case}/team/{case_member}",
    response={200: CaseOut, 204: None, 409: ErrorOut},
    summary="Take an account off the case's team",
    openapi_extra={"responses": {409: {"description": "The last member stays (`last_member`), or `closed`."}}},
)
@api_permission(CASE_WORK)
def remove_case_member(request: HttpRequest, case: Code, case_member: UUID) -> Status[CaseOut | None]:
    """204 when the caller took themself off: the case is no longer theirs to see."""
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        cases.do_remove_member(found, account(found, case_member, candidates=False), by=user)
    if case_member == user.uuid:
        return Status(204, None)
    return Status(200, fresh(user, found))


@router.post(
    "/cases/{case}/bond-request",
    response={201: BondRequestOut, 409: ErrorOut},
    summary="Ask the fund to pay the bond set",
    openapi_extra={
        "responses": {
            409: {"description": "No bond set (`no_bond_set`), one requested already (`bond_requested`), `closed`."}
        }
    },
)
@api_permission(CASE_WORK)
def request_bond(request: HttpRequest, case: Code, payload: BondRequestIn) -> Status[BondRequest]:
    """The request leaves through core.bonds; the fund picks it up there. Who may pay is the fund's concern."""
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        return Status(201, cases.do_request_bond(found, due_on=payload.due_on, payer_note=payload.payer_note, by=user))


@router.post(
    "/cases/{case}/bond-request/withdraw",
    response={200: CaseOut, 409: ErrorOut},
    summary="Withdraw the bond request not yet paid",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def withdraw_bond(request: HttpRequest, case: Code) -> CaseOut:
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        cases.do_withdraw_bond(found, by=user)
    return fresh(user, found)


@router.post(
    "/cases/{case}/close",
    response={200: CaseOut, 409: ErrorOut},
    summary="Close the case: the identifiers are erased at once",
    openapi_extra=CLOSED,
)
@api_permission(CASE_WORK)
def close_case(request: HttpRequest, case: Code) -> CaseOut:
    """A bond request not picked up is withdrawn; while a fund is paying one, 409 `bond_in_progress`."""
    user = signed_in(request)
    found = access_case(user, case)
    with answered():
        cases.do_close_case(found, by=user)
    return fresh(user, found)
