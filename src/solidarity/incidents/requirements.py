"""What each incident type needs (dispatch requirements) and the hotline's settings: their keepers' changes.

The keepers are timeline.REQUIREMENT_KEEPERS (coordinators, dispatchers, the network's admins). A
type's requirements are set whole (the page's table, the API's PUT): what is not in the new list is
removed. A change applies to incidents confirmed afterwards; needs already open keep their count.
Both changes are audited (type, skills and field names; never anyone's data).
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, holds_anywhere
from solidarity.incidents.models import MAX_NEEDED, HotlineSettings, IncidentType, Requirement
from solidarity.incidents.timeline import hotline_settings
from solidarity.lists.models import AnnouncementList
from solidarity.people.models import Skill

MAX_WITHIN = 24 * 60
# The hotline settings a keeper may change, besides its verifier skills (HotlineSettings' own validators bound them).
SETTINGS_FIELDS = (
    "group_window_minutes",
    "stale_after_minutes",
    "ring_minutes",
    "page_minutes",
    "over_ask_percent",
    "max_rings",
    "sender_hours",
)


@dataclass(frozen=True)
class RequirementRow:
    """One line of a type's requirements: `count` people holding `skill`, within minutes, in pairs."""

    skill: Skill
    count: int
    within_minutes: int | None
    in_pairs: bool


def keeper_role(user: AnyUser) -> str:
    """The role a keeper's change is audited under."""
    if holds_anywhere(user, Role.DISPATCHER):
        return str(Role.DISPATCHER)
    return str(Role.COORDINATOR) if holds_anywhere(user, Role.COORDINATOR) else "admin"


def check_rows(type: str, rows: list[RequirementRow]) -> None:
    """ValidationError by field: an unknown type, a skill twice, a count or a time out of range."""
    if type not in IncidentType.values:
        raise ValidationError({"type": _("Choose what kind of event it is.")})
    errors: list[str] = []
    seen: set[int] = set()
    for row in rows:
        if row.skill.pk in seen:
            errors.append(_("Each skill may be listed once: %(skill)s is listed twice.") % {"skill": row.skill.slug})
        seen.add(row.skill.pk)
        if not 1 <= row.count <= MAX_NEEDED:
            errors.append(_("How many: from 1 to %(most)d.") % {"most": MAX_NEEDED})
        if row.within_minutes is not None and not 1 <= row.within_minutes <= MAX_WITHIN:
            errors.append(_("Within: from 1 to %(most)d minutes, or none.") % {"most": MAX_WITHIN})
    if errors:
        raise ValidationError({"rows": list(dict.fromkeys(errors))})


def do_set_requirements(type: str, rows: list[RequirementRow], *, by: User | None) -> list[Requirement]:
    """Make `type`'s requirements exactly `rows`: lines added, changed or removed; audited. Lock: the type's rows."""
    check_rows(type, rows)
    with transaction.atomic():
        current = {found.skill_id: found for found in Requirement.objects.select_for_update().filter(type=type)}
        wanted = {row.skill.pk for row in rows}
        Requirement.objects.filter(
            pk__in=[found.pk for skill, found in current.items() if skill not in wanted]
        ).delete()
        made = []
        for position, row in enumerate(rows):  # a line kept keeps its row (and its id): only what changed is written
            values = {
                "count": row.count,
                "within_minutes": row.within_minutes,
                "in_pairs": row.in_pairs,
                "position": position,
            }
            found = current.get(row.skill.pk)
            if found is None:
                found = Requirement.objects.create(type=type, skill=row.skill, **values)
            elif any(getattr(found, name) != value for name, value in values.items()):
                Requirement.objects.filter(pk=found.pk).update(**values)
                found.refresh_from_db()
            made.append(found)
        audit.record(
            actor=str(by.uuid) if by is not None else audit.SYSTEM,
            role=keeper_role(by) if by is not None else "",
            action=AuditAction.CHANGED,
            object_type="incidents.requirement",
            object_ids=[],
            detail={"type": type, "skills": [row.skill.slug for row in rows]},
        )
    return made


