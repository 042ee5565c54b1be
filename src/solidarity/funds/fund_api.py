"""Funds in the JSON API: a group's funds, a fund's settings, bands and balances, its transactions, gifts and
pledges, transfers, corrections, and the import of a payment platform's export, through the same services
as the pages. Amounts are integer cents, with the network's currency code.

Members of the fund's group read it (never a donor's name or a note: `donor_name` and `note` are null for
them); its treasurers record, move and correct. To anyone else the fund does not exist (404).
"""

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import StrictBool, StrictInt

from solidarity.accounts.access import access_group, signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import Role, role
from solidarity.core.services import get_network_settings
from solidarity.funds.access import FUND_MEMBER, FUND_TREASURER, access_fund, access_fund_scoped
from solidarity.funds.csv_models import FundImport, FundImportState
from solidarity.funds.fund_access import (
    Line,
    Lines,
    bands_of,
    donation_of,
    fund_import_of,
    fund_transactions,
    group_funds,
    line_of,
    target_of,
    totals_of,
    transaction_of,
)
from solidarity.funds.fund_csv import Preview, Row, do_apply_import, do_discard_import, do_stage_import, preview_of
from solidarity.funds.models import NAME_LENGTH, SHORT_TEXT, Fund, Transaction
from solidarity.funds.money import MAX_CENTS, formatter
from solidarity.funds.services import (
    DonationValues,
    FundValues,
    do_collect_pledge,
    do_correct,
    do_create_fund,
    do_record_donation,
    do_set_bands,
    do_transfer,
    do_update_fund,
)
from solidarity.people.sheets import refusals_as_conflict, staged_from_api

router = Router(tags=["funds"])

GROUP_MEMBER = role(Role.MEMBER, kwarg="slug")
GROUP_TREASURER = role(Role.TREASURER, kwarg="slug")
# A refusal about the books' state answers 409 with its code; anything else about the values, 422.
STATE_CODES = {"not_enough", "corrected", "not_a_pledge", "collected", "not_correctable", "other_fund"}
CONFLICTS = {409: {"description": "The books' state refuses it: not_enough, corrected, not_a_pledge, collected."}}
Cents = Annotated[StrictInt, Field(ge=1, lt=MAX_CENTS, description="Integer cents in the network's currency.")]


def refused(error: ValidationError) -> ApiError:
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        codes = {item.code for items in error.error_dict.values() for item in items}
    else:
        fields = {"__all__": error.messages}
        codes = {item.code for item in error.error_list}
    message = next(iter(fields.values()))[0]
    state = next((str(code) for code in codes if code in STATE_CODES), None)
    return ApiError(409 if state else 422, state or "invalid_input", message, fields)


class BandOut(Schema):
    from_cents: int = Field(description="From this amount up (to the next band).")
    approvals: int = Field(description="How many treasurers approve a payment, never the one who asked.")


class BalancesOut(Schema):
    cash: int = Field(description="Cash and bank: what it can pay from now.")
    bonds_out: int
    bail_out: int
    pledges: int = Field(description="Pledges still to collect.")
    raised: int = Field(description="Gifts and pledges recorded, all time.")
    paid_out: int


class FundOut(Schema):
    id: UUID
    slug: str
    group: str = Field(description="The slug of the working group that keeps it.")
    kind: Literal["bond", "medical_legal", "other"]
    name_en: str
    name_es: str
    about_en: str
    about_es: str
    give_url: str = Field(description="The network's own payment page: Solidarity takes no payments.")
    is_public: bool
    currency: str
    balances: BalancesOut
    bands: list[BandOut]


class FundIn(Schema):
    name_en: str = Field("", max_length=NAME_LENGTH)
    name_es: str = Field("", max_length=NAME_LENGTH)
    kind: Literal["bond", "medical_legal", "other"] = "other"
    slug: str = Field("", max_length=40)
    about_en: str = Field("", max_length=2000)
    about_es: str = Field("", max_length=2000)
    give_url: str = Field("", max_length=200)
    is_public: StrictBool = False


class FundPatch(Schema):
    name_en: str | None = Field(None, max_length=NAME_LENGTH)
    name_es: str | None = Field(None, max_length=NAME_LENGTH)
    kind: Literal["bond", "medical_legal", "other"] | None = None
    slug: str | None = Field(None, max_length=40)
    about_en: str | None = Field(None, max_length=2000)
    about_es: str | None = Field(None, max_length=2000)
    give_url: str | None = Field(None, max_length=200)
    is_public: StrictBool | None = None


