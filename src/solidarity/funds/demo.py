"""A fictional Bond Fund and Medical and Legal Fund kept by the demo's Funds group: a dozen gifts over the
last months (some anonymous, one pledge still to collect, one imported from a payment platform with its
reference) and a transfer between them; payments: an immigration bond posted three months ago and
followed since, a criminal bail paid and back in the fund, a lawyer's fee waiting for its approval.
Every name is invented."""

from datetime import date, timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.funds.bonds import StepValues, do_record_bond_step
from solidarity.funds.models import Bond, BondState, Category, Fund, FundKind, Method
from solidarity.funds.requests import (
    PayValues,
    RequestValues,
    do_approve_disbursement,
    do_pay_disbursement,
    do_request_disbursement,
)
from solidarity.funds.services import DonationValues, FundValues, do_create_fund, do_record_donation, do_transfer

GROUP, TREASURER, SECOND_TREASURER, ASKER = "funds", "jordan.sample", "rosa.ejemplo", "lupe.demo"

FUNDS = {
    "bond": FundValues(
        name_en="Bond Fund (demo)",
        name_es="Fondo de fianzas (demo)",
        kind=FundKind.BOND,
        slug="demo-bond-fund",
        about_en="Pays immigration bonds so that neighbours come home while their case goes on.",
        about_es="Paga fianzas de inmigración para que los vecinos vuelvan a casa mientras sigue su caso.",
        give_url="https://give.example.org/bond-fund",
        is_public=True,
    ),
    "medical_legal": FundValues(
        name_en="Medical and Legal Fund (demo)",
        name_es="Fondo médico y legal (demo)",
        kind=FundKind.MEDICAL_LEGAL,
        slug="demo-medical-legal-fund",
        about_en="Medicine, care, rides and legal fees for people the network accompanies.",
        about_es="Medicinas, atención, transporte y gastos legales para las personas que acompaña la red.",
    ),
}

# (fund, cents, days ago, method, donor's name ("" anonymous), platform reference, pledge)
GIFTS = [
    ("bond", 50_000, 150, Method.CHECK, "Marisol Ejemplo", "", False),
    ("bond", 2_500, 140, Method.CASH, "", "", False),
    ("bond", 10_000, 120, Method.PLATFORM, "Alex Placeholder", "ch_DEMO0001", False),
    ("bond", 125_000, 100, Method.TRANSFER, "Friends of the Fund (demo)", "", False),
    ("medical_legal", 4_000, 95, Method.CASH, "", "", False),
    ("bond", 7_500, 80, Method.PLATFORM, "", "ch_DEMO0002", False),
    ("medical_legal", 20_000, 70, Method.CHECK, "Dana Muestra", "", False),
    ("bond", 1_500, 55, Method.CASH, "", "", False),
    ("medical_legal", 15_000, 40, Method.PLATFORM, "Kim Sample", "ch_DEMO0003", False),
    ("bond", 30_000, 30, Method.TRANSFER, "Teo Ficticio", "", False),
    ("medical_legal", 2_000, 12, Method.CASH, "", "", False),
    ("bond", 100_000, 5, Method.OTHER, "Congregation of the Example Street (demo)", "", True),
]


def load() -> int:
    """Add the demo's funds when they are missing (after the accounts' demo); how many gifts were added."""
    group = WorkingGroup.objects.filter(slug=GROUP).first()
    treasurer = User.objects.filter(username=TREASURER).first()
    if group is None or treasurer is None or Fund.objects.filter(slug=FUNDS["bond"].slug).exists():
        return 0
    today = timezone.localdate()
    funds = {key: do_create_fund(group, values, by=treasurer) for key, values in FUNDS.items()}
    for key, cents, days, method, donor, reference, pledge in GIFTS:
        values = DonationValues(
            cents=cents,
            on=today - timedelta(days=days),
            method=method,
            donor_name=donor,
            reference=reference,
            pledge=pledge,
        )
        do_record_donation(funds[key], values, by=treasurer)
    do_transfer(
        funds["bond"],
        funds["medical_legal"],
        20_000,
        on=today - timedelta(days=20),
        by=treasurer,
        note="Legal fees ran ahead of gifts this month (demo).",
    )
    payments(funds)
    return len(GIFTS)


def payments(funds: dict[str, Fund]) -> None:
    """A bond followed for three months, a bail back in the fund, a fee waiting (when the demo's people are there)."""
    people = {user.username: user for user in User.objects.filter(username__in=[TREASURER, SECOND_TREASURER, ASKER])}
    if len(people) < 3:
        return
    today = timezone.localdate()
    jordan, rosa, lupe = people[TREASURER], people[SECOND_TREASURER], people[ASKER]

    def paid(fund: str, values: RequestValues, days: int, next_step_on: date | None = None) -> Bond | None:
        asked = do_request_disbursement(funds[fund], values, by=lupe)
        for treasurer in (jordan, rosa)[: asked.approvals_needed]:
            do_approve_disbursement(asked, by=treasurer)
        done = do_pay_disbursement(
            asked, PayValues(on=today - timedelta(days=days), next_step_on=next_step_on), by=jordan
        )
        return Bond.objects.filter(disbursement=done).first()

    bond = paid(
        "bond",
        RequestValues(cents=150_000, category=Category.BOND, purpose="Bond set at the detention centre (demo)."),
        90,
        next_step_on=today + timedelta(days=25),
    )
    if bond is not None:
        do_record_bond_step(
            bond,
            StepValues(state=BondState.POSTED, on=today - timedelta(days=40), hearing_on=today + timedelta(days=25)),
            by=jordan,
        )
    bail = paid(
        "medical_legal",
        RequestValues(cents=40_000, category=Category.BAIL, purpose="Bail after the march (demo)."),
        60,
    )
    if bail is not None:
        do_record_bond_step(bail, StepValues(state=BondState.CASE_CLOSED, on=today - timedelta(days=30)), by=jordan)
        do_record_bond_step(bail, StepValues(state=BondState.RETURNED, on=today - timedelta(days=15)), by=jordan)
    fee = RequestValues(cents=35_000, category=Category.LEGAL, purpose="Filing fee for a family's motion (demo).")
    do_request_disbursement(funds["medical_legal"], fee, by=lupe)
