"""Wide alerts: telling a neighbourhood's announcement lists of a confirmed incident, and taking it back.

Invariants:
- Only a confirmed incident is told (never one being verified, never a false alarm, never a drill), and
  only once a second dispatcher's account signs (core.approvals): the incident is checked again, under
  its lock, at the moment of signing.
- What goes out names areas only: the incident's type, its zones, until when. There is no free text a
  dispatcher could put an address or a name in; the words are built here, in each subscriber's language.
- An alert expires after a few hours (wide_models.HOURS): its text says until when; an unsigned one
  can no longer be signed after that.
- A correction or an all clear follows a sent alert and goes to exactly the subscriptions the alert went
  to (lists keeps them on its broadcasts), at the same priority, without a second signature: taking an
  alarm back must never wait. Each goes once.
- Wide alerts travel at Priority.DIRECT: ahead of every announcement, behind the responders' own alerts
  (a list of thousands must not delay the text that sends a legal observer).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import approvals
from solidarity.core.bilingual import text_of
from solidarity.core.models import AuditAction, Zone
from solidarity.core.services import get_network_settings, local
from solidarity.incidents.models import EntryKind, Incident, IncidentState, IncidentType
from solidarity.incidents.services import IncidentError, lock
from solidarity.incidents.timeline import add, audited, hotline_settings, user_actor
from solidarity.incidents.wide_models import HOURS, WideAlert, WideAlertKind, WideAlertState
from solidarity.lists import broadcasts
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.messaging.priority import Priority

KIND = "incidents.wide-alert"  # core.approvals' kind
DEFAULT_HOURS = 3


def zones_offered(incident: Incident) -> list[Zone]:
    """The areas an alert may name: the incident's zone and its neighbours, never further."""
    return [incident.zone, *incident.zone.neighbours.order_by("slug")]


def alert_lists() -> list[AnnouncementList]:
    return list(hotline_settings().alert_lists.select_related("group").order_by("pk"))


def check_can_alert(incident: Incident) -> None:
    """A false alarm never reaches a list, nor anything unconfirmed, nor a drill."""
    if incident.drill:
        raise IncidentError(_("A drill never reaches a list: nothing of a drill is public."), code="drill")
    if incident.state != IncidentState.CONFIRMED:
        raise IncidentError(
            _("Only a confirmed incident can be told to the lists; incident %(code)s is %(state)s.")
            % {"code": incident.code, "state": incident.get_state_display()},
            code="not_confirmed",
        )


def do_ask_wide_alert(incident: Incident, zones: Iterable[Zone], hours: int, *, by: User) -> WideAlert:
    """Ask for an alert to the lists in `zones` for `hours`; it waits for a second person's signature.

    ValidationError by field for zones outside the incident's area or hours not offered; IncidentError
    when the incident is not confirmed, no list is set, or an alert already waits. Lock: the incident.
    """
    chosen = list(zones)
    offered = {zone.pk for zone in zones_offered(incident)}
    if not chosen:
        raise ValidationError({"zones": _("Choose at least one zone.")})
    if any(zone.pk not in offered for zone in chosen):
        raise ValidationError({"zones": _("An alert names the incident's zone and its neighbours only.")})
    if hours not in HOURS:
        raise ValidationError({"hours": _("Choose one of the hours offered.")})
    if not alert_lists():
        raise IncidentError(
            _("No list is set for wide alerts: a coordinator chooses them in the hotline settings."), code="no_lists"
        )
    with transaction.atomic():
        incident = lock(incident)
        check_can_alert(incident)
        if incident.wide_alerts.filter(state=WideAlertState.WAITING).exists():
            raise IncidentError(_("A wide alert already waits for a second signature."), code="already_waiting")
        now = timezone.now()
        wide = WideAlert.objects.create(
            incident=incident, asked_by=by, asked_at=now, expires_at=now + timedelta(hours=hours)
        )
        wide.zones.set(chosen)
        approvals.do_ask_approval(KIND, wide.uuid, by=by.uuid, expires_at=wide.expires_at)
        slugs = sorted(zone.slug for zone in chosen)
        add(incident, EntryKind.WIDE, actor=user_actor(by), step="asked", zones=slugs, hours=hours)
        audited("incidents.widealert", wide.uuid, AuditAction.CREATED, by, {"zones": slugs, "hours": hours})
    return wide


def do_sign_wide_alert(wide: WideAlert, *, by: User) -> WideAlert:
    """The second signature: the alert goes out now, to the lists' subscribers in its zones.

    IncidentError when the incident is no longer confirmed, or the signature is refused (the asker
    themselves, too late, someone decided first). Lock: the incident; the approval's conditional update.
    """
    with transaction.atomic():
        incident = lock(wide.incident)
        check_can_alert(incident)
        approval = approvals.waiting(KIND, wide.uuid)
        if approval is None or wide.state != WideAlertState.WAITING:
            raise IncidentError(_("Someone already decided this alert."), code="already_decided")
        try:
            approvals.do_sign_approval(approval, by=by.uuid)
        except approvals.ApprovalError as error:
            raise IncidentError(error.message, code=error.code) from error
        sent = send(wide, incident, by=by)
        WideAlert.objects.filter(pk=wide.pk).update(state=WideAlertState.SENT, signed_by=by, sent_at=timezone.now())
        add(incident, EntryKind.WIDE, actor=user_actor(by), step="sent", recipients=sent)
        audited("incidents.widealert", wide.uuid, AuditAction.CHANGED, by, {"state": "sent", "messages": sent})
    wide.refresh_from_db()
    return wide


