"""What each incident type needs, and the hotline's settings: what dispatch coordinators edit.

A requirement is one skill an incident type needs ("checkpoint: 2 legal observers, within 20
minutes"); confirming an incident copies its type's requirements into needs (incidents.services).
Changing one changes what later confirmations ask for, never the needs already open. Every change
is audited (the type and the skill's short name, no personal data).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.permissions import Role
from solidarity.incidents.models import MAX_NEEDED, HotlineSettings, IncidentType, Requirement
from solidarity.incidents.timeline import hotline_settings
from solidarity.people.models import Skill

HOTLINE_FIELDS = (
    "group_window_minutes",
    "stale_after_minutes",
    "ring_minutes",
    "page_minutes",
    "over_ask_percent",
    "max_rings",
    "sender_hours",
)


@dataclass(frozen=True)
class RequirementValues:
    type: str
    skill: Skill
    count: int
    within_minutes: int | None = None
    in_pairs: bool = False


def actor_of(by: User | None) -> str:
    return str(by.uuid) if by is not None else audit.SYSTEM


def do_set_requirement(values: RequirementValues, *, by: User | None) -> Requirement:
    """Add or change what `values.type` needs of `values.skill`; ValidationError by field for bad values."""
    errors: dict[str, list[str]] = {}
    if values.type not in IncidentType.values:
        errors["type"] = [_("Choose what kind of event it is.")]
    if not 1 <= values.count <= MAX_NEEDED:
        errors["count"] = [_("Between 1 and %(most)d people.") % {"most": MAX_NEEDED}]
    if values.within_minutes is not None and not 1 <= values.within_minutes <= 24 * 60:
        errors["within_minutes"] = [_("Between 1 minute and 24 hours, or leave it empty.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found, created = Requirement.objects.update_or_create(
            type=values.type,
            skill=values.skill,
            defaults={"count": values.count, "within_minutes": values.within_minutes, "in_pairs": values.in_pairs},
        )
        audit.record(
            actor=actor_of(by),
            role=str(Role.COORDINATOR) if by is not None else "",
            action=AuditAction.CREATED if created else AuditAction.CHANGED,
            object_type="incidents.requirement",
            object_ids=[],
            detail={"type": values.type, "skill": values.skill.slug, "count": values.count},
        )
    return found


def do_remove_requirement(type: str, skill: Skill, *, by: User | None) -> bool:
    """`type` no longer needs `skill`; False when it did not."""
    with transaction.atomic():
        removed, _kinds = Requirement.objects.filter(type=type, skill=skill).delete()
        if removed:
            audit.record(
                actor=actor_of(by),
                role=str(Role.COORDINATOR) if by is not None else "",
                action=AuditAction.DELETED,
                object_type="incidents.requirement",
                object_ids=[],
                detail={"type": type, "skill": skill.slug},
            )
    return bool(removed)


def do_update_hotline(values: dict[str, int], verifier_skills: list[Skill], *, by: User | None) -> HotlineSettings:
    """The hotline's timings and who can verify; ValidationError by field (the model's own limits)."""
    with transaction.atomic():
        found = HotlineSettings.objects.select_for_update().get(pk=hotline_settings().pk)
        changed = [name for name in HOTLINE_FIELDS if name in values and getattr(found, name) != values[name]]
        for name in changed:
            setattr(found, name, values[name])
        found.full_clean(exclude=["verifier_skills"])
        found.save()
        before = set(found.verifier_skills.values_list("pk", flat=True))
        if before != {skill.pk for skill in verifier_skills}:
            found.verifier_skills.set(verifier_skills)
            changed.append("verifier_skills")
        audit.record(
            actor=actor_of(by),
            role=str(Role.COORDINATOR) if by is not None else "",
            action=AuditAction.CHANGED,
            object_type="incidents.hotline",
            object_ids=[],
            detail={"fields": changed},
        )
    return found
