"""Fetching the funds a request may touch: every access_* checks first.

A fund belongs to a working group. Its members see the fund: its balances, its requests and bonds (never
a donor's name, which its treasurers alone read). Its treasurers record gifts, approve, pay and follow
bonds; its treasurers and coordinators ask for payments. To anyone outside the group, the fund does not
exist (Http404), except its public page when the fund has one.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from solidarity.core.codes import as_uuid, is_uuid
from solidarity.core.permissions import AnyUser, Role, Scoped, access_scoped, owner_role
from solidarity.funds.models import Bond, Disbursement, Fund

TREASURERS = (Role.TREASURER,)
ASKERS = (Role.TREASURER, Role.COORDINATOR)


def find_fund(fund: str | UUID) -> Fund | None:
    """The fund named by its slug or its uuid."""
    found = Fund.objects.select_related("group")
    if isinstance(fund, UUID) or is_uuid(str(fund)):
        return found.filter(uuid=as_uuid(fund)).first()
    return found.filter(slug=str(fund)).first()


def access_fund_scoped(user: AnyUser, fund: str | UUID) -> Scoped[Fund]:
    """The fund, with the caller's roles in its group; Http404 for anyone not in that group."""
    return access_scoped(user, ("funds.fund", str(fund)), lambda: find_fund(fund), lambda found: found.group.slug)


def access_fund(user: AnyUser, fund: str | UUID, *roles: Role) -> Fund:
    """The fund, when the caller holds one of `roles` in its group (any membership when none are given)."""
    scoped = access_fund_scoped(user, fund)
    if roles and not scoped.has(*roles):
        raise Http404
    return scoped.obj


def public_fund(fund: str) -> Fund:
    """A fund whose public page is on, for anyone; Http404 otherwise."""
    found = find_fund(fund)
    if found is None or not found.is_public:
        raise Http404
    return found


# Permissions for views and operations that name a fund in their URL as <fund>.
FUND_MEMBER = owner_role(Role.MEMBER, access=access_fund_scoped, kwarg="fund")
FUND_TREASURER = owner_role(*TREASURERS, access=access_fund_scoped, kwarg="fund")
FUND_ASKER = owner_role(*ASKERS, access=access_fund_scoped, kwarg="fund")


# Payments (Disbursement) and bonds (Bond) by their uuid: the fund's group's members see them.


def find_disbursement(disbursement: str | UUID) -> Disbursement | None:
    if not is_uuid(str(disbursement)):
        return None
    found = Disbursement.objects.select_related("fund__group", "requested_by", "bond_request")
    return found.filter(uuid=as_uuid(disbursement)).first()


def access_disbursement_scoped(user: AnyUser, disbursement: str | UUID) -> Scoped[Disbursement]:
    """A payment request, with the caller's roles in its fund's group; Http404 for anyone outside it."""
    return access_scoped(
        user,
        ("funds.disbursement", str(disbursement)),
        lambda: find_disbursement(disbursement),
        lambda found: found.fund.group.slug,
    )


def find_bond(bond: str | UUID) -> Bond | None:
    if not is_uuid(str(bond)):
        return None
    return Bond.objects.select_related("fund__group", "disbursement").filter(uuid=as_uuid(bond)).first()


def access_bond_scoped(user: AnyUser, bond: str | UUID) -> Scoped[Bond]:
    """A bond or bail, with the caller's roles in its fund's group; Http404 for anyone outside it."""
    return access_scoped(user, ("funds.bond", str(bond)), lambda: find_bond(bond), lambda found: found.fund.group.slug)


def fund_disbursements(fund: Fund) -> QuerySet[Disbursement]:
    return Disbursement.objects.filter(fund=fund).select_related("fund__group", "requested_by", "bond_request")


def fund_bonds(fund: Fund) -> QuerySet[Bond]:
    return Bond.objects.filter(fund=fund).select_related("fund__group", "disbursement")


DISBURSEMENT_MEMBER = owner_role(Role.MEMBER, access=access_disbursement_scoped, kwarg="disbursement")
DISBURSEMENT_TREASURER = owner_role(*TREASURERS, access=access_disbursement_scoped, kwarg="disbursement")
# Withdrawing: the one who asked (a treasurer or coordinator) or a treasurer; the service checks which.
DISBURSEMENT_ASKER = owner_role(*ASKERS, access=access_disbursement_scoped, kwarg="disbursement")
BOND_MEMBER = owner_role(Role.MEMBER, access=access_bond_scoped, kwarg="bond")
BOND_TREASURER = owner_role(*TREASURERS, access=access_bond_scoped, kwarg="bond")
