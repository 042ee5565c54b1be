"""The incident's timeline, the hotline's settings, and the board's live events: what every other module here uses.

The timeline is append-only (incidents.models.Entry): `add` and `add_correction` are its only writers. An
entry holds what a person wrote (encrypted) and ids, states and counts; a correction is a new entry that
points at the old one.
"""

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from solidarity.accounts.models import User
from solidarity.core import audit, live
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, anywhere, holds
from solidarity.incidents.models import Entry, EntryKind, HotlineSettings, Incident, Report

CHANNEL = "incidents"  # the board's live channel: dispatchers hear it (incidents.apps registers the check)
SYSTEM = "system"

# Who works the hotline: reads reports, verifies, confirms, dispatches, stands down.
DISPATCH = anywhere(Role.DISPATCHER)
# Who edits what each incident type needs, and the hotline's timings: coordinators, and the network's admins.
REQUIREMENT_KEEPERS = anywhere(Role.COORDINATOR, Role.DISPATCHER, admins=True)


def is_dispatcher(user: AnyUser) -> bool:
    return holds(user, DISPATCH, {})


def may_hear(user: AnyUser, rest: str) -> bool:
    """The board's channel is the dispatchers': events carry codes and states, never personal data."""
    return not rest and is_dispatcher(user)


def hotline_settings() -> HotlineSettings:
    found, _created = HotlineSettings.objects.get_or_create(pk=1)
    return found


def user_actor(user: User | None) -> str:
    return f"user:{user.uuid}" if user is not None else SYSTEM


def person_actor(person_uuid: uuid.UUID) -> str:
    return f"person:{person_uuid}"


def add(incident: Incident, kind: EntryKind, *, actor: str = SYSTEM, text: str = "", **data: Any) -> Entry:
    """Append one entry to `incident`'s timeline (in the caller's transaction) and tell the board after commit."""
    return write(incident, kind, actor=actor, text=text, data=data)


def add_correction(old: Entry, kind: EntryKind, *, actor: str, text: str = "", **data: Any) -> Entry:
    """Append an entry that corrects `old` (on its incident's timeline): `old` stays as it was, shown as corrected."""
    return write(old.incident, kind, actor=actor, text=text, data=data, corrects=old)


def write(
    incident: Incident, kind: EntryKind, *, actor: str, text: str, data: dict[str, Any], corrects: Entry | None = None
) -> Entry:
    entry = Entry.objects.create(
        incident=incident, at=timezone.now(), kind=kind, actor=actor, text=text, corrects=corrects, data=data
    )
    changed(incident)
    return entry


def changed(incident: Incident) -> None:
    """The board hears that `incident` changed, once the transaction commits (its code and state only)."""
    code, state = incident.code, incident.state
    transaction.on_commit(lambda: live.publish(CHANNEL, "changed", {"incident": code, "state": state}))


def record(incident: Incident, action: AuditAction, *, by: User | None, **detail: Any) -> None:
    """The audit log's entry for a dispatcher's change (the timeline says what; this, who, in the hash chain)."""
    audited("incidents.incident", incident.uuid, action, by, detail)


def reports_changed() -> None:
    """The board hears that the reports waiting for a person changed, once the transaction commits."""
    transaction.on_commit(lambda: live.publish(CHANNEL, "reports", {}))


def record_report(report: Report, *, by: User | None, **detail: Any) -> None:
    audited("incidents.report", report.uuid, AuditAction.CHANGED, by, detail)


def audited(
    object_type: str, object_id: uuid.UUID, action: AuditAction, by: User | None, detail: dict[str, Any]
) -> None:
    """One audit entry for a dispatcher's change (or the system's, when `by` is None)."""
    audit.record(
        actor=str(by.uuid) if by is not None else audit.SYSTEM,
        role=str(Role.DISPATCHER) if by is not None else "",
        action=action,
        object_type=object_type,
        object_ids=[object_id],
        detail=detail,
    )
