"""Funds and the money that comes in: making a fund, donations and pledges, transfers, corrections.

Each money-moving service locks the fund's row (`locked`) for its transaction, so that what a fund holds
is read and spent by one at a time, and records its audit entry (ids, kinds and amounts in cents; never
a donor's name or a note).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit, permissions
from solidarity.core.models import AuditAction
from solidarity.core.permissions import Role
from solidarity.funds import ledger
from solidarity.funds.ledger import Line
from solidarity.funds.models import (
    AccountKind,
    Band,
    Donation,
    Fund,
    FundKind,
    Method,
    Transaction,
    TransactionKind,
)

# A new fund's bands: one other treasurer approves a payment; two from 500.00 up.
DEFAULT_BANDS = ((0, 1), (50_000, 2))


def acting_role(by: User | None, group: WorkingGroup) -> str:
    """The role the audit log keeps for `by` in the fund's group: treasurer, coordinator, or member."""
    return permissions.acting_role(by, group.slug, Role.TREASURER, Role.COORDINATOR)


def audited(
    by: User | None,
    fund: Fund,
    action: AuditAction,
    object_type: str,
    ids: Iterable[UUID],
    detail: Mapping[str, str | int | bool] | None = None,
) -> None:
    audit.record(
        actor=str(by.uuid) if by else audit.SYSTEM,
        role=acting_role(by, fund.group),
        action=action,
        object_type=object_type,
        object_ids=[fund.uuid, *ids],
        detail=dict(detail or {}),
    )


def locked(fund: Fund) -> Fund:
    """The fund's row, locked for the caller's transaction: its money moves one change at a time."""
    return Fund.objects.select_for_update().select_related("group").get(pk=fund.pk)


@dataclass
class FundValues:
    name_en: str = ""
    name_es: str = ""
    kind: str = FundKind.OTHER
    slug: str = ""
    about_en: str = ""
    about_es: str = ""
    give_url: str = ""
    is_public: bool = False


def check_fund(values: FundValues, fund: Fund | None = None) -> str:
    """ValidationError by field; the slug it will have."""
    errors: dict[str, str] = {}
    if not (values.name_en.strip() or values.name_es.strip()):
        errors["name_en"] = _("Give the fund a name, in English or in Spanish.")
    slug = slugify(values.slug or (fund.slug if fund else "") or values.name_en or values.name_es)[:40]
    if not slug:
        errors["slug"] = _("Give a short name of letters and numbers, for the public page's address.")
    elif Fund.objects.filter(slug=slug).exclude(pk=fund.pk if fund else 0).exists():
        errors["slug"] = _("Another fund has this short name.")
    if values.kind not in FundKind.values:
        errors["kind"] = _("Not a kind of fund.")
    if errors:
        raise ValidationError(errors)
    return slug


def do_create_fund(group: WorkingGroup, values: FundValues, *, by: User | None) -> Fund:
    """A new fund kept by `group`, with its accounts and the default approval bands."""
    slug = check_fund(values)
    with transaction.atomic():
        fund = Fund.objects.create(
            group=group,
            slug=slug,
            kind=values.kind,
            name_en=values.name_en.strip(),
            name_es=values.name_es.strip(),
            about_en=values.about_en.strip(),
            about_es=values.about_es.strip(),
            give_url=values.give_url.strip(),
            is_public=values.is_public,
        )
        ledger.do_make_accounts(fund)
        Band.objects.bulk_create([Band(fund=fund, from_cents=start, approvals=n) for start, n in DEFAULT_BANDS])
        audited(by, fund, AuditAction.CREATED, "funds.fund", [], {"kind": fund.kind})
    return fund


def do_update_fund(fund: Fund, values: FundValues, *, by: User | None) -> Fund:
    slug = check_fund(values, fund)
    with transaction.atomic():
        row = locked(fund)
        row.slug, row.kind = slug, values.kind
        row.name_en, row.name_es = values.name_en.strip(), values.name_es.strip()
        row.about_en, row.about_es = values.about_en.strip(), values.about_es.strip()
        row.give_url, row.is_public = values.give_url.strip(), values.is_public
        row.save()
        audited(by, row, AuditAction.CHANGED, "funds.fund", [], {"public": row.is_public})
    return row


def do_set_bands(fund: Fund, bands: list[tuple[int, int]], *, by: User | None) -> None:
    """Replace the fund's approval bands: (from cents, approvals), one of them from 0, 1 to 5 approvals each."""
    starts = [start for start, _n in bands]
    if 0 not in starts or len(set(starts)) != len(starts) or any(start < 0 for start in starts):
        raise ValidationError(_("Give one band from zero up, and each band a different amount."), code="bands")
    if any(not 1 <= approvals <= 5 for _start, approvals in bands):
        raise ValidationError(_("A band asks for one to five approvals."), code="bands")
    with transaction.atomic():
        row = locked(fund)
        Band.objects.filter(fund=row).delete()
        Band.objects.bulk_create([Band(fund=row, from_cents=start, approvals=n) for start, n in sorted(bands)])
        audited(by, row, AuditAction.CHANGED, "funds.fund", [], {"bands": len(bands)})


def approvals_needed(fund: Fund, cents: int) -> int:
    """How many treasurers must approve a payment of `cents` from `fund` (its highest band at or below it)."""
    band = Band.objects.filter(fund=fund, from_cents__lte=cents).order_by("-from_cents").first()
    return band.approvals if band is not None else 1


