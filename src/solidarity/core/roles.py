"""The roles a person can hold in a working group: each declared once, with its words.

A membership is being in a group (`Role.MEMBER`, implied by the membership itself) plus any set
of other roles held there: a coordinator who also dispatches, a treasurer who is also a member.
accounts keeps who holds what; core only knows the words, so that every tier can name a role in
a permission (`role(Role.DISPATCHER)`) without importing accounts.

core declares the network's shared vocabulary below (GLOSSARY.md). A part adds a role of its own
without editing core, at import of its own module:

    STACK_KEEPER = roles.declare("stack_keeper", _("stack keeper"), _("Keeps the speaking queue."))

A role that reaches sensitive data (reports, cases, funds, people's contacts) is `sensitive`:
its holders must have a second factor before they may use the site (accounts.middleware).
"""

from dataclasses import dataclass
from typing import ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from solidarity.core.hooks import Registry


@dataclass(frozen=True)
class RoleInfo:
    code: str
    label: str | Promise
    description: str | Promise
    sensitive: bool  # its holders reach sensitive data: they need a second factor


ROLES = Registry[str, RoleInfo]("core.roles")


class Role(str):
    """A declared role's code, as stored and as the API spells it. `Role("nope")` raises ValueError."""

    __slots__ = ()

    MEMBER: ClassVar["Role"]
    COORDINATOR: ClassVar["Role"]
    DISPATCHER: ClassVar["Role"]
    RESPONDER: ClassVar["Role"]
    TREASURER: ClassVar["Role"]
    FACILITATOR: ClassVar["Role"]
    STACK_KEEPER: ClassVar["Role"]
    MINUTE_TAKER: ClassVar["Role"]
    TIMEKEEPER: ClassVar["Role"]
    CASE_WORKER: ClassVar["Role"]
    MEDIC_LEAD: ClassVar["Role"]
    JAIL_SUPPORT_LEAD: ClassVar["Role"]

    def __new__(cls, code: str) -> "Role":
        if code not in ROLES:
            raise ValueError(f"{code!r} is not a declared role")
        return super().__new__(cls, code)

    @property
    def info(self) -> RoleInfo:
        return ROLES[str(self)]

    @property
    def label(self) -> str:
        return str(self.info.label)

    @property
    def is_sensitive(self) -> bool:
        return self.info.sensitive


def declare(code: str, label: str | Promise, description: str | Promise, *, sensitive: bool = False) -> Role:
    """Add a role to the network's vocabulary (once per code; the same declaration again is harmless)."""
    ROLES.register(code, RoleInfo(code, label, description, sensitive))
    return Role(code)


def all_roles() -> list[Role]:
    """Every declared role, in the order declared: the order pages list them in."""
    return [Role(code) for code in ROLES]


def assignable() -> list[Role]:
    """The roles one grants: all but MEMBER, which being in the group already is."""
    return [held for held in all_roles() if held != Role.MEMBER]


def choices() -> list[tuple[str, str]]:
    """(code, label) pairs of the assignable roles, for a form's checkboxes."""
    return [(str(held), held.label) for held in assignable()]


def sensitive_roles() -> frozenset[Role]:
    return frozenset(held for held in all_roles() if held.is_sensitive)


def ordered(held: frozenset[Role] | set[Role]) -> list[Role]:
    """A set of roles in the vocabulary's order (MEMBER last: every member holds it)."""
    order = {code: index for index, code in enumerate(ROLES)}
    return sorted(held, key=lambda role: (role == Role.MEMBER, order.get(str(role), len(order))))


Role.MEMBER = declare("member", _("member"), _("Is in the working group: sees its members and its own pages."))
Role.COORDINATOR = declare(
    "coordinator",
    _("coordinator"),
    _("Runs the working group: its members and their roles, its lists and broadcasts."),
    sensitive=True,
)
Role.DISPATCHER = declare(
    "dispatcher",
    _("dispatcher"),
    _("Takes reports on the hotline, reads the texts in the inbox, verifies and dispatches."),
    sensitive=True,
)
Role.RESPONDER = declare("responder", _("responder"), _("Gets alerts and answers whether they can go."))
Role.TREASURER = declare(
    "treasurer", _("treasurer"), _("Keeps the group's funds and approves payments."), sensitive=True
)
Role.FACILITATOR = declare("facilitator", _("facilitator"), _("Runs assemblies and meetings: the agenda and time."))
Role.STACK_KEEPER = declare("stack_keeper", _("stack keeper"), _("Keeps the speaking queue during meetings."))
Role.MINUTE_TAKER = declare("minute_taker", _("minute taker"), _("Takes the minutes of meetings."))
Role.TIMEKEEPER = declare("timekeeper", _("timekeeper"), _("Keeps the time of meetings: gives an item more time."))
Role.CASE_WORKER = declare(
    "case_worker",
    _("case worker"),
    _("Follows a family-support case through the legal path."),
    sensitive=True,
)
Role.MEDIC_LEAD = declare(
    "medic_lead", _("medic lead"), _("Leads the street medics at an action: pairs, kits and supplies.")
)
Role.JAIL_SUPPORT_LEAD = declare(
    "jail_support_lead",
    _("jail-support lead"),
    _("Follows the people arrested at an action until they are out."),
    sensitive=True,
)
