"""Messaging's objects for the URL walk (core.permissions.WALK_FILLERS): a text in the inbox, a webhook."""

from django.utils import timezone

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.messaging.models import Inbound, InboundState


def waiting_text(world: WalkWorld) -> str:
    found = Inbound.objects.filter(backend="walk", provider_id="walk-1").first()
    if found is None:
        found = Inbound.objects.create(
            backend="walk",
            provider_id="walk-1",
            sender="+19195550188",
            body="someone at my door",
            state=InboundState.UNMATCHED,
            command="unmatched",
            received_at=timezone.now(),
        )
    return str(found.uuid)


def register() -> None:
    WALK_FILLERS.register("message", waiting_text)  # the inbox: a text waiting in it
    WALK_FILLERS.register("backend", lambda world: "loopback")  # the SMS webhook: no backend in the walk's settings
