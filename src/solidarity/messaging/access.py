"""Inbound messages reach a page only through here: the view's declared role, then the record, audited."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.messaging.models import Inbound, InboundState

INBOX_PAGE = 100


def unmatched() -> "QuerySet[Inbound]":
    return Inbound.objects.filter(state=InboundState.UNMATCHED).order_by("-received_at")


def inbox_seen_by(actor: str, role: str) -> list[Inbound]:
    """The inbox for a hotline taker (the caller checked the role), with one audit entry naming what was shown."""
    shown = list(unmatched()[:INBOX_PAGE])
    if shown:
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.VIEWED,
            object_type="messaging.inbound",
            object_ids=[inbound.uuid for inbound in shown],
        )
    return shown


def access_inbound(message: UUID) -> Inbound:
    """One text of the inbox, waiting or reviewed (a follow-up reply); the caller checked the role. 404 otherwise."""
    try:
        return Inbound.objects.get(uuid=message, state__in=[InboundState.UNMATCHED, InboundState.REVIEWED])
    except Inbound.DoesNotExist:
        raise Http404 from None
