"""Purging one incident: everything about it goes, for when a network decides it must not keep it.

In the web UI and the API a coordinator asks and a second one signs (core.approvals); the server's
command line (`solidarity incident purge CODE`) is for whoever holds the server.

What goes: the incident and any incident merged into it, their reports (what people saw, photos,
contacts, the numbers texts came from), needs, alerts and timeline with its observations and their
photos and videos; their family-support cases that have closed, with their bond requests
(core.bonds.do_forget); the texts received about them
(texted reports, answers, accounts: incidents.models.Trace) with every reply; the texts and emails
sent about them (alerts, acknowledgements, pages, outcomes told to reporters); the wide alerts to the
lists, with their broadcasts and every message of them; their timers. Rows
are deleted, never flagged; the database's free space is then wiped (core.retention.wipe_free_space),
so a later backup holds none of it either. The audit log keeps that a purge happened, by whom, and how many of each
went: never what they said.

Not here: reports that were never placed in an incident (the retention rules take them), and the
audit log's earlier entries (ids, states and counts only, never content). A case still open is kept for
its family: it loses its link to the incident (`cases_kept` counts them) and closes in its own time.
"""

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import approvals, audit, bonds, live
from solidarity.core.bond_models import BondRequest
from solidarity.core.models import Approval, AuditAction, Timer
from solidarity.core.retention import wipe_free_space
from solidarity.incidents.case_models import Case, CaseNeed, CaseNote, CaseState, CaseTask, Hearing
from solidarity.incidents.cases import SOURCE as CASES
from solidarity.incidents.models import Alert, Entry, EntryKind, Incident, Need, Report, Trace
from solidarity.incidents.observation_models import Observation
from solidarity.incidents.services import IncidentError, lock
from solidarity.incidents.timeline import CHANNEL, add, user_actor
from solidarity.incidents.wide import KIND as wide_kind
from solidarity.incidents.wide_models import WideAlert
from solidarity.lists.broadcasts import do_forget_broadcasts as forget_broadcasts
from solidarity.lists.models import Broadcast
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Inbound, Message

KIND = "incidents.purge"  # core.approvals' kind
ASK_FOR = timedelta(hours=24)  # how long a request to purge waits for the second coordinator


@dataclass(frozen=True)
class Purged:
    """How many of each went (what the audit log keeps)."""

    incidents: int
    reports: int
    alerts: int
    entries: int
    texts_received: int
    messages_sent: int
    wide_alerts: int
    cases: int  # closed ones, purged
    cases_kept: int  # open ones, kept for their families, no longer linked to the incident
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

    actor: who purges (a user's audit actor, or core.audit.CLI for the server's command line). The
    server's command line needs no second person: whoever runs it already holds the server.
    """
    with transaction.atomic():
        purged = forget(incident, actor=actor)
    wipe()
    return purged


def do_ask_purge(incident: Incident, *, by: User) -> Approval:
    """A coordinator asks to purge `incident`; a second coordinator must sign (do_sign_purge) within a day."""
    with transaction.atomic():
        locked = lock(incident)
        if approvals.open_request(KIND, locked.uuid) is not None:
            raise IncidentError(
                _("A purge of this incident already waits for a second coordinator."), code="already_waiting"
            )
        approval = approvals.do_ask_approval(KIND, locked.uuid, by=by.uuid, expires_at=timezone.now() + ASK_FOR)
        add(locked, EntryKind.PURGE, actor=user_actor(by), step="asked")
    return approval


def do_sign_purge(incident: Incident, *, by: User) -> Purged:
    """The second coordinator signs, and the purge is done in the same transaction: signed and gone, or neither."""
    with transaction.atomic():
        locked = lock(incident)
        approval = approvals.waiting(KIND, locked.uuid)
        if approval is None:
            raise IncidentError(_("Nobody has asked to purge this incident."), code="not_asked")
        try:
            approvals.do_sign_approval(approval, by=by.uuid)
        except approvals.ApprovalError as error:
            raise IncidentError(error.message, code=error.code) from error
        purged = forget(locked, actor=str(by.uuid))
    wipe()
    return purged


def do_refuse_purge(incident: Incident, *, by: User) -> None:
    """A second coordinator says no, or the one who asked withdraws; the incident stays."""
    with transaction.atomic():
        locked = lock(incident)
        approval = approvals.waiting(KIND, locked.uuid)
        if approval is None:
            raise IncidentError(_("Nobody has asked to purge this incident."), code="not_asked")
        try:
            approvals.do_refuse_approval(approval, by=by.uuid)
        except approvals.ApprovalError as error:
            raise IncidentError(error.message, code=error.code) from error
        add(locked, EntryKind.PURGE, actor=user_actor(by), step=str(approval.state))


def forget(incident: Incident, *, actor: str) -> Purged:
    """The deletions themselves, in the caller's transaction (do_purge_incident, do_sign_purge)."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    family = merged_family(locked)
    ids = [member.pk for member in family]
    needs = [str(uuid) for uuid in Need.objects.filter(incident__in=ids).values_list("uuid", flat=True)]
    alerts = [str(uuid) for uuid in Alert.objects.filter(incident__in=ids).values_list("uuid", flat=True)]
    reports = [str(uuid) for uuid in Report.objects.filter(incident__in=ids).values_list("uuid", flat=True)]
    wide = list(WideAlert.objects.filter(incident__in=ids).values_list("uuid", flat=True))
    sent_by_wide = WideAlert.broadcasts.through.objects.filter(widealert__incident__in=ids).values("broadcast")
    told = [str(uuid) for uuid in Broadcast.objects.filter(pk__in=sent_by_wide).values_list("uuid", flat=True)]
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
    parts += [f"lists.broadcast:{uuid}:" for uuid in told]  # the neighbourhood told, and its corrections
    received, sent = messaging.do_forget_texts(inbound, parts)
    forget_broadcasts(told)
    Approval.objects.filter(kind=wide_kind, subject__in=wide).delete()
    Timer.objects.filter(key__in=needs + [str(member.uuid) for member in family]).delete()
    cases = Case.objects.filter(incident__in=ids)
    closed = list(cases.filter(state=CaseState.CLOSED).values_list("uuid", flat=True))
    kept = cases.exclude(state=CaseState.CLOSED).count()
    bonds.do_forget(CASES, closed)
    Case.objects.filter(uuid__in=closed).delete()  # needs, tasks, notes, hearings; the open ones lose the link
    observations = Observation.objects.filter(entry__incident__in=ids)
    purged = Purged(
        incidents=len(family),
        reports=len(reports),
        alerts=len(alerts),
        entries=Entry.objects.filter(incident__in=ids).count(),
        texts_received=received,
        messages_sent=sent,
        wide_alerts=len(wide),
        cases=len(closed),
        cases_kept=kept,
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
    return purged


def wipe() -> None:
    """Outside any transaction (VACUUM cannot run in one): the free space the deleted rows held is wiped."""
    tables = {
        model._meta.db_table
        for model in (Incident, Report, Need, Alert, Entry, Observation, Trace, WideAlert, Inbound, Message, Broadcast)
    }
    tables |= {model._meta.db_table for model in (Case, CaseNeed, CaseTask, CaseNote, Hearing, BondRequest, Timer)}
    wipe_free_space(tables)
