"""Family-support cases: case workers, a case opened from an incident, and a fake fund that takes bond requests.

Names, numbers and places are fictional (555-01xx; A-numbers from no one).
"""

import uuid
from collections.abc import Iterator

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import bonds
from solidarity.core.permissions import Role
from solidarity.incidents import cases
from solidarity.incidents.case_models import Case
from solidarity.incidents.models import Incident
from tests.factories.accounts import make_member
from tests.factories.incidents import incident_of, report

FAKE_FUND = "tests.fake-fund"


def case_worker(username: str, group: WorkingGroup) -> User:
    """An account holding the case-worker role in `group` (with a second factor, as the role needs)."""
    return make_member(username, group, Role.CASE_WORKER)


def open_case(by: User, incident: Incident | None = None, *, for_whom: str = "Familia Rosales") -> Case:
    """A case opened by `by` (a dispatcher) from `incident` (an arrest reported in East Durham when not given)."""
    found = incident or incident_of(report("arrest"))
    return cases.do_open_case(found, cases.CaseValues(for_whom=for_whom, contact="+19195550177"), by=by)


class FakeFund:
    """A bond consumer standing in for the funds part: what it was told, and it picks up and pays as told."""

    def __init__(self) -> None:
        self.told: list[tuple[uuid.UUID, str]] = []

    def __call__(self, request: uuid.UUID, state: str) -> None:
        self.told.append((request, state))

    def pick_up(self) -> uuid.UUID:
        """Pick up the last request it was told of (as the funds part would, in its own transaction)."""
        request = self.told[-1][0]
        assert bonds.do_pick_up(request, consumer=FAKE_FUND)
        return request

    def pay(self, request: uuid.UUID) -> bool:
        return bonds.do_mark_paid(request, consumer=FAKE_FUND)


def registered_fund() -> Iterator[FakeFund]:
    """A fake fund registered as a bond consumer for a test, taken off after it (the registry is process-wide):
    a test module's fixture yields from it."""
    fund = FakeFund()
    bonds.BOND_CONSUMERS.register(FAKE_FUND, fund)
    try:
        yield fund
    finally:
        bonds.BOND_CONSUMERS.unregister(FAKE_FUND)