class BandIn(Schema):
    from_cents: Annotated[StrictInt, Field(ge=0, lt=MAX_CENTS)]
    approvals: Annotated[StrictInt, Field(ge=1, le=5)]


class BandsIn(Schema):
    bands: list[BandIn] = Field(min_length=1, max_length=10, description="One of them from 0.")


class TransactionOut(Schema):
    id: UUID
    kind: str = Field(
        description="donation, pledge, pledge_paid, disbursement, returned, not_returned, transfer, reversal."
    )
    category: str
    occurred_on: date
    cents: int = Field(description="The change in the fund's cash (for a pledge: in its pledges to collect).")
    currency: str
    donation: UUID | None = Field(description="For a gift or a pledge: its id.")
    donor_name: str | None = Field(description="Treasurers only: the donor's name, empty for an anonymous gift.")
    note: str | None = Field(description="Treasurers only.")
    open_pledge: bool
    corrected: bool
    correctable: bool


class DonationIn(Schema):
    cents: Cents
    on: date | None = Field(None, description="The day it came (today by default).")
    method: Literal["cash", "check", "transfer", "platform", "other"] = "cash"
    donor_name: str = Field("", max_length=NAME_LENGTH, description="Empty for an anonymous gift.")
    reference: str = Field("", max_length=80, description="The payment platform's id: recorded once.")
    note: str = Field("", max_length=SHORT_TEXT)
    pledge: StrictBool = Field(False, description="Promised, not yet in hand.")


class OnIn(Schema):
    on: date | None = Field(None, description="Today by default.")


class TransferIn(Schema):
    to: str = Field(max_length=60, description="The slug or id of a fund kept by a group where you are a treasurer.")
    cents: Cents
    on: date | None = None
    note: str = Field("", max_length=SHORT_TEXT)


class CorrectIn(Schema):
    reason: str = Field(min_length=1, max_length=SHORT_TEXT, description="Kept as the correction's note.")
    on: date | None = None


class FundImportErrorOut(Schema):
    column: str
    code: str = Field(
        description="Stable: missing_reference, repeated, too_long, bad_date, bad_amount, bad_method, invalid."
    )
    message: str = Field(description="In the caller's language.")


class FundImportRowOut(Schema):
    line: int = Field(description="The line of the file; the header is line 1.")
    reference: str
    status: Literal["new", "recorded", "error"] = Field(
        description="recorded: a gift with this reference is recorded already, and the row is skipped."
    )
    cents: int | None
    occurred_on: date | None
    donor_name: str
    errors: list[FundImportErrorOut]


class FundImportOut(Schema):
    id: UUID
    fund: str
    state: Literal["staged", "applied"]
    new: int
    recorded: int
    errors: int
    ignored_columns: list[str]
    rows: list[FundImportRowOut] = Field(description="Each row, as it would be recorded now; empty once applied.")


class ApplyIn(Schema):
    skip_errors: StrictBool = Field(False, description="Record the good rows and leave the rows with errors out.")


def fund_out(fund: Fund) -> FundOut:
    fields = {name: getattr(fund, name) for name in ("slug", "kind", "name_en", "name_es", "about_en", "about_es")}
    return FundOut(
        id=fund.uuid,
        group=fund.group.slug,
        give_url=fund.give_url,
        is_public=fund.is_public,
        currency=get_network_settings().currency,
        balances=BalancesOut(**vars(totals_of(fund))),
        bands=[BandOut(from_cents=band.from_cents, approvals=band.approvals) for band in bands_of(fund)],
        **fields,
    )


def transaction_out(line: Line, currency: str) -> TransactionOut:
    return TransactionOut(
        id=line.uuid,
        kind=line.kind,
        category=line.category,
        occurred_on=line.occurred_on,
        cents=line.cents,
        currency=currency,
        donation=line.donation,
        donor_name=line.donor_name,
        note=line.note,
        open_pledge=line.open_pledge,
        corrected=line.is_corrected,
        correctable=line.correctable,
    )


def one_transaction(fund: Fund, made: Transaction) -> TransactionOut:
    line = line_of(fund_transactions(fund).get(pk=made.pk), treasurer=True, shown=formatter())
    return transaction_out(line, get_network_settings().currency)


def fund_values(values: dict[str, Any]) -> FundValues:
    return FundValues(**values)


