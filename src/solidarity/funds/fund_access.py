"""What the fund pages and operations read of a fund the caller already reached (funds.access): its gifts,
its transactions, its staged imports, the funds money may move to, and what its page shows.

Every function takes a fund that came through access_fund (or a group through access_group): the check is
made there. A donor's name is read only when the caller is one of the fund's treasurers (`treasurer`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Sum
from django.http import Http404

from solidarity.accounts.models import Membership, RoleGrant, User, WorkingGroup
from solidarity.core.codes import as_uuid, is_uuid
from solidarity.core.permissions import Role, roles_by_group
from solidarity.funds import ledger
from solidarity.funds.csv_models import FundImport
from solidarity.funds.ledger import CORRECTABLE
from solidarity.funds.models import HELD, AccountKind, Band, Donation, Entry, Fund, Transaction, TransactionKind
from solidarity.funds.money import formatter

RECENT = 20  # transactions on a fund's page


def group_funds(group: WorkingGroup) -> QuerySet[Fund]:
    return Fund.objects.filter(group=group).select_related("group").order_by("pk")


def key_of(wanted: str | UUID) -> UUID:
    if isinstance(wanted, UUID):
        return wanted
    if not is_uuid(str(wanted)):
        raise Http404
    return as_uuid(wanted)


def donation_of(fund: Fund, wanted: str | UUID) -> Donation:
    """One of the fund's gifts or pledges; Http404 otherwise."""
    found = Donation.objects.filter(fund=fund, uuid=key_of(wanted)).select_related("fund__group", "transaction").first()
    if found is None:
        raise Http404
    return found


def transaction_of(fund: Fund, wanted: str | UUID) -> Transaction:
    """A transaction with an entry in one of the fund's accounts; Http404 otherwise."""
    found = Transaction.objects.filter(uuid=key_of(wanted), entries__account__fund=fund).distinct().first()
    if found is None:
        raise Http404
    return found


def fund_import_of(fund: Fund, wanted: str | UUID) -> FundImport:
    """One of the fund's staged imports; Http404 otherwise."""
    found = FundImport.objects.filter(fund=fund, uuid=key_of(wanted)).select_related("group", "fund__group").first()
    if found is None:
        raise Http404
    return found


def transfer_targets(user: User, fund: Fund) -> list[Fund]:
    """The network's other funds kept by a group where `user` is a treasurer: where money may move to."""
    slugs = [slug for slug, roles in roles_by_group(user).items() if Role.TREASURER in roles]
    return list(Fund.objects.filter(group__slug__in=slugs).exclude(pk=fund.pk).select_related("group").order_by("pk"))


def target_of(user: User, fund: Fund, wanted: str) -> Fund:
    """One of transfer_targets by slug or uuid; Http404 otherwise."""
    for target in transfer_targets(user, fund):
        if wanted in (target.slug, str(target.uuid)):
            return target
    raise Http404


def bands_of(fund: Fund) -> list[Band]:
    return list(Band.objects.filter(fund=fund).order_by("from_cents"))


@dataclass
class Line:
    """One of a fund's transactions as its page and the API show it."""

    uuid: UUID
    kind: str
    kind_label: str
    category: str
    category_label: str
    occurred_on: date
    cents: int  # the change in the fund's cash (a pledge: in its pledges)
    amount: str  # `cents` in the reader's language
    donor_name: str | None  # a gift's donor, for treasurers only ("" anonymous); None: not shown, or no gift
    donation: UUID | None
    open_pledge: bool
    is_corrected: bool
    correctable: bool
    note: str | None  # for treasurers only


def fund_transactions(fund: Fund) -> QuerySet[Transaction]:
    """The fund's transactions, newest first, each with the fund's entries, its gift and its correction."""
    mine = Entry.objects.filter(account__fund=fund).select_related("account")
    return (
        Transaction.objects.filter(entries__account__fund=fund)
        .distinct()
        .select_related("donation", "reversed_by")
        .prefetch_related(Prefetch("entries", queryset=mine, to_attr="mine"))
        .order_by("-occurred_on", "-pk")
    )