@dataclass
class DonationValues:
    cents: int
    on: date
    method: str = Method.CASH
    donor_name: str = ""  # blank: anonymous
    reference: str = ""  # a payment platform's id of the gift
    note: str = ""
    pledge: bool = False  # promised, not yet in hand


def check_donation(fund: Fund, values: DonationValues) -> None:
    errors: dict[str, str] = {}
    if values.cents <= 0:
        errors["cents"] = _("The amount must be more than zero.")
    if values.method not in Method.values:
        errors["method"] = _("Not a way of giving.")
    reference = values.reference.strip()
    if reference and Donation.objects.filter(fund=fund, reference=reference).exists():
        errors["reference"] = _("A gift with this platform reference is recorded already.")
    if errors:
        raise ValidationError(errors)


def do_record_donation(fund: Fund, values: DonationValues, *, by: User | None) -> Donation:
    """A gift as it arrives (or a pledge): cash (or pledges) up, donations up."""
    check_donation(fund, values)
    held_kind = AccountKind.PLEDGES if values.pledge else AccountKind.CASH
    kind = TransactionKind.PLEDGE if values.pledge else TransactionKind.DONATION
    try:
        with transaction.atomic():
            row = locked(fund)
            lines = [Line(row, held_kind, values.cents), Line(row, AccountKind.DONATIONS, -values.cents)]
            made = ledger.post(kind, lines, on=values.on, by=by, note=values.note.strip())
            donation = Donation.objects.create(
                fund=row,
                transaction=made,
                method=values.method,
                donor_name=values.donor_name.strip(),
                reference=values.reference.strip(),
            )
            audited(
                by, row, AuditAction.CREATED, "funds.donation", [donation.uuid], {"kind": kind, "cents": values.cents}
            )
    except IntegrityError:  # the same platform reference, recorded at the same moment by another import
        raise ValidationError({"reference": _("A gift with this platform reference is recorded already.")}) from None
    return donation


def do_collect_pledge(donation: Donation, *, on: date, by: User | None) -> Transaction:
    """The pledged money came in: pledges down, cash up. ValidationError when it is no open pledge."""
    with transaction.atomic():
        row = locked(donation.fund)
        pledge = Donation.objects.select_for_update().select_related("transaction").get(pk=donation.pk)
        if pledge.transaction.kind != TransactionKind.PLEDGE or pledge.collection_id is not None:
            raise ValidationError(_("This is no pledge still to collect."), code="not_a_pledge")
        if Transaction.objects.filter(reverses=pledge.transaction).exists():
            raise ValidationError(_("This pledge was corrected away."), code="corrected")
        cents = sum(entry.cents for entry in pledge.transaction.entries.filter(account__kind=AccountKind.PLEDGES))
        lines = [Line(row, AccountKind.CASH, cents), Line(row, AccountKind.PLEDGES, -cents)]
        made = ledger.post(TransactionKind.PLEDGE_PAID, lines, on=on, by=by)
        pledge.collection = made
        pledge.save(update_fields=["collection"])
        audited(by, row, AuditAction.CHANGED, "funds.donation", [pledge.uuid], {"collected": cents})
    return made


def do_transfer(source: Fund, target: Fund, cents: int, *, on: date, by: User | None, note: str = "") -> Transaction:
    """Move cash from one fund to another; each fund's books stay balanced on their own."""
    if source.pk == target.pk:
        raise ValidationError(_("Choose another fund to move the money to."), code="same_fund")
    if cents <= 0:
        raise ValidationError(_("The amount must be more than zero."), code="amount")
    with transaction.atomic():
        first, second = sorted((source, target), key=lambda fund: fund.pk)  # locks in one order: no deadlock
        locked(first)
        locked(second)
        ledger.require_held(source, cents)
        lines = [
            Line(source, AccountKind.CASH, -cents),
            Line(source, AccountKind.TRANSFERS, cents),
            Line(target, AccountKind.TRANSFERS, -cents),
            Line(target, AccountKind.CASH, cents),
        ]
        made = ledger.post(TransactionKind.TRANSFER, lines, on=on, by=by, note=note.strip())
        audited(by, source, AuditAction.CREATED, "funds.transaction", [made.uuid, target.uuid], {"cents": cents})
    return made


def do_correct(fund: Fund, original: Transaction, *, on: date, by: User | None, note: str = "") -> Transaction:
    """Undo a donation, a pledge, a collection or a transfer of `fund` with a reversing transaction.

    ValidationError when it is not the fund's, when the correction would leave a fund's cash below zero,
    or for a pledge already collected (its collection is corrected first)."""
    with transaction.atomic():
        involved = sorted(set(Fund.objects.filter(accounts__entries__transaction=original)), key=lambda each: each.pk)
        if fund not in involved:
            raise ValidationError(_("This is not one of this fund's transactions."), code="other_fund")
        for each in involved:
            locked(each)
        pledge = Donation.objects.filter(transaction=original).first()
        if pledge is not None and pledge.collection_id is not None:
            raise ValidationError(_("Correct the pledge's collection first."), code="collected")
        made = ledger.do_reverse(original, by=by, on=on, note=note.strip())
        if any(ledger.held(each) < 0 for each in involved):
            raise ValidationError(_("Correcting this would leave the fund's cash below zero."), code="not_enough")
        if original.kind == TransactionKind.PLEDGE_PAID:
            Donation.objects.filter(collection=original).update(collection=None)
        audited(by, fund, AuditAction.CHANGED, "funds.transaction", [original.uuid, made.uuid], {"corrected": True})
    return made
