"""A person's phones and emails after they were added: add one, remove one, choose the primary per kind.

Invariants (with people.services'):
- A contact is stored normalised (a phone in E.164, an email lower-cased) and belongs to one person in
  the network: adding one another person has is refused, found through the blind index
  (find_people_by_contact). The index is truncated, so it cannot be a unique key: two roster keepers
  adding the same number to two people at the same instant could both succeed; the CSV import's
  de-duplication and this check catch every other case.
- Each kind has at most one primary (a partial unique key); removing the primary makes the oldest
  remaining contact of that kind primary.
- Audit entries name the person's and the contact's uuids and the kind: never the value.
Locks: the person's row, for every change to their contacts.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.messaging.models import Channel
from solidarity.people.models import Contact, ContactKind, Person
from solidarity.people.services import (
    MAX_CONTACTS,
    actor_of,
    check_still_here,
    clean_contact,
    find_people_by_contact,
)


def record(action: AuditAction, contact: Contact, person: Person, by: User | None, role: str, actor: str) -> None:
    audit.record(
        actor=actor_of(by, actor),
        role=role,
        action=action,
        object_type="people.contact",
        object_ids=[contact.uuid, person.uuid],
        detail={"kind": contact.kind, "primary": contact.is_primary},
    )


def do_add_contact(
    person: Person, kind: str, value: str, *, by: User | None, role: str = "", actor: str = ""
) -> Contact:
    """Add a phone or an email; the first of its kind is primary.

    ValidationError on `value`: not a phone or email, this person has it already, another person in
    the network has it, or the person has MAX_CONTACTS already.
    """
    if kind not in ContactKind.values:
        raise ValidationError({"kind": _("Choose a phone or an email.")})
    try:
        normalised = clean_contact(kind, value)
    except ValidationError as error:
        raise ValidationError({"value": error.messages}) from None
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        check_still_here(locked)
        holders = find_people_by_contact(kind, normalised)
        if any(holder.pk == person.pk for holder in holders):
            raise ValidationError({"value": _("This person has it already.")})
        if holders:
            raise ValidationError({"value": _("Another person in the network already has it.")})
        if Contact.objects.filter(person=locked).count() >= MAX_CONTACTS:
            raise ValidationError({"value": _("At most %(count)d phones and emails.") % {"count": MAX_CONTACTS}})
        primary = not Contact.objects.filter(person=locked, kind=kind, is_primary=True).exists()
        contact = Contact.objects.create(person=locked, kind=kind, value=normalised, is_primary=primary)
        record(AuditAction.CREATED, contact, person, by, role, actor)
    return contact


def do_remove_contact(contact: Contact, *, by: User | None, role: str = "", actor: str = "") -> bool:
    """Remove a phone or an email (a primary one passes the role to the oldest left of its kind).

    False when it was gone already (a double click changes nothing).
    """
    person = contact.person
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        found = Contact.objects.filter(pk=contact.pk).first()
        if found is None:
            return False
        found.delete()
        if found.is_primary:
            heir = Contact.objects.filter(person=person, kind=found.kind).order_by("created_at", "pk").first()
            if heir is not None:
                Contact.objects.filter(pk=heir.pk).update(is_primary=True)
        record(AuditAction.DELETED, found, person, by, role, actor)
    return True


def do_set_primary_contact(contact: Contact, *, by: User | None, role: str = "", actor: str = "") -> bool:
    """Make this contact the primary of its kind (messages go there first); False when it already was."""
    person = contact.person
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        check_still_here(locked)
        found = Contact.objects.filter(pk=contact.pk).first()
        if found is None or found.is_primary:
            return False
        # The old primary steps down first: one primary per kind is a unique key.
        Contact.objects.filter(person=person, kind=found.kind, is_primary=True).update(is_primary=False)
        Contact.objects.filter(pk=found.pk).update(is_primary=True)
        found.is_primary = contact.is_primary = True
        record(AuditAction.CHANGED, found, person, by, role, actor)
    return True


def reachable_at(person: Person) -> tuple[str, str] | None:
    """Where a message to `person` goes: (channel, address) of their primary phone, else primary email, else any.

    None when they have no contact. Reads `person.contacts.all()`, so a caller that prefetched them costs no query.
    """
    contacts = sorted(person.contacts.all(), key=lambda c: (c.kind != ContactKind.PHONE, not c.is_primary, c.pk))
    if not contacts:
        return None
    first = contacts[0]
    return (Channel.SMS if first.kind == ContactKind.PHONE else Channel.EMAIL), str(first.value)
