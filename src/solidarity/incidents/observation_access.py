"""Who sees an incident's observations and their media, and which alert a responder adds one from.

1. The network's dispatchers (incidents.access) see an incident's timeline with its observations, and
   open a photo or a video: each such view is audited (who, which incident, which entry; never what it
   shows). Media are never published, nor linked from any public page.
2. A responder adds what they see from their own alert while they are out on its incident; they are
   not shown the timeline.
"""

import uuid

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role
from solidarity.incidents.access import my_alerts, require_dispatcher
from solidarity.incidents.models import Alert, Entry, EntryKind, Incident
from solidarity.incidents.observation_models import Observation

OBSERVED = (EntryKind.OBSERVATION, EntryKind.CORRECTION)


def viewed(user: AnyUser, incident: Incident, **detail: str | int) -> None:
    audit.record(
        actor=str(getattr(user, "uuid", audit.SYSTEM)),
        role=str(Role.DISPATCHER),
        action=AuditAction.VIEWED,
        object_type="incidents.incident",
        object_ids=[incident.uuid],
        detail=detail,
    )


def timeline_of(user: AnyUser, incident: Incident) -> list[Entry]:
    """The incident's timeline, oldest first, each entry with its observation and corrections (three queries).

    For a dispatcher (Http404 for anyone else); reading the observations is audited with their count.
    """
    require_dispatcher(user)
    corrections = Prefetch("corrections", queryset=Entry.objects.order_by("at", "pk"))
    entries = list(
        Entry.objects.filter(incident=incident)
        .select_related("observation", "corrects")
        .prefetch_related(corrections)
        .order_by("at", "pk")
    )
    observed = sum(1 for entry in entries if entry.kind in OBSERVED)
    if observed:
        viewed(user, incident, observations=observed)
    return entries


def parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


def access_observed_entry(user: AnyUser, incident: Incident, entry: str) -> Entry:
    """One observation's entry (or a correction's) on `incident`, by its uuid, for a dispatcher; Http404 otherwise."""
    require_dispatcher(user)
    found = (
        Entry.objects.filter(incident=incident, uuid=parse_uuid(entry), kind__in=OBSERVED)
        .select_related("observation", "incident")
        .first()
    )
    if found is None or not hasattr(found, "observation"):
        raise Http404
    return found


def access_media(user: AnyUser, incident: Incident, entry: str) -> Observation:
    """The observation whose photo or video a dispatcher opens; audited (who, which incident and entry)."""
    found = access_observed_entry(user, incident, entry).observation
    if not found.media:
        raise Http404
    viewed(user, incident, media=found.media_kind, entry=str(found.entry.uuid))
    return found


def observations_of(user: AnyUser, incident: Incident) -> QuerySet[Observation]:
    """The incident's observations (and corrections), oldest first, for a dispatcher; audited with their count."""
    require_dispatcher(user)
    found = Observation.objects.filter(entry__incident=incident).select_related("entry", "entry__corrects")
    viewed(user, incident, observations=found.count())
    return found.order_by("entry__at", "entry__pk")


def access_own_alert(user: AnyUser, alert: str) -> Alert:
    """The signed-in person's own alert on an open incident, by its code; Http404 for anyone else's."""
    found = my_alerts(user).filter(code=alert.strip().upper()[:8]).select_related("person").first()
    if found is None:
        raise Http404
    return found
