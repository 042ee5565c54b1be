"""How long lists keep subscriptions and broadcasts (core.retention reads RULES)."""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.lists.models import Broadcast, BroadcastState, Subscription, SubscriptionState

RULES = (
    Rule(
        name="lists.never-confirmed",
        model=Subscription,
        what="A list subscription (email or phone, zone) never confirmed, after its last confirmation request.",
        default_days=14,
        after="asked_at",
        where=Q(state=SubscriptionState.PENDING),
    ),
    Rule(
        name="lists.unsubscribed",
        model=Subscription,
        what="A list subscription (email or phone, zone), once unsubscribed.",
        default_days=7,
        after="unsubscribed_at",
        where=Q(state=SubscriptionState.UNSUBSCRIBED),
    ),
    Rule(
        name="lists.old-broadcasts",
        model=Broadcast,
        what="A broadcast (its texts and its report), once sent or cancelled.",
        default_days=365,
        after="finished_at",
        where=Q(state__in=[BroadcastState.SENT, BroadcastState.CANCELLED]),
    ),
)
