"""Who sees whom: every person, vouch and contact a page or the API touches comes through here.

The roster is the network's, not a working group's: dispatch asks over everyone, and most
volunteers (SMS only) have no account, so they are in no group. Yet "a coordinator of any group"
is far too wide: the funds' coordinator has no need to know every responder's phone, and the URL
walk holds that a coordinator of another group sees nothing of a group's people. So:

1. Roster keepers (ROSTER_KEEPER, a role people declares; granted in a working group like any
   other, audited, with a second factor) keep the whole roster: they list and filter everyone,
   add, edit, pause, bring back and erase people, grant certifications, mark imported people
   vetted, withdraw anyone's vouch, and read phones and emails.
2. Dispatchers (of any group) read the whole roster: names, language, state, zones, skills,
   vouches, shifts — what dispatch decides on. Not phones or emails: messages reach a responder
   by id, and the sending service looks the address up itself.
3. Working-group mates: someone whose account shares a live working group with the person's
   account sees that person's record as a dispatcher does (a responder sees their dispatcher's
   display name, not their phone). A coordinator of that shared group also reads the contacts.
4. Oneself: a person's own record, contacts included.
5. Anyone else: the person does not exist (Http404). Admins are not roster keepers: need to know.

Who may do what is in the role sets below (ROSTER_READERS, CONTACT_READERS, EDITORS); a part that
must narrow it later (say, roster keepers of one group only) changes them or `roles_for` here.

Every look at contacts is audited (VIEWED, uuids only: the person's and the contacts'). Vouching is
done as one's own person record: only someone with a record, in the network and vetted, vouches.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.core import audit, roles
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, Roles, Scoped, holds_anywhere, remember, roles_by_group
from solidarity.core.services import get_network_settings
from solidarity.messaging import reasons
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.people.models import (
    Certification,
    Contact,
    ContactKind,
    OneOffShift,
    Person,
    PersonState,
    Shift,
    Vouch,
)
from solidarity.people.services import vetted

ROSTER_KEEPER = roles.declare(
    "roster_keeper",
    _("roster keeper"),
    _("Keeps the network's roster of people: adds them, vets them, reads their phones and emails."),
    sensitive=True,
)
ROSTER_READERS = frozenset({ROSTER_KEEPER, Role.DISPATCHER})  # the whole roster, without contacts
EDITORS = frozenset({ROSTER_KEEPER})  # change a person, grant, pause, erase
CONTACT_READERS = frozenset({ROSTER_KEEPER, Role.COORDINATOR})  # coordinators: of a group the person is in
SIGNERS = frozenset({ROSTER_KEEPER, Role.COORDINATOR})  # record a practical sign-off (people.services.do_sign_off)
SELF = "self"  # the Scoped group of one's own record


def actor(user: AnyUser) -> str:
    return str(getattr(user, "uuid", ""))


def reads_roster(user: AnyUser) -> bool:
    return holds_anywhere(user, *ROSTER_READERS)


def keeps_roster(user: AnyUser) -> bool:
    return holds_anywhere(user, *EDITORS)


def roster(user: AnyUser) -> QuerySet[Person]:
    """Everyone on the roster (those who left, for roster keepers only); Http404 for anyone else."""
    if not reads_roster(user):
        raise Http404
    found = Person.objects.all()
    return found if keeps_roster(user) else found.exclude(state=PersonState.LEFT)


def groups_of(person: Person) -> set[str]:
    """The live working groups the person's account is in."""
    if person.user_id is None:
        return set()
    rows = Membership.objects.filter(user_id=person.user_id, user__is_active=True, group__archived_at__isnull=True)
    return set(rows.values_list("group__slug", flat=True))


def roles_for(user: AnyUser, person: Person) -> tuple[str, Roles]:
    """(where the caller's access comes from, the roles that give it) for this person; empty roles: none."""
    is_self = getattr(user, "pk", None) is not None and person.user_id == user.pk and not person.has_left
    held: set[Role] = {Role.MEMBER} if is_self else set()
    for role in ROSTER_READERS:
        if holds_anywhere(user, role):
            held.add(role)
    if person.has_left:
        return "", frozenset(held & EDITORS)
    mine = roles_by_group(user)
    shared = sorted(groups_of(person) & set(mine)) if mine else []
    for slug in shared:
        held |= mine[slug]
    where = SELF if is_self else (shared[0] if shared else "")
    return where, frozenset(held)