@router.get("/groups/{slug}/funds", response=list[FundOut], summary="A group's funds, with their balances")
@paginate
@api_permission(GROUP_MEMBER)
def list_funds(request: HttpRequest, slug: str) -> list[FundOut]:
    group = access_group(signed_in(request), slug, Role.MEMBER)
    return [fund_out(fund) for fund in group_funds(group)]


@router.post("/groups/{slug}/funds", response={201: FundOut}, summary="Make a fund kept by the group")
@api_permission(GROUP_TREASURER)
def create_fund(request: HttpRequest, slug: str, payload: FundIn) -> Status[FundOut]:
    """With its accounts and the default bands (one approval; two from 500.00 up)."""
    user = signed_in(request)
    group = access_group(user, slug, GROUP_TREASURER)
    try:
        fund = do_create_fund(group, fund_values(payload.model_dump()), by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, fund_out(fund))


@router.get("/funds/{fund}", response=FundOut, summary="A fund: its settings, balances and bands")
@api_permission(FUND_MEMBER)
def read_fund(request: HttpRequest, fund: str) -> FundOut:
    """`fund`: its slug or its id."""
    return fund_out(access_fund(signed_in(request), fund))


@router.patch("/funds/{fund}", response=FundOut, summary="Change a fund's names, kind, slug, link or public page")
@api_permission(FUND_TREASURER)
def update_fund(request: HttpRequest, fund: str, payload: FundPatch) -> FundOut:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    current = {name: getattr(found, name) for name in FundIn.model_fields}
    changes = {name: value for name, value in payload.model_dump(exclude_unset=True).items() if value is not None}
    try:
        return fund_out(do_update_fund(found, fund_values(current | changes), by=user))
    except ValidationError as error:
        raise refused(error) from None


@router.put("/funds/{fund}/bands", response=list[BandOut], summary="Replace a fund's approval bands")
@api_permission(FUND_TREASURER)
def set_bands(request: HttpRequest, fund: str, payload: BandsIn) -> list[BandOut]:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    try:
        do_set_bands(found, [(band.from_cents, band.approvals) for band in payload.bands], by=user)
    except ValidationError as error:
        raise refused(error) from None
    return [BandOut(from_cents=band.from_cents, approvals=band.approvals) for band in bands_of(found)]


@router.get("/funds/{fund}/transactions", response=list[TransactionOut], summary="A fund's transactions")
@paginate
@api_permission(FUND_MEMBER)
def list_transactions(request: HttpRequest, fund: str) -> list[TransactionOut]:
    """Newest first. `donor_name` and `note` are for the fund's treasurers: null for its other members."""
    scoped = access_fund_scoped(signed_in(request), fund)
    currency = get_network_settings().currency
    lines = Lines(scoped.obj, treasurer=scoped.has(Role.TREASURER))
    return Paged(lines, currency)  # type: ignore[return-value]  # a lazy list: only the page asked for is read


class Paged:
    """Lines as TransactionOut, for @paginate (it slices, then counts with len)."""

    def __init__(self, lines: Lines, currency: str) -> None:
        self.lines, self.currency = lines, currency

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, wanted: slice) -> list[TransactionOut]:
        return [transaction_out(line, self.currency) for line in self.lines[wanted]]


