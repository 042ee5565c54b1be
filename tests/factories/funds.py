"""Funds for tests: fictional funds and gifts, made through the part's real services."""

from datetime import date
from typing import Any

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.funds.models import Donation, Fund, FundKind
from solidarity.funds.services import DonationValues, FundValues, do_create_fund, do_record_donation


def make_fund(group: WorkingGroup, by: User | None, name: str = "Bond Fund", **values: Any) -> Fund:
    defaults: dict[str, Any] = {"name_en": name, "name_es": f"Fondo {name}", "kind": FundKind.BOND}
    return do_create_fund(group, FundValues(**(defaults | values)), by=by)


def give(fund: Fund, cents: int, by: User | None = None, on: date | None = None, **values: Any) -> Donation:
    """A gift of `cents` recorded today (or `on`)."""
    return do_record_donation(fund, DonationValues(cents=cents, on=on or timezone.localdate(), **values), by=by)