def access_person_scoped(user: AnyUser, person: str | UUID) -> Scoped[Person]:
    """The person with this uuid, with the roles that let the caller see them; Http404 for anyone else.

    Kept per request: the permission check and the view asking alike cost one look-up.
    """
    try:
        wanted = person if isinstance(person, UUID) else UUID(str(person))
    except ValueError:
        raise Http404 from None

    def find() -> Scoped[Person]:
        found = Person.objects.filter(uuid=wanted).select_related("user").first()
        if found is None:
            raise Http404
        where, held = roles_for(user, found)
        if not held:
            raise Http404
        return Scoped(found, where, held)

    return remember(user, ("people.person", wanted), find)


def access_person(user: AnyUser, person: str | UUID) -> Person:
    """The person, for anyone who may see them; Http404 otherwise."""
    return access_person_scoped(user, person).obj


def edited_person(user: AnyUser, person: str | UUID) -> Person:
    """The person, for a roster keeper; Http404 for anyone else."""
    scoped = access_person_scoped(user, person)
    if not scoped.roles & EDITORS:
        raise Http404
    return scoped.obj


def may_read_contacts(scoped: Scoped[Person]) -> bool:
    return scoped.group == SELF or bool(scoped.roles & CONTACT_READERS)


@dataclass(frozen=True)
class ContactSeen:
    """A contact as its page shows it, with messaging's state of the address (read there, never copied)."""

    uuid: UUID
    kind: str
    label: str  # "phone" or "email", in the reader's language
    value: str
    is_primary: bool
    opted_out: bool
    failure: str  # the plain reason of the last delivery failure that marks the address; "" when none
    failures: int
    has_key: bool  # an OpenPGP key is on file for the address (emails: mail to it goes encrypted)
    confirmed_at: datetime | None  # when it was last confirmed working


def contacts_seen_by(user: AnyUser, scoped: Scoped[Person]) -> list[ContactSeen] | None:
    """The person's contacts for a caller allowed to read them (audited: VIEWED, uuids only); None for others."""
    if not may_read_contacts(scoped):
        return None
    person = scoped.obj
    contacts = list(Contact.objects.filter(person=person).order_by("kind", "-is_primary", "created_at"))
    seen = []
    for kind, channel in ((ContactKind.PHONE, Channel.SMS), (ContactKind.EMAIL, Channel.EMAIL)):
        values = [str(contact.value) for contact in contacts if contact.kind == kind]
        states = messaging.addresses_for(channel, values) if values else {}
        for contact in contacts:
            if contact.kind != kind:
                continue
            state = states.get(str(contact.value))
            marked = state is not None and bool(state.failure_reason) and reasons.marks_address(state.failure_reason)
            seen.append(
                ContactSeen(
                    uuid=contact.uuid,
                    kind=contact.kind,
                    label=str(ContactKind(contact.kind).label),
                    value=str(contact.value),
                    is_primary=contact.is_primary,
                    opted_out=state is not None and state.opted_out_at is not None,
                    failure=str(reasons.explain(state.failure_reason).text) if state is not None and marked else "",
                    failures=state.failures if state is not None else 0,
                    has_key=state is not None and bool(str(state.openpgp_key)),
                    confirmed_at=contact.confirmed_at,
                )
            )
    if contacts:
        audit.record(
            actor=actor(user),
            role=audit_role(scoped),
            action=AuditAction.VIEWED,
            object_type="people.contact",
            object_ids=[person.uuid, *(contact.uuid for contact in contacts)],
        )
    return seen


def audit_role(scoped: Scoped[Person]) -> str:
    if scoped.group == SELF:
        return SELF
    for role in (ROSTER_KEEPER, Role.COORDINATOR, Role.DISPATCHER):
        if role in scoped.roles:
            return str(role)
    return str(Role.MEMBER)


def record_of(user: AnyUser) -> Person | None:
    """The caller's own person record (not left), or None."""
    pk = getattr(user, "pk", None)
    if not isinstance(pk, int):
        return None
    return Person.objects.filter(user_id=pk).exclude(state=PersonState.LEFT).first()


def voucher_for(user: AnyUser) -> Person | None:
    """The caller's own person record when it may vouch (in the network and vetted); None otherwise."""
    found = record_of(user)
    if found is None or not vetted(found, get_network_settings().vouches_needed):
        return None
    return found


def vouches_for(person: Person) -> QuerySet[Vouch]:
    """Live vouches for a person the caller reached through access_person, oldest first, with who vouched."""
    return (
        Vouch.objects.filter(vouched=person, withdrawn_at__isnull=True)
        .select_related("voucher")
        .order_by("created_at", "pk")
    )


