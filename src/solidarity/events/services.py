"""Actions themselves: making one (with its checklist from the network's template), changing it, publishing its
public page, cancelling it, and the template the checklists are made from.

Every change records its audit entry (ids, states and field names; never the texts). The public texts come in
English and Spanish (one language at least); what the public page shows is only what these fields hold.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.codes import unique_code
from solidarity.core.models import AuditAction, Zone
from solidarity.core.permissions import Role, acting_role
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings
from solidarity.events.models import (
    MAX_SIZE,
    SHORT_TEXT,
    TEXT_LENGTH,
    TITLE_LENGTH,
    Action,
    ActionState,
    ChecklistStep,
    StepKind,
    TemplateStep,
)

ORGANISERS = (Role.COORDINATOR,)
TITLES = ("title_en", "title_es")
TEXTS = ("description_en", "description_es", "bring_en", "bring_es", "rights_en", "rights_es")
MAX_CODE_TRIES = 5
OVER = (ActionState.CANCELLED, ActionState.DONE)


def audited(
    by: User | None,
    action: Action,
    verb: AuditAction,
    object_type: str,
    ids: Iterable[UUID] = (),
    detail: Mapping[str, str | int | bool | list[str]] | None = None,
) -> None:
    """An audit entry for a change to `action` or a thing of it, with the role `by` held in its group."""
    audit.record(
        actor=str(by.uuid) if by else audit.SYSTEM,
        role=acting_role(by, action.group.slug, *ORGANISERS),
        action=verb,
        object_type=object_type,
        object_ids=[action.uuid, *ids],
        detail=dict(detail or {}),
    )


def locked(action: Action) -> Action:
    """The action's row, locked for the caller's transaction: its sign-ups and state change one at a time."""
    return Action.objects.select_for_update(of=("self",)).select_related("group", "updates_list").get(pk=action.pk)


def check_not_over(action: Action) -> None:
    if action.state in OVER:
        raise ValidationError(_("This action is cancelled or over."))


# The network's checklist template: the seed's seven steps until the network writes its own.

DEFAULT_TEMPLATE: tuple[tuple[str, str, str, str, str], ...] = (
    (
        StepKind.PUBLIC_PAGE,
        "Publish the public page",
        "Publicar la página pública",
        "Only what is safe to circulate: what, when, where to gather, what to bring, a contact address. "
        "The organising itself happens in private, encrypted channels.",
        "Solo lo que se puede compartir: qué, cuándo, dónde reunirse, qué traer y una dirección de contacto. "
        "La organización se hace en canales privados y cifrados.",
    ),
    (
        StepKind.FLYERS,
        "Print and post flyers",
        "Imprimir y pegar volantes",
        "Print the flyer (it has a QR code to the public page) and put it on every wall you can.",
        "Imprima el volante (tiene un código QR a la página pública) y péguelo en todas las paredes que pueda.",
    ),
    (
        StepKind.UPDATE_LIST,
        "Open the update list",
        "Abrir la lista de avisos",
        "A list for quick updates to everyone who signs up, by email and SMS.",
        "Una lista para mandar avisos rápidos a todas las personas inscritas, por correo y por SMS.",
    ),
    (
        StepKind.MEDICS,
        "Form the street medics committee, with kits packed",
        "Formar el equipo de brigadistas de salud, con los botiquines listos",
        "Street medics go in pairs, each pair with a packed kit from the supplies.",
        "Las brigadistas de salud van en pareja, y cada pareja lleva un botiquín preparado con los suministros.",
    ),
    (
        StepKind.OBSERVERS,
        "Request legal observers, and legal support for arrests",
        "Pedir observadores legales y apoyo legal para los arrestos",
        "Ask a lawyers' guild at least 72 hours ahead. Observers' notes and footage stay with the lawyers' team, "
        "never here.",
        "Pídalos a un gremio de abogados con al menos 72 horas de anticipación. Las notas y los videos de los "
        "observadores se quedan con el equipo legal, nunca aquí.",
    ),
    (
        StepKind.DEBRIEF,
        "Schedule the debrief and footage review",
        "Programar la evaluación y la revisión de videos",
        "Learn from the action while it is fresh: schedule it as a training.",
        "Aprenda de la acción mientras está fresca: prográmela como una capacitación.",
    ),
    (
        StepKind.FUND,
        "Have the medical and legal fund ready",
        "Tener listo el fondo médico y legal",
        "Arrests and injuries come without warning: the fund must be able to pay before the action.",
        "Los arrestos y las lesiones llegan sin aviso: el fondo tiene que poder pagar antes de la acción.",
    ),
)


def template_steps() -> list[TemplateStep]:
    """The network's checklist template, in order; the seed's seven steps are written the first time it is read."""
    steps = list(TemplateStep.objects.order_by("position", "pk"))
    if steps:
        return steps
    with transaction.atomic():
        if not TemplateStep.objects.select_for_update().exists():
            TemplateStep.objects.bulk_create(
                TemplateStep(kind=kind, title_en=en, title_es=es, help_en=help_en, help_es=help_es, position=at)
                for at, (kind, en, es, help_en, help_es) in enumerate(DEFAULT_TEMPLATE)
            )
    return list(TemplateStep.objects.order_by("position", "pk"))


def make_checklist(action: Action) -> list[ChecklistStep]:
    """The action's checklist, copied from the template (in the caller's transaction)."""
    return ChecklistStep.objects.bulk_create(
        ChecklistStep(
            action=action,
            kind=step.kind,
            title_en=step.title_en,
            title_es=step.title_es,
            help_en=step.help_en,
            help_es=step.help_es,
            position=step.position,
        )
        for step in template_steps()
    )


# Actions.


@dataclass
class ActionValues:
    """What organisers write about an action. The texts the public reads come in both languages."""

    title_en: str = ""
    title_es: str = ""
    description_en: str = ""
    description_es: str = ""
    bring_en: str = ""
    bring_es: str = ""
    rights_en: str = ""
    rights_es: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    gathering_place: str = ""
    zone: Zone | None = None
    contact: str = ""
    donate_url: str = ""
    hotline: str = ""
    expected_size: int | None = None


def check_action(values: ActionValues) -> str:
    """ValidationError by field; the hotline in E.164 ("" when none)."""
    errors: dict[str, list[str]] = {}
    if not any(getattr(values, name).strip() for name in TITLES):
        errors["title_en"] = [_("Give the action a title, in English or in Spanish.")]
    for name in (*TITLES, *TEXTS):
        limit = TITLE_LENGTH if name in TITLES else TEXT_LENGTH
        if len(getattr(values, name)) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
    for name in ("gathering_place", "contact"):
        if len(getattr(values, name)) > SHORT_TEXT:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": SHORT_TEXT}]
    if not values.gathering_place.strip():
        errors["gathering_place"] = [_("Say where people gather: a public place.")]
    if values.starts_at is None:
        errors["starts_at"] = [_("Say when the action starts.")]
    if values.ends_at is None:
        errors["ends_at"] = [_("Say when the action ends.")]
    elif values.starts_at is not None and values.ends_at <= values.starts_at:
        errors["ends_at"] = [_("An action ends after it starts.")]
    if values.donate_url and not values.donate_url.startswith("https://"):
        errors["donate_url"] = [_("Give the donation page's full address, starting with https://.")]
    if values.expected_size is not None and not 0 <= values.expected_size <= MAX_SIZE:
        errors["expected_size"] = [_("Give a number of people between 0 and %(most)d.") % {"most": MAX_SIZE}]
    hotline = ""
    if values.hotline.strip():
        found = dialable(values.hotline, get_network_settings().phone_region)
        hotline = found.e164 if found else ""
        if not hotline:
            errors["hotline"] = [_("Give the jail-support number with its area code.")]
    if errors:
        raise ValidationError(errors)
    return hotline


def fields_of(values: ActionValues, hotline: str) -> dict[str, object]:
    texts = {name: getattr(values, name).strip() for name in (*TITLES, *TEXTS, "gathering_place", "contact")}
    return {
        **texts,
        "starts_at": values.starts_at,
        "ends_at": values.ends_at,
        "zone": values.zone,
        "donate_url": values.donate_url.strip(),
        "hotline": hotline,
        "expected_size": values.expected_size,
    }


def do_create_action(group: WorkingGroup, values: ActionValues, *, by: User | None) -> Action:
    """A new action of `group`, being prepared, with its checklist from the network's template."""
    hotline = check_action(values)
    template_steps()  # written outside the action's transaction the first time, so two firsts never clash
    for attempt in range(MAX_CODE_TRIES):
        try:
            with transaction.atomic():
                action = Action.objects.create(
                    group=group, code=unique_code(Action, "code"), created_by=by, **fields_of(values, hotline)
                )
                steps = make_checklist(action)
                audited(by, action, AuditAction.CREATED, "events.action", detail={"steps": len(steps)})
                return action
        except IntegrityError:
            if attempt == MAX_CODE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def do_update_action(action: Action, values: ActionValues, *, by: User | None) -> list[str]:
    """Change what organisers wrote: the names of the fields that changed. ValidationError once it is over."""
    hotline = check_action(values)
    with transaction.atomic():
        row = locked(action)
        check_not_over(row)
        changes = fields_of(values, hotline)
        changed = [name for name, value in changes.items() if getattr(row, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(row, name, changes[name])
        row.save(update_fields=[*changed, "updated_at"])
        audited(by, row, AuditAction.CHANGED, "events.action", detail={"fields": changed})
    action.refresh_from_db()
    return changed


def do_publish_action(action: Action, *, by: User | None) -> bool:
    """The public page goes up: False when it was up already. ValidationError once the action is over."""
    with transaction.atomic():
        row = locked(action)
        check_not_over(row)
        if row.state == ActionState.PUBLISHED:
            return False
        row.state, row.published_at = ActionState.PUBLISHED, row.published_at or timezone.now()
        row.save(update_fields=["state", "published_at", "updated_at"])
        audited(by, row, AuditAction.CHANGED, "events.action", detail={"state": row.state})
    action.refresh_from_db()
    return True


def do_unpublish_action(action: Action, *, by: User | None) -> bool:
    """The public page comes down (back to being prepared): False when it was not up."""
    with transaction.atomic():
        row = locked(action)
        if row.state != ActionState.PUBLISHED:
            return False
        row.state = ActionState.DRAFT
        row.save(update_fields=["state", "updated_at"])
        audited(by, row, AuditAction.CHANGED, "events.action", detail={"state": row.state})
    action.refresh_from_db()
    return True


def do_cancel_action(action: Action, *, by: User | None) -> bool:
    """The action is called off: its public page says so. False when it was over already."""
    with transaction.atomic():
        row = locked(action)
        if row.state in OVER:
            return False
        row.state = ActionState.CANCELLED
        row.save(update_fields=["state", "updated_at"])
        audited(by, row, AuditAction.CHANGED, "events.action", detail={"state": row.state})
    action.refresh_from_db()
    return True


def do_finish_action(action: Action, *, by: User | None) -> bool:
    """The action is over (organisers say so, or its end passed): False when it was over already."""
    with transaction.atomic():
        row = locked(action)
        if row.state in OVER:
            return False
        row.state = ActionState.DONE
        row.save(update_fields=["state", "updated_at"])
        audited(by, row, AuditAction.CHANGED, "events.action", detail={"state": row.state})
    action.refresh_from_db()
    return True
