"""Two records of one person made one: what the kept record gets, and the merge itself.

A spreadsheet imported twice, a volunteer who texted from a new phone: the roster ends up with two
records of one person. do_merge_people keeps one and moves everything of the other onto it, then
deletes the other. The audit history of both stays (entries name uuids, and the gone uuid is named
in the merge's own entry).
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.timers import cancel_timer
from solidarity.people.models import (
    Certification,
    Contact,
    Coverage,
    OneOffShift,
    Person,
    Shift,
    VettingLoss,
    Vouch,
)
from solidarity.people.services import BACK_TIMER, actor_of, check_still_here, recount

# What do_merge_people moves itself; any other part's rows that point at a person are moved as they are.
HANDLED = {Contact, Coverage, Certification, Vouch, Shift, OneOffShift}
WINDOW = ("weekday", "starts", "duration_minutes")


def check_mergeable(keep: Person, gone: Person) -> None:
    """ValidationError when these two cannot be merged: one record twice, someone who left, two accounts."""
    if keep.pk == gone.pk:
        raise ValidationError(_("Choose two different records."))
    check_still_here(keep)
    check_still_here(gone)
    if keep.user_id is not None and gone.user_id is not None and keep.user_id != gone.user_id:
        raise ValidationError(
            {"user": _("Both records have an account of their own: unlink one of them first, then merge.")}
        )


@dataclass(frozen=True)
class SkillAfter:
    slug: str
    first_granted_at: datetime
    lapses_at: datetime
    signed_off: bool


@dataclass(frozen=True)
class Merged:
    """What the kept record will have once the other is merged into it (for the confirmation page and the API)."""

    contacts: int
    contacts_moved: int
    zones: list[str]  # slugs
    skills: list[SkillAfter]
    vouches_received: int  # live, from others
    shifts: int
    one_off_shifts: int
    has_account: bool


def merged_certification(kept: Certification, other: Certification) -> dict[str, object]:
    """One certification of a skill from two: the later lapse (with its grant), the earlier first grant,
    signed off if either was."""
    later = other if other.lapses_at > kept.lapses_at else kept
    signed = [c for c in (kept, other) if c.signed_off_at is not None]
    first_signed = min(signed, key=lambda c: c.signed_off_at or later.lapses_at) if signed else None
    return {
        "first_granted_at": min(kept.first_granted_at, other.first_granted_at),
        "granted_at": later.granted_at,
        "granted_by": later.granted_by,
        "source": later.source,
        "lapses_at": later.lapses_at,
        "signed_off_at": first_signed.signed_off_at if first_signed else None,
        "signed_off_by": first_signed.signed_off_by if first_signed else None,
    }


def merge_preview(keep: Person, gone: Person) -> Merged:
    """What do_merge_people would leave on `keep`; writes nothing."""
    have = {(c.kind, str(c.value)) for c in Contact.objects.filter(person=keep)}
    theirs = {(c.kind, str(c.value)) for c in Contact.objects.filter(person=gone)}
    zones = sorted(
        set(Coverage.objects.filter(person__in=[keep, gone]).values_list("zone__slug", flat=True).distinct())
    )
    by_skill: dict[str, Certification] = {}
    for certification in Certification.objects.filter(person__in=[keep, gone]).select_related("skill"):
        slug = certification.skill.slug
        if slug in by_skill:
            values = merged_certification(by_skill[slug], certification)
            for name, value in values.items():
                setattr(by_skill[slug], name, value)
        else:
            by_skill[slug] = certification
    skills = [
        SkillAfter(slug, c.first_granted_at, c.lapses_at, c.signed_off_at is not None)
        for slug, c in sorted(by_skill.items())
    ]
    vouchers = set(
        Vouch.objects.filter(vouched__in=[keep, gone], withdrawn_at__isnull=True)
        .exclude(voucher__in=[keep, gone])
        .values_list("voucher_id", flat=True)
    )
    return Merged(
        contacts=len(have | theirs),
        contacts_moved=len(theirs - have),
        zones=zones,
        skills=skills,
        vouches_received=len(vouchers),
        shifts=len(
            set(Shift.objects.filter(person__in=[keep, gone]).values_list("weekday", "starts", "duration_minutes"))
        ),
        one_off_shifts=OneOffShift.objects.filter(person__in=[keep, gone]).count(),
        has_account=keep.user_id is not None or gone.user_id is not None,
    )


def do_merge_people(keep: Person, gone: Person, *, by: User | None, role: str = "", actor: str = "") -> Person:
    """Merge `gone` into `keep`, then delete `gone`. Returns `keep`, refreshed.

    1. Contacts: `gone`'s phones and emails that `keep` lacks move over (not primary if `keep` has a
       primary of that kind); the same value twice is kept once.
    2. Zones: the union.
    3. Certifications: one per skill; of two, the later lapse (with its grant), the earlier
       "holds it since", and the sign-off if either had one.
    4. Vouches, given and received: moved, except a vouch between the two (it would be a vouch for
       oneself) and a second live vouch for the same pair (one stays). Withdrawn vouches move as history.
    5. Shifts and one-off changes: moved (an identical weekly window once).
    6. The account: `gone`'s, when `keep` has none (ValidationError when each has its own).
    7. Vetting: "marked vetted on import" if either was; then `keep` and everyone either had vouched for
       are recounted (a person vouched for by both now has one vouch less, and may lose vetting: MERGED).
    Any other part's rows that point at `gone` are moved to `keep`; a clash refuses the whole merge.
    Locks: both people's rows, in id order.
    """
    actor = actor_of(by, actor)
    with transaction.atomic():
        locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, gone.pk]).order_by("pk")}
        if len(locked) != 2:
            raise ValidationError(_("Choose two different records."))
        keep_row, gone_row = locked[keep.pk], locked[gone.pk]
        check_mergeable(keep_row, gone_row)
        vouched_before = set(
            Vouch.objects.filter(voucher__in=[keep_row, gone_row], withdrawn_at__isnull=True).values_list(
                "vouched_id", flat=True
            )
        )
        moved = {
            "contacts": move_contacts(keep_row, gone_row),
            "zones": move_zones(keep_row, gone_row),
            "certifications": move_certifications(keep_row, gone_row),
            "vouches": move_vouches(keep_row, gone_row),
            "shifts": move_shifts(keep_row, gone_row),
        }
        move_others(keep_row, gone_row)
        account = keep_row.user_id is None and gone_row.user_id is not None
        update: dict[str, object] = {}
        if account:
            update["user_id"] = gone_row.user_id
        if gone_row.vetted_by_import_at and (
            keep_row.vetted_by_import_at is None or gone_row.vetted_by_import_at < keep_row.vetted_by_import_at
        ):
            update["vetted_by_import_at"] = gone_row.vetted_by_import_at
        cancel_timer(BACK_TIMER, str(gone_row.uuid))
        gone_uuid = gone_row.uuid
        gone_row.delete()
        if update:
            Person.objects.filter(pk=keep_row.pk).update(**update)
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.DELETED,
            object_type="people.person",
            object_ids=[gone_uuid, keep_row.uuid],
            detail={"merged_into": str(keep_row.uuid)},
        )
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[keep_row.uuid, gone_uuid],
            detail={"merged": str(gone_uuid), "account": account, **moved},
        )
        recount(sorted({keep_row.pk, *vouched_before} - {gone.pk}), reason=VettingLoss.MERGED, actor=actor, role=role)
    keep.refresh_from_db()
    return keep


def move_contacts(keep: Person, gone: Person) -> int:
    have = {(c.kind, str(c.value)) for c in Contact.objects.filter(person=keep)}
    primary = set(Contact.objects.filter(person=keep, is_primary=True).values_list("kind", flat=True))
    moved = 0
    for contact in Contact.objects.filter(person=gone).order_by("-is_primary", "created_at"):
        key = (contact.kind, str(contact.value))
        if key in have:
            contact.delete()
            continue
        have.add(key)
        # The value is bound to its row, not to its person: moving it re-encrypts nothing.
        Contact.objects.filter(pk=contact.pk).update(person=keep, is_primary=contact.kind not in primary)
        primary.add(contact.kind)
        moved += 1
    return moved


def move_zones(keep: Person, gone: Person) -> int:
    zones = set(Coverage.objects.filter(person=gone).values_list("zone_id", flat=True))
    zones -= set(Coverage.objects.filter(person=keep).values_list("zone_id", flat=True))
    Coverage.objects.bulk_create([Coverage(person=keep, zone_id=zone) for zone in sorted(zones)])
    Coverage.objects.filter(person=gone).delete()
    return len(zones)


def move_certifications(keep: Person, gone: Person) -> int:
    held = {c.skill_id: c for c in Certification.objects.select_for_update().filter(person=keep)}
    count = 0
    for other in Certification.objects.select_for_update().filter(person=gone).order_by("pk"):
        kept = held.get(other.skill_id)
        if kept is None:
            Certification.objects.filter(pk=other.pk).update(person=keep)
        else:
            Certification.objects.filter(pk=kept.pk).update(**merged_certification(kept, other))
            other.delete()
        count += 1
    return count


def move_vouches(keep: Person, gone: Person) -> int:
    """Vouches given and received by `gone`, onto `keep` (see do_merge_people, step 4)."""
    Vouch.objects.filter(voucher=gone, vouched=keep).delete()
    Vouch.objects.filter(voucher=keep, vouched=gone).delete()
    moved = 0
    for vouch in Vouch.objects.filter(vouched=gone).order_by("pk"):
        live = vouch.withdrawn_at is None
        if live and Vouch.objects.filter(voucher=vouch.voucher_id, vouched=keep, withdrawn_at__isnull=True).exists():
            vouch.delete()
            continue
        Vouch.objects.filter(pk=vouch.pk).update(vouched=keep)
        moved += 1
    for vouch in Vouch.objects.filter(voucher=gone).order_by("pk"):
        live = vouch.withdrawn_at is None
        if live and Vouch.objects.filter(voucher=keep, vouched=vouch.vouched_id, withdrawn_at__isnull=True).exists():
            vouch.delete()
            continue
        Vouch.objects.filter(pk=vouch.pk).update(voucher=keep)
        moved += 1
    return moved


def move_shifts(keep: Person, gone: Person) -> int:
    have = set(Shift.objects.filter(person=keep).values_list("weekday", "starts", "duration_minutes"))
    moved = 0
    for shift in Shift.objects.filter(person=gone).order_by("pk"):
        if (shift.weekday, shift.starts, shift.duration_minutes) in have:
            shift.delete()
            continue
        have.add((shift.weekday, shift.starts, shift.duration_minutes))
        Shift.objects.filter(pk=shift.pk).update(person=keep)
        moved += 1
    moved += OneOffShift.objects.filter(person=gone).update(person=keep)
    return moved


def move_others(keep: Person, gone: Person) -> None:
    """Rows of other parts that point at `gone` (a training sign-up, say), moved to `keep` as they are."""
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if not isinstance(model, type) or not issubclass(model, models.Model) or model in HANDLED:
            continue
        if relation.one_to_one or relation.many_to_many or relation.field.model is not model:
            continue
        try:
            with transaction.atomic():
                model._default_manager.filter(**{relation.field.name: gone}).update(**{relation.field.name: keep})
        except IntegrityError:
            raise ValidationError(
                _("Both records have %(what)s that cannot be joined: remove one of them first, then merge.")
                % {"what": model._meta.verbose_name_plural}
            ) from None
