"""Incidents' states: verifying, confirming, closing and standing down; notes, merging and splitting.

The life of an incident (DESIGN.md: a person confirms, never the count of reports alone):

    reported -> verifying -> confirmed | false alarm | could not be verified -> resolved

- Verifying asks the nearest on-call verifier (incidents.dispatch) and waits for their account.
- Only confirming dispatches responders: a need per requirement of the incident's type.
- Closing (false alarm, could not be verified, resolved) stands everyone down.
- An incident nobody confirmed within the hotline's `stale_after_minutes` is marked "could not be
  verified" by its stale timer, whose token is kept on the incident (a stale fire does nothing).

Every change holds the incident's row (SELECT ... FOR UPDATE), writes its timeline entry and its
audit entry in the same transaction; the board hears of it after commit.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core.codes import unique_code
from solidarity.core.models import AuditAction, Zone
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.incidents import dispatch
from solidarity.incidents.followup import tell_reporters
from solidarity.incidents.models import (
    COUNTED,
    LONG_TEXT,
    OPEN_STATES,
    AlertState,
    EntryKind,
    Incident,
    IncidentState,
    NeedState,
    Purpose,
    Report,
    Requirement,
)
from solidarity.incidents.timeline import add, changed, hotline_settings, record, user_actor

STALE_TIMER = "incidents.stale"

# Which states each change may start from.
VERIFY_FROM = (IncidentState.REPORTED,)
CONFIRM_FROM = (IncidentState.REPORTED, IncidentState.VERIFYING)
CLOSE_FROM = (IncidentState.REPORTED, IncidentState.VERIFYING)  # false alarm, could not be verified
RESOLVE_FROM = (IncidentState.CONFIRMED, IncidentState.FALSE_ALARM, IncidentState.UNVERIFIED)
WHERE_LENGTH = 200


class IncidentError(Exception):
    """The change cannot be made in the incident's state; the message says why, in the caller's language."""

    def __init__(self, message: str, *, code: str = "not_allowed_now") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(of=("self",), no_key=True).select_related("zone").get(pk=incident.pk)


def check_from(incident: Incident, allowed: tuple[str, ...]) -> None:
    if incident.state not in allowed:
        raise IncidentError(
            _("Incident %(code)s is %(state)s: this cannot be done now.")
            % {"code": incident.code, "state": incident.get_state_display()}
        )


def move(incident: Incident, state: IncidentState, *, by: User | None, text: str = "", **data: object) -> None:
    before = incident.state
    now = timezone.now()
    incident.state = state
    incident.state_changed_at = now
    fields = ["state", "state_changed_at"]
    if state == IncidentState.CONFIRMED:
        incident.confirmed_at = now
        fields.append("confirmed_at")
    if state not in OPEN_STATES:
        incident.closed_at = incident.closed_at or now
        fields.append("closed_at")
    incident.save(update_fields=fields)
    add(incident, EntryKind.STATE, actor=user_actor(by), text=text, before=before, after=state, **data)
    record(incident, AuditAction.CHANGED, by=by, state=str(state))
    told = tell_reporters(incident, state)  # those who asked to hear back: confirmed, false alarm, unverified
    if told:
        add(incident, EntryKind.OUTCOME, told=told, state=state)


def clean_text(text: str, field: str = "text", length: int = LONG_TEXT) -> str:
    text = text.strip()
    if len(text) > length:
        raise ValidationError({field: _("At most %(count)d characters.") % {"count": length}})
    return text


# New incidents (incidents.intake groups reports into them).


def new_incident(type: str, zone: Zone, language: str, at: object = None, *, drill: bool = False) -> Incident:
    """A new incident for a first report, or a drill (caller's transaction), with its stale timer."""
    now = timezone.now()
    while True:
        try:
            with transaction.atomic():
                incident = Incident.objects.create(
                    code=unique_code(Incident, "code"),
                    type=type,
                    zone=zone,
                    language=language,
                    first_reported_at=now,
                    last_reported_at=now,
                    state_changed_at=now,
                    drill=drill,
                )
            break
        except IntegrityError:  # a code taken meanwhile: draw another
            continue
    stale = hotline_settings().stale_after_minutes
    token = set_timer(STALE_TIMER, str(incident.uuid), now + timedelta(minutes=stale))
    Incident.objects.filter(pk=incident.pk).update(stale_token=token)
    incident.stale_token = token
    return incident


def go_stale(fired: FiredTimer) -> None:
    """STALE_TIMER: nobody confirmed it in time: "could not be verified", and anyone out verifying is stood down."""
    incident = Incident.objects.filter(uuid=fired.key).first()
    if incident is None:
        return
    incident = lock(incident)
    if incident.stale_token != fired.token or incident.state not in CLOSE_FROM:
        return
    move(incident, IncidentState.UNVERIFIED, by=None, reason="stale")
    dispatch.stand_down(incident)


# Verifying and confirming.


def do_start_verifying(incident: Incident, *, by: User | None) -> Incident:
    """Ask the nearest on-call verifier to go and see (incidents.dispatch), and wait for their account."""
    if not hotline_settings().verifier_skills.exists():
        raise IncidentError(
            _("Choose which skills can verify in the hotline settings first."), code="no_verifier_skills"
        )
    with transaction.atomic():
        incident = lock(incident)
        check_from(incident, VERIFY_FROM)
        move(incident, IncidentState.VERIFYING, by=by)
        dispatch.open_need(incident, purpose=Purpose.VERIFY, skill=None, count=1)
    return incident


def do_record_verification(incident: Incident, text: str, *, actor: str, by: User | None = None) -> None:
    """A verifier's account of what they saw (SALUTE), by text or written by a dispatcher from a call."""
    text = clean_text(text)
    if not text:
        raise ValidationError({"text": _("Write what the verifier saw, even if it was nothing.")})
    with transaction.atomic():
        incident = lock(incident)
        add(incident, EntryKind.VERIFICATION, actor=actor, text=text)
        if by is not None:
            record(incident, AuditAction.CHANGED, by=by, added="verification")


def do_confirm(incident: Incident, *, by: User | None, where: str = "", note: str = "") -> Incident:
    """A person confirms it: responders are dispatched, one need per requirement of the incident's type.

    The verifying need ends: its people still asked are told they are not needed; a verifier on the
    way or on scene stays (they are the eyes there). `where`: what responders are told.
    """
    where, note = clean_text(where, "where", WHERE_LENGTH), clean_text(note, "note")
    with transaction.atomic():
        incident = lock(incident)
        check_from(incident, CONFIRM_FROM)
        cancel_timer(STALE_TIMER, str(incident.uuid))
        if where:
            incident.where = where
            incident.save(update_fields=["where"])
        move(incident, IncidentState.CONFIRMED, by=by, text=note)
        end_verifying(incident)
        for requirement in Requirement.objects.filter(type=incident.type).select_related("skill"):
            dispatch.open_need(
                incident,
                purpose=Purpose.RESPOND,
                skill=requirement.skill,
                count=requirement.count,
                within_minutes=requirement.within_minutes,
                in_pairs=requirement.in_pairs,
            )
    return incident


def end_verifying(incident: Incident) -> None:
    for need in incident.needs.filter(purpose=Purpose.VERIFY, state=NeedState.OPEN):
        locked = dispatch.lock_need(need)
        dispatch.release_asked(locked, AlertState.COVERED, "covered")
        went = locked.alerts.filter(state__in=COUNTED).exists()
        locked.state = NeedState.FILLED if went else NeedState.CANCELLED
        locked.save(update_fields=["state"])
        cancel_timer(dispatch.RING_TIMER, str(locked.uuid))
        cancel_timer(dispatch.PAGE_TIMER, str(locked.uuid))


def close(
    incident: Incident, state: IncidentState, allowed: tuple[str, ...], *, by: User | None, note: str
) -> Incident:
    note = clean_text(note, "note")
    with transaction.atomic():
        incident = lock(incident)
        check_from(incident, allowed)
        cancel_timer(STALE_TIMER, str(incident.uuid))
        move(incident, state, by=by, text=note)
        dispatch.stand_down(incident, actor=user_actor(by))
    return incident


def do_mark_false_alarm(incident: Incident, *, by: User | None, note: str = "") -> Incident:
    """Not immigration enforcement, or nothing there: closed, and anyone out verifying is stood down."""
    return close(incident, IncidentState.FALSE_ALARM, CLOSE_FROM, by=by, note=note)


def do_mark_unverified(incident: Incident, *, by: User | None, note: str = "") -> Incident:
    """Nobody could see it: closed as "could not be verified", anyone out stood down."""
    return close(incident, IncidentState.UNVERIFIED, CLOSE_FROM, by=by, note=note)


def do_resolve(incident: Incident, *, by: User | None, note: str = "") -> Incident:
    """It is over: everyone still out is stood down (those on scene are thanked, and text LEFT when they go)."""
    return close(incident, IncidentState.RESOLVED, RESOLVE_FROM, by=by, note=note)


def do_stand_down(incident: Incident, *, by: User | None) -> int:
    """Everyone asked or on the way is told they are not needed; the incident stays confirmed. Returns how many."""
    with transaction.atomic():
        incident = lock(incident)
        check_from(incident, (IncidentState.VERIFYING, IncidentState.CONFIRMED))
        told = dispatch.stand_down(incident, actor=user_actor(by))
        incident.stood_down_at = timezone.now()
        incident.save(update_fields=["stood_down_at"])
        record(incident, AuditAction.CHANGED, by=by, stood_down=told)
    return told


def do_add_note(incident: Incident, text: str, *, by: User | None, actor: str = "") -> None:
    """A note on the timeline (a dispatcher's, or a responder's text from the scene)."""
    text = clean_text(text)
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    with transaction.atomic():
        incident = lock(incident)
        add(incident, EntryKind.NOTE, actor=actor or user_actor(by), text=text)
        if by is not None:
            record(incident, AuditAction.CHANGED, by=by, added="note")


def do_set_where(incident: Incident, where: str, *, by: User | None) -> Incident:
    """Where responders go (a cross street or landmark): what later alerts say. The timeline keeps each change."""
    where = clean_text(where, "where", WHERE_LENGTH)
    with transaction.atomic():
        incident = lock(incident)
        check_from(incident, OPEN_STATES)
        incident.where = where
        incident.save(update_fields=["where"])
        add(incident, EntryKind.NOTE, actor=user_actor(by), text=where, field="where")
        record(incident, AuditAction.CHANGED, by=by, fields=["where"])
    return incident


# Merging and splitting: the automatic grouping's corrections.


def do_merge(incident: Incident, into: Incident, *, by: User | None) -> Incident:
    """Move every report of `incident` into `into`, which carries on; `incident` is kept as merged.

    Both must be open, and `incident` must not have dispatched anyone yet (stand it down first): the
    people out on it would lose track of where they are going. Locks: both rows, in id order.
    """
    if incident.pk == into.pk:
        raise IncidentError(_("An incident cannot be merged into itself."), code="same_incident")
    if incident.drill != into.drill:
        raise IncidentError(_("A drill and a real incident cannot be merged."), code="drill_and_real")
    with transaction.atomic():
        first, second = sorted((incident, into), key=lambda found: found.pk)
        locked = {found.pk: lock(found) for found in (first, second)}
        incident, into = locked[incident.pk], locked[into.pk]
        check_from(incident, OPEN_STATES)
        check_from(into, OPEN_STATES)
        if incident.alerts.exclude(state__in=(AlertState.COVERED, AlertState.STOOD_DOWN)).exists():
            raise IncidentError(
                _("Incident %(code)s has asked people already: stand it down before merging it.")
                % {"code": incident.code},
                code="has_alerts",
            )
        moved = Report.objects.filter(incident=incident).update(incident=into)
        recount(into)
        recount(incident)
        cancel_timer(STALE_TIMER, str(incident.uuid))
        dispatch.stand_down(incident, actor=user_actor(by))
        incident.merged_into = into
        incident.save(update_fields=["merged_into"])
        move(incident, IncidentState.MERGED, by=by, into=into.code, reports=moved)
        add(into, EntryKind.MERGED, actor=user_actor(by), merged=incident.code, reports=moved)
    return into


def do_split(incident: Incident, codes: list[str], *, by: User | None) -> Incident:
    """Move the reports with these references out of `incident` into a new incident of their own.

    The new incident starts as reported, in the first moved report's zone. ValidationError when a
    reference is not one of the incident's reports, or when nothing (or everything) would move.
    """
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    with transaction.atomic():
        incident = lock(incident)
        check_from(incident, OPEN_STATES)
        reports = list(Report.objects.filter(incident=incident, code__in=wanted).order_by("created_at", "pk"))
        if not reports or len(reports) != len(wanted):
            raise ValidationError({"reports": _("Choose reports of this incident, by their references.")})
        if len(reports) == incident.reports.count():
            raise ValidationError({"reports": _("Leave at least one report in this incident.")})
        first = reports[0]
        split = new_incident(incident.type, first.zone or incident.zone, first.language)
        Report.objects.filter(pk__in=[report.pk for report in reports]).update(incident=split)
        recount(split)
        recount(incident)
        add(incident, EntryKind.SPLIT, actor=user_actor(by), into=split.code, reports=len(reports))
        add(split, EntryKind.SPLIT, actor=user_actor(by), out_of=incident.code, reports=len(reports))
        record(incident, AuditAction.CHANGED, by=by, split=len(reports))
    return split


def recount(incident: Incident) -> None:
    """The incident's count and first and last report times, from its reports."""
    found = incident.reports.aggregate(count=Count("pk"))
    times = list(incident.reports.order_by("created_at").values_list("created_at", flat=True))
    incident.report_count = found["count"]
    fields = ["report_count"]
    if times:
        incident.first_reported_at, incident.last_reported_at = times[0], times[-1]
        fields += ["first_reported_at", "last_reported_at"]
    incident.save(update_fields=fields)
    changed(incident)