def access_vouch(user: AnyUser, person: str | UUID, vouch: str | UUID) -> Vouch:
    """A live vouch for the person, for the one who gave it or a roster keeper; Http404 otherwise."""
    scoped = access_person_scoped(user, person)
    try:
        wanted = vouch if isinstance(vouch, UUID) else UUID(str(vouch))
    except ValueError:
        raise Http404 from None
    found = Vouch.objects.filter(uuid=wanted, vouched=scoped.obj).select_related("voucher", "vouched").first()
    if found is None:
        raise Http404
    own = found.voucher.user_id is not None and found.voucher.user_id == getattr(user, "pk", None)
    if not own and not scoped.roles & EDITORS:
        raise Http404
    return found


def shifts_of(person: Person) -> QuerySet[Shift]:
    """A person's weekly on-call windows, Monday first (none once they left)."""
    return Shift.objects.filter(person=person).order_by("start_minute")


def upcoming_one_offs(person: Person) -> QuerySet[OneOffShift]:
    return OneOffShift.objects.filter(person=person, ends_at__gt=timezone.now()).order_by("starts_at")


def certifications_of(person: Person) -> QuerySet[Certification]:
    return Certification.objects.filter(person=person).select_related("skill").order_by("skill__slug")


def with_details(people: QuerySet[Person]) -> QuerySet[Person]:
    """A roster page's people with their zones and certifications (two more queries, whatever the count)."""
    return people.prefetch_related(
        "zones", Prefetch("certifications", queryset=Certification.objects.select_related("skill"))
    )


def people_by_uuid(user: AnyUser, uuids: Iterable[UUID]) -> list[Person]:
    """These people, for a roster keeper (the others are left out)."""
    if not keeps_roster(user):
        raise Http404
    return list(Person.objects.filter(uuid__in=list(uuids)))


def uuid_of(value: str | UUID) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404 from None


def access_contact(user: AnyUser, person: str | UUID, contact: str | UUID) -> Contact:
    """One of the person's contacts, for a roster keeper (who changes them); Http404 otherwise."""
    found = Contact.objects.filter(uuid=uuid_of(contact), person=edited_person(user, person)).first()
    if found is None:
        raise Http404
    return found


def access_one_off(user: AnyUser, person: str | UUID, change: str | UUID) -> OneOffShift:
    """One of the person's one-off changes to the shifts, for a roster keeper; Http404 otherwise."""
    found = OneOffShift.objects.filter(uuid=uuid_of(change), person=edited_person(user, person)).first()
    if found is None:
        raise Http404
    return found


def access_certification(
    user: AnyUser, person: str | UUID, certification: str | UUID, *, needed: frozenset[Role] = EDITORS
) -> Certification:
    """One of the person's certifications, for a caller holding one of `needed` over them
    (EDITORS to remove; SIGNERS to sign off); Http404 otherwise."""
    scoped = access_person_scoped(user, person)
    if not scoped.roles & needed:
        raise Http404
    found = Certification.objects.filter(uuid=uuid_of(certification), person=scoped.obj).select_related("skill").first()
    if found is None:
        raise Http404
    return found


def may_sign_off(scoped: Scoped[Person]) -> bool:
    return bool(scoped.roles & SIGNERS)


def signers_of(certifications: Iterable[Certification]) -> dict[int, str]:
    """{account id: how to name them} for who signed these off: their person's display name, else their username."""
    ids = {c.signed_off_by_id for c in certifications if c.signed_off_by_id is not None}
    if not ids:
        return {}
    names = {user.pk: str(user.username) for user in User.objects.filter(pk__in=ids)}
    for record in Person.objects.filter(user_id__in=ids).exclude(state=PersonState.LEFT):
        if record.user_id is not None:
            names[record.user_id] = str(record.display_name)
    return names


def memberships_of(person: Person) -> QuerySet[Membership]:
    """The working groups of the person's account (live ones), with the roles held there."""
    if person.user_id is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user_id=person.user_id, group__archived_at__isnull=True)
        .select_related("group")
        .prefetch_related("grants")
        .order_by("group__name")
    )


def groups_managed_by(user: AnyUser) -> QuerySet[WorkingGroup]:
    """The live groups whose members the caller may add and remove: all for an admin, else those they coordinate."""
    live = WorkingGroup.objects.filter(archived_at__isnull=True).order_by("name")
    if getattr(user, "is_admin", False):
        return live
    coordinated = [slug for slug, held in roles_by_group(user).items() if Role.COORDINATOR in held]
    return live.filter(slug__in=coordinated)


def access_managed_group(user: AnyUser, slug: str) -> WorkingGroup:
    """A live group whose members the caller may add and remove (accounts.groups does it); Http404 otherwise."""
    found = groups_managed_by(user).filter(slug=slug).first()
    if found is None:
        raise Http404
    return found
