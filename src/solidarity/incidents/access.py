"""Who sees which incident, report and alert: every page and API operation fetches through here.

1. The network's dispatchers (the dispatcher role in any working group: the hotline is the network's,
   not one group's, like the inbox) see every incident, its reports (what people saw, encrypted at
   rest), its timeline, its needs and who was asked (display names and the ranking's reasons; never a
   responder's phone or email, which only the sending service reads).
2. A responder sees only their own alert: through the signed one-tap link an email alert carries,
   or as their own person record's alert when signed in.
3. The public sees nothing of incidents: a reporter gets a reference, never a page about the incident.
4. Coordinators (and admins) may ask for an incident's purge and sign another's request, by its code.

Viewing an incident's reports is audited (who saw which incident), as for any sensitive record.
"""

import uuid

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, anywhere, holds, remember
from solidarity.incidents.models import (
    COUNTED,
    OPEN_STATES,
    Alert,
    AlertState,
    Incident,
    Need,
    Report,
    ReportState,
)
from solidarity.incidents.timeline import is_dispatcher
from solidarity.incidents.wide_models import WideAlert, WideAlertState
from solidarity.people.access import record_of

WAITING = (ReportState.FOR_REVIEW, ReportState.NEEDS_ZONE)
# Who asks for an incident's purge in the web UI and the API, and who signs it: coordinators and admins.
PURGERS = anywhere(Role.COORDINATOR, admins=True)


def require_dispatcher(user: AnyUser) -> None:
    if not is_dispatcher(user):
        raise Http404


def incidents_for(user: AnyUser) -> QuerySet[Incident]:
    """Every incident, for a dispatcher (Http404 for anyone else), newest report first, with its zone."""
    require_dispatcher(user)
    return Incident.objects.select_related("zone").order_by("-last_reported_at", "-pk")


def open_incidents(user: AnyUser) -> QuerySet[Incident]:
    """The board's incidents: open ones, with their needs, the people asked for each, their zones, and `signatures`:
    how many wide alerts wait for a second dispatcher.

    A fixed number of queries whatever the count: the incidents, their needs with skills, the alerts
    with their people.
    """
    needs = Need.objects.select_related("skill").annotate(
        going=Count("alerts", filter=Q(alerts__state__in=COUNTED)),
        waiting=Count("alerts", filter=Q(alerts__state=AlertState.ASKED)),
    )
    alerts = Alert.objects.select_related("person").order_by("need_id", "rank", "pk")
    return (
        incidents_for(user)
        .filter(state__in=OPEN_STATES)
        .annotate(signatures=Count("wide_alerts", filter=Q(wide_alerts__state=WideAlertState.WAITING)))
        .prefetch_related(Prefetch("needs", queryset=needs), Prefetch("alerts", queryset=alerts))
    )


def access_incident(user: AnyUser, code: str) -> Incident:
    """One incident by its code, for a dispatcher; Http404 otherwise (and for a code no incident has)."""
    wanted = code.strip().upper()[:8]
    found = remember(user, ("incidents.incident", wanted), lambda: incidents_for(user).filter(code=wanted).first())
    if found is None:
        raise Http404
    return found


def access_wide_alert(user: AnyUser, incident: Incident, wide: str) -> WideAlert:
    """One of `incident`'s wide alerts by its uuid, for a dispatcher (who reached the incident); Http404 otherwise."""
    require_dispatcher(user)
    try:
        wanted = uuid.UUID(wide)
    except ValueError:
        raise Http404 from None
    found = WideAlert.objects.filter(incident=incident, uuid=wanted).first()
    if found is None:
        raise Http404
    return found


def access_purgeable(user: AnyUser, code: str) -> Incident:
    """An incident by its code, for those who may ask for or sign its purge (purge.PURGERS); Http404 otherwise."""
    if not holds(user, PURGERS, {}):
        raise Http404
    found = Incident.objects.select_related("zone").filter(code=code.strip().upper()[:8]).first()
    if found is None:
        raise Http404
    return found


def reports_of(user: AnyUser, incident: Incident) -> QuerySet[Report]:
    """An incident's reports (what people saw), audited as viewed by the caller."""
    require_dispatcher(user)
    reports = Report.objects.filter(incident=incident).select_related("zone").order_by("created_at", "pk")
    audit.record(
        actor=str(getattr(user, "uuid", audit.SYSTEM)),
        role=str(Role.DISPATCHER),
        action=AuditAction.VIEWED,
        object_type="incidents.incident",
        object_ids=[incident.uuid],
        detail={"reports": reports.count()},
    )
    return reports


def waiting_reports(user: AnyUser) -> QuerySet[Report]:
    """Reports waiting for a person: over the public limits, or texted without a zone; oldest first."""
    require_dispatcher(user)
    return Report.objects.filter(state__in=WAITING).select_related("zone").order_by("created_at", "pk")


def access_report(user: AnyUser, code: str) -> Report:
    """One report by its reference, for a dispatcher; Http404 otherwise."""
    require_dispatcher(user)
    found = Report.objects.select_related("zone", "incident").filter(code=code.strip().upper()[:8]).first()
    if found is None:
        raise Http404
    return found


def access_alert(user: AnyUser, code: str) -> Alert:
    """One live alert by its code: for a dispatcher, or for the person it was sent to; Http404 otherwise."""
    found = (
        Alert.objects.select_related("incident", "incident__zone", "need", "need__skill", "person")
        .filter(code=code.strip().upper()[:8])
        .order_by("-asked_at")
        .first()
    )
    if found is None:
        raise Http404
    if is_dispatcher(user):
        return found
    mine = record_of(user)
    if mine is None or mine.pk != found.person_id:
        raise Http404
    return found


def my_alerts(user: AnyUser) -> QuerySet[Alert]:
    """The signed-in person's own alerts on incidents still open, newest first (none for an account with no record)."""
    mine = record_of(user)
    if mine is None:
        return Alert.objects.none()
    return (
        Alert.objects.filter(person=mine, incident__state__in=OPEN_STATES)
        .select_related("incident", "incident__zone", "need", "need__skill")
        .order_by("-asked_at")
    )
