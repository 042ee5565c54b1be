"""The funds' objects for the URL walk (core.permissions.WALK_FILLERS): a fund kept by the walk's group,
with a gift in it, and what each URL keyword of the funds' names."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import is_mfa_enabled
from django.utils import timezone

from solidarity.accounts.groups import do_add_member
from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.core.permissions import WALK_FILLERS, Role, WalkWorld
from solidarity.funds.csv_models import FundImport, FundImportState
from solidarity.funds.fund_csv import do_stage_import
from solidarity.funds.ledger import held
from solidarity.funds.models import (
    OUT,
    Bond,
    Category,
    Disbursement,
    Donation,
    Fund,
    FundKind,
    RequestState,
    Transaction,
    TransactionKind,
)
from solidarity.funds.requests import (
    PayValues,
    RequestValues,
    do_approve_disbursement,
    do_pay_disbursement,
    do_request_disbursement,
)
from solidarity.funds.services import DonationValues, FundValues, do_create_fund, do_record_donation


def a_fund(group: WorkingGroup, by: User) -> Fund:
    """The group's first fund, public, with a gift in it (made again once an endpoint changed it away)."""
    found = Fund.objects.filter(group=group).order_by("pk").first()
    if found is None:
        values = FundValues(
            name_en="Walk Bond Fund",
            name_es="Fondo del recorrido",
            kind=FundKind.BOND,
            is_public=True,
            slug=f"walk-{group.slug}"[:40],  # one per group: the API fuzz makes one for each of two groups
        )
        found = do_create_fund(group, values, by=by)
        do_record_donation(found, DonationValues(cents=100_000, on=timezone.localdate()), by=by)
    return found


def a_pledge(group: WorkingGroup, by: User) -> Donation:
    """An open pledge to the walk's fund (pledged again once an endpoint collected or corrected it)."""
    fund = a_fund(group, by)
    for pledge in Donation.objects.filter(fund=fund, transaction__kind=TransactionKind.PLEDGE, collection=None):
        if not Transaction.objects.filter(reverses=pledge.transaction).exists():
            return pledge
    return do_record_donation(fund, DonationValues(cents=5_000, on=timezone.localdate(), pledge=True), by=by)


def a_gift_transaction(group: WorkingGroup, by: User) -> Transaction:
    """A gift's transaction not yet corrected (given again once an endpoint corrected it)."""
    fund = a_fund(group, by)
    for gift in Donation.objects.filter(fund=fund, transaction__kind=TransactionKind.DONATION).select_related(
        "transaction"
    ):
        if not Transaction.objects.filter(reverses=gift.transaction).exists():
            return gift.transaction
    return do_record_donation(fund, DonationValues(cents=100_000, on=timezone.localdate()), by=by).transaction


def a_fund_import(group: WorkingGroup, by: User) -> FundImport:
    """A staged export of gifts to the walk's fund (staged again once an endpoint applied or discarded it)."""
    fund = a_fund(group, by)
    found = FundImport.objects.filter(fund=fund, state=FundImportState.STAGED).order_by("pk").first()
    if found is None:
        found = do_stage_import(fund, b"date,amount,reference\r\n2026-03-02,10,walk-1\r\n", "walk.csv", by=by)
    return found


def register() -> None:
    WALK_FILLERS.register("fund", lambda world: a_fund(world.group, world.owner).slug)
    WALK_FILLERS.register("donation", lambda world: str(a_pledge(world.group, world.owner).uuid))
    WALK_FILLERS.register("transaction", lambda world: str(a_gift_transaction(world.group, world.owner).uuid))
    WALK_FILLERS.register("fund_import", lambda world: str(a_fund_import(world.group, world.owner).uuid))


def register_statements() -> None:
    """The statements' keywords: a month (yyyy-mm, this one) and a file's format."""
    WALK_FILLERS.register("month", lambda world: f"{timezone.localdate():%Y-%m}")
    WALK_FILLERS.register("statement_format", lambda world: "csv")


# Payments and bonds (funds.requests, funds.bonds): a waiting payment asked by the walk's coordinator, and an
# immigration bond paid from the walk's fund, approved and paid by a walk treasurer (with a second factor).

WALK_TREASURER = "walk.treasurer"


def a_treasurer(world: WalkWorld) -> User:
    found = User.objects.filter(username=WALK_TREASURER).first()
    if found is None:
        found = User(username=WALK_TREASURER, email=f"{WALK_TREASURER}@example.org")
        found.set_unusable_password()
        found.save()
    if not Membership.objects.filter(group=world.group, user=found).exists():
        do_add_member(world.group, found, [Role.TREASURER])
    if not is_mfa_enabled(found):
        TOTP.activate(found, generate_totp_secret())
    return found


def a_disbursement(world: WalkWorld) -> str:
    """A payment of the walk's fund waiting for its approval (made again once an endpoint moved it on)."""
    fund = a_fund(world.group, world.owner)
    found = Disbursement.objects.filter(fund=fund, state=RequestState.WAITING, requested_by=world.owner).first()
    if found is None:
        values = RequestValues(cents=10_000, category=Category.LEGAL, purpose="Walk filing fee")
        found = do_request_disbursement(fund, values, by=world.owner)
    return str(found.uuid)


def a_bond(world: WalkWorld) -> str:
    """An immigration bond of the walk's fund, posted and still out."""
    fund = a_fund(world.group, world.owner)
    found = Bond.objects.filter(fund=fund, state__in=OUT).first()
    if found is None:
        treasurer = a_treasurer(world)
        if held(fund) < 10_000:
            do_record_donation(fund, DonationValues(cents=100_000, on=timezone.localdate()), by=treasurer)
        values = RequestValues(cents=10_000, category=Category.BOND, purpose="Walk bond")
        asked = do_request_disbursement(fund, values, by=world.owner)
        do_approve_disbursement(asked, by=treasurer)
        paid = do_pay_disbursement(asked, PayValues(on=timezone.localdate()), by=treasurer)
        found = Bond.objects.get(disbursement=paid)
    return str(found.uuid)


def register_requests() -> None:
    WALK_FILLERS.register("disbursement", a_disbursement)
    WALK_FILLERS.register("bond", a_bond)
