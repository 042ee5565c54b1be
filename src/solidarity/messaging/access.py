"""Inbound texts reach a page only through here: the hotline's inbox belongs to the network's dispatchers.

Whichever working group they dispatch for, every dispatcher reads the same inbox: a text to the
hotline is nobody's group's. Anyone else finds nothing (Http404). Each look is audited.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, holds_anywhere
from solidarity.messaging.address_keys import proof_for
from solidarity.messaging.models import Inbound, InboundState, KeyProof

INBOX_PAGE = 100
HOTLINE = Role.DISPATCHER  # who reads the inbox


def actor(user: AnyUser) -> str:
    """The account as the audit log names it: its uuid."""
    return str(getattr(user, "uuid", ""))


def reads_inbox(user: AnyUser) -> None:
    """Http404 unless `user` dispatches for some working group."""
    if not holds_anywhere(user, HOTLINE):
        raise Http404


def unmatched() -> "QuerySet[Inbound]":
    return Inbound.objects.filter(state=InboundState.UNMATCHED).order_by("-received_at")


def waiting_count(user: AnyUser) -> int:
    """How many texts wait in the inbox, for a dispatcher's dashboard (0 for anyone else)."""
    if not holds_anywhere(user, HOTLINE):
        return 0
    return unmatched().count()


def inbox_seen_by(user: AnyUser, *, offset: int = 0, limit: int = INBOX_PAGE) -> list[Inbound]:
    """The inbox for a dispatcher, with one audit entry naming what was shown; Http404 for anyone else."""
    reads_inbox(user)
    shown = list(unmatched()[offset : offset + limit])
    if shown:
        audit.record(
            actor=actor(user),
            role=HOTLINE,
            action=AuditAction.VIEWED,
            object_type="messaging.inbound",
            object_ids=[inbound.uuid for inbound in shown],
        )
    return shown


def access_inbound(user: AnyUser, message: UUID) -> Inbound:
    """One text of the inbox, waiting or reviewed (a follow-up reply), for a dispatcher; Http404 otherwise."""
    reads_inbox(user)
    found = Inbound.objects.filter(uuid=message, state__in=[InboundState.UNMATCHED, InboundState.REVIEWED]).first()
    if found is None:
        raise Http404
    return found


def key_proof_to_confirm(token: str) -> KeyProof | None:
    """The proposal a proof link names, while it is valid: whoever holds the link (it came encrypted to the key)."""
    return proof_for(token)
