"""Bonds followed to the end: an immigration bond (or a criminal bail, kept apart) from posting until its money
is back in the fund, or known lost.

An immigration bond's way: set, posted (through ICE's CeBONDS, by bank transfer), its conditions met (every
hearing attended), the case closed, after which the obligor (the fund or an organisation, never a family
member) receives Form I-391 ("Notice - Immigration Bond Cancelled"); the refund is requested from ICE's Debt
Management Center with the I-391 and the original bond receipt (Form I-305); then the money is back in the
fund, or it is not returned (a breached bond). A criminal bail's way is shorter: set, posted, the case closed
(the bail exonerated), back in the fund or not returned (forfeited).

Steps go forward only; a step may repeat the current state to record a hearing (`hearing_on`) or a new date for
the next step. "Back in the fund" and "not returned" move the ledger (a balanced transaction each). A bond whose
next step is overdue emails the fund's treasurers the day after (a core.timers timer, BOND_TIMER).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.mail import email_account, language_of
from solidarity.accounts.models import User
from solidarity.core.models import AuditAction
from solidarity.core.permissions import Role
from solidarity.core.services import network_timezone
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.funds import ledger
from solidarity.funds.ledger import Line
from solidarity.funds.models import (
    OUT,
    SHORT_TEXT,
    AccountKind,
    Bond,
    BondKind,
    BondState,
    BondStep,
    Fund,
    TransactionKind,
)
from solidarity.funds.requests import is_treasurer
from solidarity.funds.services import audited, locked

BOND_TIMER = "funds.bond-overdue"
REMIND_AT = time(9, 0)
# Each kind's way, in order; the last two end it.
WAYS: dict[str, tuple[BondState, ...]] = {
    BondKind.BOND: (
        BondState.SET,
        BondState.POSTED,
        BondState.CONDITIONS_MET,
        BondState.CASE_CLOSED,
        BondState.REFUND_REQUESTED,
        BondState.RETURNED,
        BondState.NOT_RETURNED,
    ),
    BondKind.BAIL: (
        BondState.SET,
        BondState.POSTED,
        BondState.CASE_CLOSED,
        BondState.RETURNED,
        BondState.NOT_RETURNED,
    ),
}
ENDS = (BondState.RETURNED, BondState.NOT_RETURNED)
OUT_OF = {BondKind.BOND: AccountKind.BONDS_OUT, BondKind.BAIL: AccountKind.BAIL_OUT}


@dataclass
class StepValues:
    state: str
    on: date
    hearing_on: date | None = None
    next_step_on: date | None = None
    note: str = ""
    returned_cents: int | None = None  # back in the fund: how much (all of it when not given)


def next_states(bond: Bond) -> list[BondState]:
    """The states a treasurer may record next: the current one again (a hearing, a new date), or one further."""
    if bond.state in ENDS:
        return []
    way = WAYS[bond.kind]
    here = way.index(BondState(bond.state))
    return list(way[here:])


def check_step(bond: Bond, values: StepValues) -> None:
    errors: dict[str, str] = {}
    allowed = next_states(bond)
    if values.state not in allowed:
        errors["state"] = _("A bond's steps go forward only: choose one of the next steps.")
    elif values.state == bond.state and not (values.hearing_on or values.next_step_on or values.note.strip()):
        errors["state"] = _("Give a hearing date, a date for the next step or a note to record the same step.")
    if len(values.note.strip()) > SHORT_TEXT:
        errors["note"] = _("Keep it under 500 characters.")
    if values.returned_cents is not None and not 1 <= values.returned_cents <= bond.cents:
        errors["returned_cents"] = _("The money back is more than zero and at most the bond's amount.")
    if values.next_step_on and values.state in ENDS:
        errors["next_step_on"] = _("This step ends the bond: there is no next step.")
    if errors:
        raise ValidationError(errors)


def end_lines(fund: Fund, bond: Bond, values: StepValues) -> list[tuple[TransactionKind, list[Line]]]:
    """The ledger's transactions of a bond's end: money back (with the rest not returned), or all of it lost."""
    out = OUT_OF[BondKind(bond.kind)]
    if values.state == BondState.NOT_RETURNED:
        return [
            (
                TransactionKind.NOT_RETURNED,
                [Line(fund, AccountKind.NOT_RETURNED, bond.cents), Line(fund, out, -bond.cents)],
            )
        ]
    back = values.returned_cents or bond.cents
    made = [(TransactionKind.RETURNED, [Line(fund, AccountKind.CASH, back), Line(fund, out, -back)])]
    if back < bond.cents:
        rest = bond.cents - back
        made.append(
            (TransactionKind.NOT_RETURNED, [Line(fund, AccountKind.NOT_RETURNED, rest), Line(fund, out, -rest)])
        )
    return made


def do_record_bond_step(bond: Bond, values: StepValues, *, by: User) -> BondStep:
    """Record the bond's next step (a treasurer); its end moves the ledger. ValidationError by field, or
    not_treasurer."""
    with transaction.atomic():
        fund = locked(bond.fund)
        row = Bond.objects.select_for_update().select_related("disbursement").get(pk=bond.pk)
        if not is_treasurer(by, fund):
            raise ValidationError(_("Only the fund's treasurers follow its bonds."), code="not_treasurer")
        check_step(row, values)
        step = BondStep.objects.create(
            bond=row, state=values.state, on=values.on, hearing_on=values.hearing_on, note=values.note.strip(), by=by
        )
        row.state = values.state
        if values.hearing_on:
            row.next_hearing_on = values.hearing_on
        if values.state == BondState.POSTED and row.posted_on is None:
            row.posted_on = values.on
        row.next_step_on = values.next_step_on
        ids = [row.uuid, step.uuid]
        if values.state in ENDS:
            row.closed_on, row.next_step_on = values.on, None
            for kind, lines in end_lines(fund, row, values):
                ids.append(ledger.post(kind, lines, on=values.on, by=by, category=row.disbursement.category).uuid)
        row.save()
        set_reminder(row)
        audited(by, fund, AuditAction.CHANGED, "funds.bond", ids, {"state": values.state, "kind": row.kind})
    return step


# Reminders: the day after a bond's next step was due, its fund's treasurers are emailed.


def reminder_due(on: date) -> datetime:
    return datetime.combine(on + timedelta(days=1), REMIND_AT, tzinfo=network_timezone())


def set_reminder(bond: Bond) -> None:
    """Set (or cancel) the overdue reminder of a bond, for its next step's date (in the caller's transaction)."""
    if bond.next_step_on is None or bond.state not in OUT:
        cancel_timer(BOND_TIMER, str(bond.uuid))
        return
    set_timer(
        BOND_TIMER, str(bond.uuid), reminder_due(bond.next_step_on), {"next_step_on": bond.next_step_on.isoformat()}
    )


def treasurers_of(fund: Fund) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__group=fund.group, memberships__grants__role=Role.TREASURER
    ).distinct()


def bond_link(bond: Bond, language: str) -> str:
    with translation.override(language):
        return str(settings.BASE_URL).rstrip("/") + reverse("funds:bond", kwargs={"bond": bond.uuid})


def remind_treasurers(fired: FiredTimer) -> None:
    """BOND_TIMER: one email to each treasurer of the fund when the bond's next step is still overdue (idempotent:
    the outbox's key names the bond and the date)."""
    bond = Bond.objects.filter(uuid=fired.key, state__in=OUT).select_related("fund__group").first()
    if bond is None or bond.next_step_on is None:
        return
    if bond.next_step_on.isoformat() != fired.data.get("next_step_on") or bond.next_step_on >= timezone.localdate():
        return
    for user in treasurers_of(bond.fund):
        language = language_of(user)
        context = {
            "fund": bond.fund.name(language),
            "kind": bond.kind,
            "state": bond.state,
            "next_step_on": bond.next_step_on,
            "link": bond_link(bond, language),
        }
        key = f"{BOND_TIMER}:{bond.uuid}:{bond.next_step_on.isoformat()}:{user.uuid}"
        email_account(user, "funds/email/bond_overdue", context, key=key)


# What the fund sees.


@dataclass(frozen=True)
class BondLine:
    bond: Bond
    age_days: int
    overdue: bool


def bonds_out(fund: Fund, today: date | None = None) -> list[BondLine]:
    """Every bond and bail of the fund still out, oldest first, with its age in days and whether its next step is
    overdue."""
    today = today or timezone.localdate()
    found = Bond.objects.filter(fund=fund, state__in=OUT).order_by("set_on", "pk")
    return [
        BondLine(
            bond, (today - (bond.posted_on or bond.set_on)).days, bool(bond.next_step_on and bond.next_step_on < today)
        )
        for bond in found
    ]
