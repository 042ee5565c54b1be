"""The funds' objects for the URL walk (core.permissions.WALK_FILLERS): a fund kept by the walk's group,
with a gift in it, and what each URL keyword of the funds' names."""

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import WALK_FILLERS
from solidarity.funds.csv_models import FundImport, FundImportState
from solidarity.funds.fund_csv import do_stage_import
from solidarity.funds.models import Donation, Fund, FundKind, Transaction, TransactionKind
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
            slug=f"walk-{group.slug}"[:40],  # a slug is the network's: one per group walked
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
