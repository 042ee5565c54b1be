"""Fictional texts waiting in the hotline's inbox: 555-01xx numbers, which reach nobody, in both languages."""

from datetime import timedelta

from django.utils import timezone

from solidarity.messaging.models import Inbound, InboundState

# (provider id, sender, text, minutes ago): plain questions a hotline gets, none of them a real case.
DEMO_TEXTS = [
    ("demo-1", "+19195550131", "Hola, ¿cuándo es el próximo taller de conozca sus derechos?", 95),
    ("demo-2", "+19195550132", "Hi, is there a meeting this week? I'd like to help with rides.", 40),
    ("demo-3", "+19195550133", "Buenas tardes, ¿me pueden decir dónde está la clínica gratuita?", 12),
]


def load() -> int:
    """Put the demo's texts in the inbox (kept as if no keyword took them, with no reply sent); how many now."""
    created = 0
    now = timezone.now()
    for provider_id, sender, body, minutes in DEMO_TEXTS:
        if not Inbound.objects.filter(backend="demo", provider_id=provider_id).exists():
            Inbound.objects.create(
                backend="demo",
                provider_id=provider_id,
                sender=sender,
                body=body,
                command="unmatched",
                state=InboundState.UNMATCHED,
                received_at=now - timedelta(minutes=minutes),
            )
            created += 1
    return created