def requirements() -> list[Requirement]:
    """Every requirement, by type then in the order they were set."""
    return list(Requirement.objects.select_related("skill").order_by("type", "position", "pk"))


def do_update_hotline_settings(
    changes: dict[str, Any],
    *,
    verifier_skills: list[Skill] | None = None,
    alert_lists: list[AnnouncementList] | None = None,
    by: User | None,
) -> HotlineSettings:
    """Change some of the hotline's settings (SETTINGS_FIELDS) and, given, who can verify and the wide alerts' lists.

    Audited.

    ValidationError by field for a value out of the model's range. Lock: the settings' row.
    """
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not a hotline setting: {sorted(unknown)}")
    hotline_settings()  # the one row exists
    with transaction.atomic():
        found = HotlineSettings.objects.select_for_update().get(pk=1)
        for name, value in changes.items():
            setattr(found, name, value)
        found.full_clean(exclude=["verifier_skills", "alert_lists"])
        found.save()
        if verifier_skills is not None:
            found.verifier_skills.set(verifier_skills)
        if alert_lists is not None:
            found.alert_lists.set(alert_lists)
        changed = sorted(changes) + [
            name
            for name, given in (("verifier_skills", verifier_skills), ("alert_lists", alert_lists))
            if given is not None
        ]
        audit.record(
            actor=str(by.uuid) if by is not None else audit.SYSTEM,
            role=keeper_role(by) if by is not None else "",
            action=AuditAction.CHANGED,
            object_type="incidents.hotlinesettings",
            object_ids=[],
            detail={"fields": changed},
        )
    return found


# The page's changes, one line at a time: each sets the type's whole list through do_set_requirements.


@dataclass(frozen=True)
class RequirementValues:
    type: str
    skill: Skill
    count: int
    within_minutes: int | None = None
    in_pairs: bool = False


def rows_of(type: str) -> list[RequirementRow]:
    return [
        RequirementRow(found.skill, found.count, found.within_minutes, found.in_pairs)
        for found in Requirement.objects.filter(type=type).select_related("skill").order_by("position", "pk")
    ]


def do_set_requirement(values: RequirementValues, *, by: User | None) -> Requirement:
    """Add or change what `values.type` needs of `values.skill`; ValidationError by the form's fields."""
    errors: dict[str, list[str]] = {}
    if values.type not in IncidentType.values:
        errors["type"] = [_("Choose what kind of event it is.")]
    if not 1 <= values.count <= MAX_NEEDED:
        errors["count"] = [_("Between 1 and %(most)d people.") % {"most": MAX_NEEDED}]
    if values.within_minutes is not None and not 1 <= values.within_minutes <= MAX_WITHIN:
        errors["within_minutes"] = [_("Between 1 minute and 24 hours, or leave it empty.")]
    if errors:
        raise ValidationError(errors)
    line = RequirementRow(values.skill, values.count, values.within_minutes, values.in_pairs)
    rows = rows_of(values.type)
    at = next((index for index, row in enumerate(rows) if row.skill.pk == values.skill.pk), None)
    if at is None:
        rows.append(line)
    else:
        rows[at] = line
    made = do_set_requirements(values.type, rows, by=by)
    return next(found for found in made if found.skill_id == values.skill.pk)


def do_remove_requirement(type: str, skill: Skill, *, by: User | None) -> bool:
    """`type` no longer needs `skill`; False when it did not."""
    rows = rows_of(type)
    kept = [row for row in rows if row.skill.pk != skill.pk]
    if len(kept) == len(rows):
        return False
    do_set_requirements(type, kept, by=by)
    return True


def do_update_hotline(
    values: dict[str, int],
    verifier_skills: list[Skill],
    alert_lists: list[AnnouncementList] | None = None,
    *,
    by: User | None,
) -> HotlineSettings:
    """The page's form: the hotline's timings, who can verify and the wide alerts' lists; ValidationError by field."""
    changes = {name: values[name] for name in SETTINGS_FIELDS if name in values}
    return do_update_hotline_settings(changes, verifier_skills=verifier_skills, alert_lists=alert_lists, by=by)