def corrected(made: Transaction) -> bool:
    try:
        return made.reversed_by is not None
    except Transaction.DoesNotExist:
        return False


def gift_of(made: Transaction) -> Donation | None:
    try:
        return made.donation
    except Donation.DoesNotExist:
        return None


def line_of(made: Transaction, *, treasurer: bool, shown: Callable[[int], str]) -> Line:
    entries: list[Entry] = getattr(made, "mine", [])
    cash = sum(entry.cents for entry in entries if entry.account.kind == AccountKind.CASH)
    held = sum(entry.cents for entry in entries if entry.account.kind in HELD)
    cents = cash or held or sum(entry.cents for entry in entries if entry.cents > 0)
    gift = gift_of(made)
    is_corrected = corrected(made)
    return Line(
        uuid=made.uuid,
        kind=made.kind,
        kind_label=str(made.get_kind_display()),
        category=made.category,
        category_label=str(made.get_category_display()) if made.category else "",
        occurred_on=made.occurred_on,
        cents=cents,
        amount=shown(cents),
        donor_name=gift.donor_name if gift is not None and treasurer else None,
        donation=gift.uuid if gift is not None else None,
        open_pledge=gift is not None
        and made.kind == TransactionKind.PLEDGE
        and gift.collection_id is None
        and not is_corrected,
        is_corrected=is_corrected,
        correctable=made.kind in CORRECTABLE and not is_corrected,
        note=made.note if treasurer else None,
    )


def recent_lines(fund: Fund, *, treasurer: bool, limit: int = RECENT) -> list[Line]:
    shown = formatter()
    return [line_of(made, treasurer=treasurer, shown=shown) for made in fund_transactions(fund)[:limit]]


@dataclass
class Totals:
    """What a fund holds and has moved, in cents and in the reader's language."""

    cash: int
    bonds_out: int
    bail_out: int
    pledges: int
    raised: int
    paid_out: int

    def shown(self) -> dict[str, str]:
        shown = formatter()
        return {name: shown(cents) for name, cents in vars(self).items()}


def totals_of(fund: Fund) -> Totals:
    sums = ledger.balances(fund)
    return Totals(
        cash=sums[AccountKind.CASH],
        bonds_out=sums[AccountKind.BONDS_OUT],
        bail_out=sums[AccountKind.BAIL_OUT],
        pledges=sums[AccountKind.PLEDGES],
        raised=-sums[AccountKind.DONATIONS],
        paid_out=sums[AccountKind.PAID_OUT],
    )


def cash_by_fund(group: WorkingGroup) -> dict[int, int]:
    """What each of the group's funds holds in cash, by the fund's key, in one query."""
    rows = (
        Entry.objects.filter(account__fund__group=group, account__kind=AccountKind.CASH)
        .values("account__fund")
        .annotate(total=Sum("cents"))
        .values_list("account__fund", "total")
    )
    return {fund: int(total or 0) for fund, total in rows}


class Lines:
    """The fund's transactions as Lines, formatted only for the slice a page of the API asks for."""

    def __init__(self, fund: Fund, *, treasurer: bool) -> None:
        self.found, self.treasurer = fund_transactions(fund), treasurer

    def __len__(self) -> int:
        return self.found.count()

    def __getitem__(self, wanted: slice) -> list[Line]:
        shown = formatter()
        return [line_of(made, treasurer=self.treasurer, shown=shown) for made in self.found[wanted]]


def with_funds(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """The caller's memberships, each with `keeps_funds` (its group keeps a fund, or the caller is a treasurer
    there and may make one), in the same query: the dashboard links to a group's funds."""
    treasurer = RoleGrant.objects.filter(membership=OuterRef("pk"), role=Role.TREASURER)
    return memberships.annotate(keeps_funds=Exists(Fund.objects.filter(group=OuterRef("group"))) | Exists(treasurer))
