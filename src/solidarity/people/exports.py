"""The roster out to CSV, for roster keepers: the importer's own columns, so a file goes out and comes back in.

Every cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
gets a leading apostrophe (OWASP's CSV injection advice); the importer takes it off again. A phone in
E.164 starts with +, so every phone goes out escaped. Exporting is audited: who, how many rows and
which filters, never what was in them. People who left are not exported: nothing of theirs is left.
"""

import csv
import io

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.services import network_timezone
from solidarity.people.imports import FIELDS, formula_escaped
from solidarity.people.models import Certification, Contact, ContactKind, Person, PersonState
from solidarity.people.services import actor_of

CHUNK = 500


escaped = formula_escaped


def row_of(person: Person) -> list[str]:
    tz = network_timezone()
    contacts = sorted(person.contacts.all(), key=lambda c: (not c.is_primary, c.created_at))
    skills = [
        f"{c.skill.slug}:{c.granted_at.astimezone(tz).date().isoformat()}"
        for c in sorted(person.certifications.all(), key=lambda c: c.skill.slug)
    ]
    cells = [
        str(person.display_name),
        "; ".join(str(c.value) for c in contacts if c.kind == ContactKind.PHONE),
        "; ".join(str(c.value) for c in contacts if c.kind == ContactKind.EMAIL),
        person.language,
        "; ".join(sorted(zone.slug for zone in person.zones.all())),
        "; ".join(skills),
    ]
    return [escaped(cell) for cell in cells]


def exported(people: QuerySet[Person]) -> QuerySet[Person]:
    return (
        people.exclude(state=PersonState.LEFT)
        .prefetch_related(
            "zones",
            Prefetch("contacts", queryset=Contact.objects.order_by("created_at")),
            Prefetch("certifications", queryset=Certification.objects.select_related("skill")),
        )
        .order_by("created_at", "pk")
    )


def do_export_people(
    people: QuerySet[Person], *, by: User, role: str = "", filters: dict[str, str] | None = None
) -> bytes:
    """The people (already narrowed to what the caller may export) as CSV in UTF-8 with a BOM (Excel reads
    the accents); audited with the count and the filters."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    count = 0
    for person in exported(people).iterator(chunk_size=CHUNK):
        writer.writerow(row_of(person))
        count += 1
    audit.record(
        actor=actor_of(by),
        role=role,
        action=AuditAction.EXPORTED,
        object_type="people.person",
        object_ids=[],
        detail={"rows": count, "filters": [f"{k}={v}" for k, v in sorted((filters or {}).items()) if v]},
    )
    return ("\ufeff" + out.getvalue()).encode()


def export_name() -> str:
    return f"people-{timezone.now().astimezone(network_timezone()).date().isoformat()}.csv"
