"""The funds' objects for the URL walk (core.permissions.WALK_FILLERS): a fund kept by the walk's group,
with a gift in it, and what each URL keyword of the funds' names."""

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import WALK_FILLERS
from solidarity.funds.models import Fund, FundKind
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


def register() -> None:
    WALK_FILLERS.register("fund", lambda world: a_fund(world.group, world.owner).slug)


def register_statements() -> None:
    """The statements' keywords: a month (yyyy-mm, this one) and a file's format."""
    WALK_FILLERS.register("month", lambda world: f"{timezone.localdate():%Y-%m}")
    WALK_FILLERS.register("statement_format", lambda world: "csv")