def do_refuse_wide_alert(wide: WideAlert, *, by: User) -> WideAlert:
    """A second person says no, or the asker withdraws: nothing goes out."""
    with transaction.atomic():
        incident = lock(wide.incident)
        approval = approvals.waiting(KIND, wide.uuid)
        if approval is None or wide.state != WideAlertState.WAITING:
            raise IncidentError(_("Someone already decided this alert."), code="already_decided")
        try:
            approvals.do_refuse_approval(approval, by=by.uuid)
        except approvals.ApprovalError as error:
            raise IncidentError(error.message, code=error.code) from error
        state = WideAlertState.WITHDRAWN if by.uuid == approval.asked_by else WideAlertState.REFUSED
        WideAlert.objects.filter(pk=wide.pk).update(state=state)
        add(incident, EntryKind.WIDE, actor=user_actor(by), step=str(state))
        audited("incidents.widealert", wide.uuid, AuditAction.CHANGED, by, {"state": str(state)})
    wide.refresh_from_db()
    return wide


def do_follow_wide_alert(alert: WideAlert, kind: WideAlertKind, *, by: User) -> WideAlert:
    """A correction or an all clear, to exactly those the alert went to, at once; each kind goes once.

    No second signature: taking an alarm back must never wait. Lock: the incident (two clicks send one).
    """
    if kind == WideAlertKind.ALERT:
        raise ValueError("a follow-up is a correction or an all clear")
    with transaction.atomic():
        incident = lock(alert.incident)
        if alert.kind != WideAlertKind.ALERT or alert.state != WideAlertState.SENT:
            raise IncidentError(_("Only an alert that went out can be corrected."), code="not_sent")
        if alert.follow_ups.filter(kind=kind).exists():
            raise IncidentError(_("This has already been sent to everyone the alert went to."), code="already_sent")
        now = timezone.now()
        follow = WideAlert.objects.create(
            incident=incident,
            kind=kind,
            state=WideAlertState.SENT,
            follows=alert,
            expires_at=alert.expires_at,
            asked_by=by,
            asked_at=now,
            sent_at=now,
        )
        follow.zones.set(alert.zones.all())
        sent = send(follow, incident, by=by)
        add(incident, EntryKind.WIDE, actor=user_actor(by), step=str(kind), recipients=sent)
        audited("incidents.widealert", follow.uuid, AuditAction.CREATED, by, {"kind": str(kind), "messages": sent})
    follow.refresh_from_db()
    return follow


def send(wide: WideAlert, incident: Incident, *, by: User) -> int:
    """Hand its broadcasts to the lists part, one per working group whose lists it goes to; messages queued."""
    if wide.follows is not None:
        followed = list(wide.follows.broadcasts.order_by("pk"))
        made = [compose(wide, incident, list(item.lists.all()), by=by, follows=item) for item in followed]
    else:
        by_group: dict[int, list[AnnouncementList]] = defaultdict(list)
        for item in alert_lists():
            by_group[item.group_id].append(item)
        made = [compose(wide, incident, lists, by=by) for lists in by_group.values()]
    sent = sum(broadcasts.do_send_broadcast(item, by=by) for item in made)
    wide.broadcasts.set(made)
    WideAlert.objects.filter(pk=wide.pk).update(recipients=sent)
    return sent


def compose(
    wide: WideAlert,
    incident: Incident,
    lists: list[AnnouncementList],
    *,
    by: User,
    follows: Broadcast | None = None,
) -> Broadcast:
    channels = sorted({channel for item in lists for channel in item.channels})
    zones = list(wide.zones.order_by("slug"))
    texts = {language: words(wide, incident, zones, language) for language in ("en", "es")}
    draft = broadcasts.Draft(
        lists=lists,
        subject_en=texts["en"][0],
        subject_es=texts["es"][0],
        text_en=texts["en"][1],
        text_es=texts["es"][1],
        channels=channels,
        zones=[] if follows is not None else zones,
        priority=Priority.DIRECT,
        follows=follows,
    )
    return broadcasts.do_compose_broadcast(lists[0].group, draft, by=by)


def words(wide: WideAlert, incident: Incident, zones: list[Zone], language: str) -> tuple[str, str]:
    """(subject, text) in `language`: the type, the zones, the times. Nothing else, so nothing else can leak."""
    with translation.override(language):
        where = ", ".join(text_of(zone, "name", language) for zone in zones)
        values = {
            "network": get_network_settings().name,
            "zones": where,
            "type": IncidentType(incident.type).label,
            "until": local(wide.expires_at).strftime("%H:%M"),
            "at": local((wide.follows or wide).sent_at or wide.asked_at).strftime("%H:%M"),
        }
        if wide.kind == WideAlertKind.CORRECTION:
            subject = _("Correction: the alert about %(zones)s") % values
            text = (
                _(
                    "%(network)s: CORRECTION. The alert sent at %(at)s about %(zones)s was a mistake: "
                    "no immigration enforcement is confirmed there."
                )
                % values
            )
        elif wide.kind == WideAlertKind.ALL_CLEAR:
            subject = _("All clear: %(zones)s") % values
            text = (
                _(
                    "%(network)s: ALL CLEAR. The immigration enforcement in %(zones)s "
                    "we alerted you to at %(at)s is over."
                )
                % values
            )
        else:
            subject = _("Alert: immigration enforcement in %(zones)s") % values
            text = (
                _(
                    "%(network)s: immigration enforcement confirmed in %(zones)s (%(type)s). Avoid the area until "
                    "about %(until)s. You may stay silent, and need not open the door without a warrant signed by "
                    "a judge."
                )
                % values
            )
    return subject, text
