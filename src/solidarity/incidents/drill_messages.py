"""What sets a drill's messages apart, for every module here that sends one (dispatch, keywords, followup).

1. `marked(incident, text)`: every text about an incident goes through it before it goes out (an alert,
   an acknowledgement, a stand-down, a page, the subject and text of an email): a drill's starts with
   DRILL_PREFIX, one fixed bilingual mark in GSM-7 (no accent: it costs no segment of its own).
2. `outgoing(incident, ...)`: every message about an incident is queued through it: a drill's go in the
   outbox's direct lane (a real alert passes them all) and under the drill's batch, so that
3. `yield_to_real()` cancels every drill message still queued at once when a real incident asks people
   (dispatch.ask): all of them, not only those to the people asked for real, since a drill's texts to
   anyone else would still hold the SMS lines the real alerts need, and a real raid is when a drill stops.

Who was asked for a drill and whose alert was cancelled here is not asked again in their place
(dispatch.alert_outcome): the drill yields, it does not spread.
"""

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from solidarity.incidents.models import Incident
from solidarity.messaging import services as messaging
from solidarity.messaging.priority import Priority

DRILL_PREFIX = "DRILL / SIMULACRO:"
BATCH = "incidents.drill"
QUEUED_FOR = timedelta(hours=1)  # a drill closed longer ago than this has nothing left queued


def marked(incident: Incident | None, text: str) -> str:
    """`text` as it goes out about `incident`: a drill's starts with DRILL_PREFIX (once)."""
    if incident is None or not incident.drill or text.startswith(DRILL_PREFIX):
        return text
    return f"{DRILL_PREFIX} {text}"


def lane(incident: Incident | None, priority: Priority) -> Priority:
    """A drill's messages never go in the alert lane: every real alert passes them."""
    if incident is not None and incident.drill and priority < Priority.DIRECT:
        return Priority.DIRECT
    return priority


def batch_of(incident: Incident) -> str:
    return f"{BATCH}:{incident.uuid}" if incident.drill else ""


def outgoing(
    incident: Incident,
    channel: str,
    address: str,
    content: dict[str, Any],
    *,
    key: str,
    language: str,
    priority: Priority,
    on_outcome: str = "",
    reference: str = "",
) -> messaging.Outgoing:
    """One message about `incident` for the outbox: a drill's in the direct lane and under its batch."""
    return messaging.Outgoing(
        channel,
        address,
        content,
        idempotency_key=key,
        language=language,
        priority=lane(incident, priority),
        batch=batch_of(incident),
        on_outcome=on_outcome,
        reference=reference,
    )


def yield_to_real() -> int:
    """A real incident is asking people: every drill message still queued is cancelled; how many.

    In the caller's transaction. One query when no drill is running (the usual case); else one per
    drill open or closed within the hour. Replies to a text a responder sent about a drill carry no
    batch and still go: they answer what the person just wrote.
    """
    since = timezone.now() - QUEUED_FOR
    drills = Incident.objects.filter(drill=True).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
    return sum(messaging.cancel_batch(f"{BATCH}:{uuid}") for uuid in drills.values_list("uuid", flat=True))