@router.post(
    "/funds/{fund}/donations",
    response={201: TransactionOut, 409: ErrorOut},
    summary="Record a gift or a pledge",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(FUND_TREASURER)
def record_donation(request: HttpRequest, fund: str, payload: DonationIn) -> Status[TransactionOut]:
    """A gift with a `reference` already recorded is refused (422 on `reference`): it is recorded once."""
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    values = DonationValues(**(payload.model_dump() | {"on": payload.on or timezone.localdate()}))
    try:
        gift = do_record_donation(found, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, one_transaction(found, gift.transaction))


@router.post(
    "/funds/{fund}/donations/{donation}/collect",
    response={200: TransactionOut, 409: ErrorOut},
    summary="Collect a pledge: the money came in",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(FUND_TREASURER)
def collect_pledge(request: HttpRequest, fund: str, donation: UUID, payload: OnIn) -> TransactionOut:
    """Answers the collection's transaction."""
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    try:
        made = do_collect_pledge(donation_of(found, donation), on=payload.on or timezone.localdate(), by=user)
    except ValidationError as error:
        raise refused(error) from None
    return one_transaction(found, made)


@router.post(
    "/funds/{fund}/transfers",
    response={201: TransactionOut, 409: ErrorOut},
    summary="Move cash to another fund",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(FUND_TREASURER)
def transfer(request: HttpRequest, fund: str, payload: TransferIn) -> Status[TransactionOut]:
    """To a fund of the network kept by a group where the caller is a treasurer (404 for any other)."""
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    target = target_of(user, found, payload.to)
    try:
        made = do_transfer(
            found, target, payload.cents, on=payload.on or timezone.localdate(), by=user, note=payload.note
        )
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, one_transaction(found, made))


@router.post(
    "/funds/{fund}/transactions/{transaction}/correct",
    response={201: TransactionOut, 409: ErrorOut},
    summary="Correct a transaction with a reversing one (nothing is erased)",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(FUND_TREASURER)
def correct(request: HttpRequest, fund: str, transaction: UUID, payload: CorrectIn) -> Status[TransactionOut]:
    """A gift, a pledge, a collection or a transfer; answers the correction."""
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    original = transaction_of(found, transaction)
    try:
        made = do_correct(found, original, on=payload.on or timezone.localdate(), by=user, note=payload.reason)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, one_transaction(found, made))


# A payment platform's export.


def import_out(found: FundImport) -> FundImportOut:
    fields: dict[str, Any] = {"id": found.uuid, "fund": found.fund.slug, "state": found.state}
    if found.state == FundImportState.APPLIED:
        done = found.result
        counts = {"new": done["new"], "recorded": done["recorded"], "errors": done["skipped"]}
        return FundImportOut(**fields, **counts, ignored_columns=[], rows=[])
    preview = preview_of(found)
    done = preview.counts()
    counts = {"new": done["new"], "recorded": done["recorded"], "errors": done["error"]}
    rows = [row_out(row, preview) for row in preview.rows]
    return FundImportOut(**fields, **counts, ignored_columns=preview.ignored, rows=rows)


def row_out(row: Row, preview: Preview) -> FundImportRowOut:
    return FundImportRowOut(
        line=row.line,
        reference=row.reference,
        status=row.status,  # type: ignore[arg-type]  # a fund_csv.Status value
        cents=row.cents,
        occurred_on=row.on,
        donor_name=row.donor,
        errors=[
            FundImportErrorOut(column=error.column, code=error.code, message=preview.error_text(error))
            for error in row.errors
        ],
    )


@router.post(
    "/funds/{fund}/imports",
    response={201: FundImportOut, 400: ErrorOut},
    summary="Upload a payment platform's export of gifts: a preview, nothing recorded yet",
)
@api_permission(FUND_TREASURER)
def create_import(request: HttpRequest, fund: str, file: File[UploadedFile]) -> Status[FundImportOut]:
    """Multipart, field `file`: up to 1 MB and 1,000 rows, with columns date, amount, reference (and name,
    method, note). Kept encrypted for a day. A file that cannot be read is refused (422 on `file`)."""
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    staged = staged_from_api(file, lambda data, name: do_stage_import(found, data, name, by=user))
    return Status(201, import_out(staged))


@router.get("/funds/{fund}/imports/{fund_import}", response=FundImportOut, summary="A staged import of gifts")
@api_permission(FUND_TREASURER)
def read_import(request: HttpRequest, fund: str, fund_import: UUID) -> FundImportOut:
    return import_out(fund_import_of(access_fund(signed_in(request), fund, Role.TREASURER), fund_import))


@router.post(
    "/funds/{fund}/imports/{fund_import}/apply",
    response={200: FundImportOut, 409: ErrorOut},
    summary="Record a staged import's gifts, in one transaction",
    openapi_extra={
        "responses": {409: {"description": "Nothing recorded: already_applied, rows_with_errors, refused."}}
    },
)
@api_permission(FUND_TREASURER)
def apply_import(request: HttpRequest, fund: str, fund_import: UUID, payload: ApplyIn) -> FundImportOut:
    """Rows whose reference is recorded already are skipped."""
    user = signed_in(request)
    found = fund_import_of(access_fund(user, fund, Role.TREASURER), fund_import)
    with refusals_as_conflict():
        do_apply_import(found, by=user, skip_errors=payload.skip_errors)
    found.refresh_from_db()
    return import_out(found)


@router.delete("/funds/{fund}/imports/{fund_import}", response={204: None}, summary="Discard a staged import")
@api_permission(FUND_TREASURER)
def discard_import(request: HttpRequest, fund: str, fund_import: UUID) -> Status[None]:
    user = signed_in(request)
    do_discard_import(fund_import_of(access_fund(user, fund, Role.TREASURER), fund_import), by=user)
    return Status(204, None)
