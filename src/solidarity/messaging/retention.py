"""How long messaging keeps messages and texts (core.retention reads RULES)."""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.messaging.models import FINAL_STATES, Inbound, InboundState, KeyProof, Message

RULES = (
    Rule(
        name="messaging.sent-messages",
        model=Message,
        what="An outgoing email or SMS (address and text), once sent, failed or cancelled.",
        default_days=30,
        after="updated_at",
        where=Q(state__in=FINAL_STATES),
    ),
    Rule(
        name="messaging.read-inbound",
        model=Inbound,
        what="An incoming SMS (number and text), once handled by a keyword or reviewed in the inbox.",
        default_days=90,
        after="received_at",
        where=Q(state__in=[InboundState.HANDLED, InboundState.REVIEWED]),
    ),
    Rule(
        name="messaging.key-proofs",
        model=KeyProof,
        what="A public key someone gave for an email address, not confirmed through the encrypted email's link.",
        default_days=7,
        after="created_at",
    ),
)
