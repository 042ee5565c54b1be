"""Purging one incident: everything about it goes, for when a network decides it must not keep it.

What goes: the incident and any incident merged into it, their reports (what people saw, photos,
contacts, the numbers texts came from), needs, alerts and timeline with its observations and their
photos and videos; the texts received about them
(texted reports, answers, accounts: incidents.models.Trace) with every reply; the texts and emails
sent about them (alerts, acknowledgements, pages, outcomes told to reporters); their timers. Rows
are deleted, never flagged; the database's free space is then wiped (core.retention.wipe_free_space),
so a later backup holds none of it either. The audit log keeps that a purge happened, by whom, and how many of each
went: never what they said.

Not here: reports that were never placed in an incident (the retention rules take them), and the
audit log's earlier entries (ids, states and counts only, never content).
"""

from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Q

from solidarity.core import audit, live
from solidarity.core.models import AuditAction, Timer
from solidarity.core.retention import wipe_free_space
from solidarity.incidents.models import Alert, Entry, Incident, Need, Report, Trace
from solidarity.incidents.observation_models import Observation
from solidarity.incidents.timeline import CHANNEL
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Inbound, Message


@dataclass(frozen=True)
class Purged:
    """How many of each went (what the audit log keeps)."""

    incidents: int
    reports: int
    alerts: int
    entries: int
    texts_received: int
    messages_sent: int
    observations: int
    media: int


def merged_family(incident: Incident) -> list[Incident]:
    """`incident` and every incident merged into it, directly or through another."""
    family, frontier = [incident], [incident.pk]
    while frontier:
        found = list(Incident.objects.filter(merged_into__in=frontier).exclude(pk__in=[i.pk for i in family]))
        family += found
        frontier = [i.pk for i in found]
    return family


def tell_board(codes: list[str]) -> None:
    for code in codes:
        live.publish(CHANNEL, "changed", {"incident": code, "state": "purged"})


def do_purge_incident(incident: Incident, *, actor: str) -> Purged:
    """Delete everything about `incident` (the module's list) and wipe the free space; audited with counts.

    actor: who purges (a user's audit actor, or core.audit.CLI for the server's command line).
    """
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        family = merged_family(locked)
        ids = [member.pk for member in family]
        needs = [str(uuid) for uuid in Need.objects.filter(incident__in=ids).values_list("uuid", flat=True)]
        alerts = [str(uuid) for uuid in Alert.objects.filter(incident__in=ids).values_list("uuid", flat=True)]
        reports = [str(uuid) for uuid in Report.objects.filter(incident__in=ids).values_list("uuid", flat=True)]
        inbound = [
            str(uuid)
            for uuid in Trace.objects.filter(Q(incident__in=ids) | Q(report__incident__in=ids))
            .values_list("inbound", flat=True)
            .distinct()
        ]
        # Every message about an alert names it last (incidents.alert:<uuid>, incidents.going:<uuid>, ...;
        # an email's parts add ":<n>"); a page names its need first.
        parts = [f":{uuid}" for uuid in alerts] + [f"incidents.page:{uuid}:" for uuid in needs]
        parts += [f"incidents.outcome:{uuid}:" for uuid in reports]  # reporters told the outcome
        received, sent = messaging.do_forget_texts(inbound, parts)
        Timer.objects.filter(key__in=needs + [str(member.uuid) for member in family]).delete()
        observations = Observation.objects.filter(entry__incident__in=ids)
        purged = Purged(
            incidents=len(family),
            reports=len(reports),
            alerts=len(alerts),
            entries=Entry.objects.filter(incident__in=ids).count(),
            texts_received=received,
            messages_sent=sent,
            observations=observations.count(),
            media=observations.exclude(media="").count(),
        )
        # Reports (and their photos), needs, alerts, the timeline with its observations (and their media), traces.
        Incident.objects.filter(pk__in=ids).delete()
        audit.record(
            actor=actor,
            action=AuditAction.PURGED,
            object_type="incidents.incident",
            object_ids=[member.uuid for member in family],
            detail=asdict(purged),
        )
        codes = [member.code for member in family]
        transaction.on_commit(lambda: tell_board(codes))
    tables = {
        model._meta.db_table for model in (Incident, Report, Need, Alert, Entry, Observation, Trace, Inbound, Message)
    }
    wipe_free_space(tables | {Timer._meta.db_table})
    return purged
