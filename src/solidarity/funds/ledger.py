"""The ledger: balanced transactions, and the balances they add up to.

Every movement of money is `post`ed as one transaction whose entries sum to zero, each entry into one
fund's account; nothing is ever updated or deleted. A balance is a sum of entries. A correction is a
new transaction with every entry negated (`do_reverse`), at most one for each.

Signs: a positive entry is a debit. What a fund holds (cash and bank, bonds and bail out, pledges) has
a positive balance; where its money came from (donations, transfers in) a negative one; where it went
(paid out, not returned) a positive one. `held(fund)` is the fund's cash.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.funds.models import Account, AccountKind, Entry, Fund, Transaction, TransactionKind
from solidarity.funds.money import money

# What a treasurer may correct by hand: a payment, money back and a bond's end are corrected where they
# were made (a request, a bond), so that the ledger and their state never disagree.
CORRECTABLE = (TransactionKind.DONATION, TransactionKind.PLEDGE, TransactionKind.PLEDGE_PAID, TransactionKind.TRANSFER)


class Unbalanced(ValueError):
    """A transaction whose entries do not sum to zero, or with an empty or zero entry: a programming error."""


@dataclass(frozen=True)
class Line:
    fund: Fund
    kind: AccountKind
    cents: int


def accounts_of(fund: Fund) -> dict[str, Account]:
    """The fund's accounts by kind (made with the fund: funds.services.do_create_fund)."""
    return {account.kind: account for account in Account.objects.filter(fund=fund)}


def do_make_accounts(fund: Fund) -> None:
    """One account of each kind for a new fund (idempotent)."""
    have = set(Account.objects.filter(fund=fund).values_list("kind", flat=True))
    Account.objects.bulk_create([Account(fund=fund, kind=kind) for kind in AccountKind if kind not in have])


def post(
    kind: TransactionKind,
    lines: Iterable[Line],
    *,
    on: date,
    by: User | None,
    category: str = "",
    note: str = "",
    reverses: Transaction | None = None,
) -> Transaction:
    """Write one balanced transaction (in the caller's transaction). Unbalanced when it is not."""
    wanted = list(lines)
    if not wanted or any(line.cents == 0 for line in wanted) or sum(line.cents for line in wanted) != 0:
        raise Unbalanced(f"{kind}: {[(line.kind, line.cents) for line in wanted]}")
    accounts: dict[tuple[int, str], Account] = {}
    for fund in {line.fund.pk: line.fund for line in wanted}.values():
        accounts |= {(fund.pk, kind_): account for kind_, account in accounts_of(fund).items()}
    with transaction.atomic():
        made = Transaction.objects.create(
            kind=kind, category=category, occurred_on=on, note=note, reverses=reverses, recorded_by=by
        )
        Entry.objects.bulk_create(
            [Entry(transaction=made, account=accounts[line.fund.pk, line.kind], cents=line.cents) for line in wanted]
        )
    return made


def balances(fund: Fund, *, until: date | None = None) -> dict[str, int]:
    """Every account's balance in cents, by kind (0 for an account without entries); `until`: on that day."""
    entries = Entry.objects.filter(account__fund=fund)
    if until is not None:
        entries = entries.filter(transaction__occurred_on__lte=until)
    sums = dict(entries.values("account__kind").annotate(total=Sum("cents")).values_list("account__kind", "total"))
    return {kind: int(sums.get(kind) or 0) for kind in AccountKind}


def held(fund: Fund) -> int:
    """The fund's cash and bank, in cents: what it can pay from now."""
    total = Entry.objects.filter(account__fund=fund, account__kind=AccountKind.CASH).aggregate(total=Sum("cents"))
    return int(total["total"] or 0)


def require_held(fund: Fund, cents: int) -> None:
    """ValidationError unless the fund (its row locked by the caller) holds at least `cents` in cash."""
    have = held(fund)
    if have < cents:
        raise ValidationError(
            _("The fund holds %(held)s: not enough for %(amount)s.") % {"held": money(have), "amount": money(cents)},
            code="not_enough",
        )


def do_reverse(original: Transaction, *, by: User | None, on: date, note: str = "") -> Transaction:
    """Correct a transaction: a new one with every entry negated. ValidationError when it was corrected already,
    is itself a correction, or is corrected where it was made (a payment, a bond's money)."""
    with transaction.atomic():
        locked = Transaction.objects.select_for_update().get(pk=original.pk)
        if locked.kind not in CORRECTABLE:
            raise ValidationError(_("This is corrected where it was made, not here."), code="not_correctable")
        if Transaction.objects.filter(reverses=locked).exists():
            raise ValidationError(_("This was corrected already."), code="corrected")
        lines = [
            Line(entry.account.fund, AccountKind(entry.account.kind), -entry.cents)
            for entry in locked.entries.select_related("account__fund")
        ]
        return post(TransactionKind.REVERSAL, lines, on=on, by=by, category=locked.category, note=note, reverses=locked)
