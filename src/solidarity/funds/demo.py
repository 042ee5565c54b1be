"""A fictional Bond Fund and Medical and Legal Fund kept by the demo's Funds group: a dozen gifts over the
last months (some anonymous, one pledge still to collect, one imported from a payment platform with its
reference) and a transfer between them. Every name is invented."""

from datetime import timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.funds.models import Fund, FundKind, Method
from solidarity.funds.services import DonationValues, FundValues, do_create_fund, do_record_donation, do_transfer

GROUP, TREASURER = "funds", "jordan.sample"

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
    return len(GIFTS)
