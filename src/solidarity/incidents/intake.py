"""Intake: a report from anyone (the public form, a text, a hotline call, the API), grouped into an incident.

Grouping. A report with a zone joins the open incident of its type whose zone is its zone or a
neighbour of it, last reported within the hotline's `group_window_minutes` (the most recent, if
several); otherwise it starts a new incident. A drill is never one of them: a real report never joins
one. Two reports at the same moment must not start two incidents: a report locks the rows of its
zone and its neighbours, in id order, before it looks, so reports of one area are grouped one at a
time (on SQLite the write lock does it already).

A report that came in over the public rate limits is not grouped: it waits for a person to review
it (`for_review`), so a flood becomes a queue and never an alert. A text that named no zone waits
for a dispatcher to place it. Nothing a stranger sends is broadcast on its own: incidents start as
reported, and only a person confirms one.

Minimal by design: no field asks for anyone's immigration status or describes an officer. The
number a text came from is kept for the reply thread only, `sender_hours` (hourly sweep), unless
the reporter asked to hear the outcome; a photo loses its metadata before it is stored encrypted.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core.codes import unique_code
from solidarity.core.models import AuditAction, Zone
from solidarity.incidents.models import (
    LONG_TEXT,
    OPEN_STATES,
    SHORT_TEXT,
    EntryKind,
    Incident,
    IncidentType,
    Report,
    ReportState,
    Source,
)
from solidarity.incidents.services import IncidentError, new_incident
from solidarity.incidents.timeline import add, hotline_settings, record, record_report, reports_changed
from solidarity.messaging import keywords
from solidarity.people.self_service import contact_kind
from solidarity.people.services import clean_contact

FUTURE_SLACK = timedelta(minutes=10)  # a phone's clock a little ahead is not a report from the future
OLDEST = timedelta(days=7)
SALUTE = ("size", "activity", "uniform", "equipment")


@dataclass(frozen=True)
class ReportValues:
    """What a report says. Every text is optional but the type; `zone` None: the sender named none we know."""

    type: str = IncidentType.OTHER
    zone: Zone | None = None
    description: str = ""
    place: str = ""
    size: str = ""
    activity: str = ""
    uniform: str = ""
    equipment: str = ""
    occurred_at: datetime | None = None
    seen_directly: bool | None = None
    follow_up: bool = False
    contact: str = ""
    language: str = "en"
    photo: UploadedFile[bytes] | None = field(default=None, compare=False)


def cleaned(values: ReportValues) -> dict[str, object]:
    """The report's fields, checked: ValidationError by field, in the caller's language."""
    errors: dict[str, list[str]] = {}
    if values.type not in IncidentType.values:
        errors["type"] = [_("Choose what kind of event it is.")]
    texts = {"description": values.description.strip(), "place": values.place.strip()}
    texts |= {name: getattr(values, name).strip() for name in SALUTE}
    for name, text in texts.items():
        length = LONG_TEXT if name == "description" else SHORT_TEXT
        if len(text) > length:
            errors[name] = [_("At most %(count)d characters.") % {"count": length}]
    now = timezone.now()
    occurred = values.occurred_at or now
    if timezone.is_naive(occurred):
        errors["occurred_at"] = [_("Give the time with its time zone.")]
    elif occurred > now + FUTURE_SLACK:
        errors["occurred_at"] = [_("This time has not come yet.")]
    elif occurred < now - OLDEST:
        errors["occurred_at"] = [_("Report what is happening now or in the last few days.")]
    contact = ""
    if values.follow_up:
        contact = values.contact.strip()
        kind = contact_kind(contact)
        if not contact:
            errors["contact"] = [_("Give a phone or an email to hear back, or leave the box unticked.")]
        else:
            try:
                contact = clean_contact(kind, contact)
            except ValidationError:
                errors["contact"] = [_("This is not a phone number or an email address.")]
    if errors:
        raise ValidationError(errors)
    return {
        **texts,
        "type": values.type,
        "zone": values.zone,
        "occurred_at": occurred,
        "seen_directly": values.seen_directly,
        "follow_up": values.follow_up,
        "contact": contact,
        "language": values.language if values.language in ("en", "es") else "en",
    }


def do_take_report(
    values: ReportValues,
    *,
    source: Source,
    taken_by: User | None = None,
    for_review: bool = False,
    reply_to: str = "",
) -> Report:
    """Keep one report and group it (the module's rules); ValidationError by field for bad values.

    `for_review`: it came in over the public limits: kept for a person, not grouped. `reply_to`: the
    number a text came from, kept `sender_hours` for the reply thread (for good with follow-up).
    """
    fields = cleaned(values)
    now = timezone.now()
    hotline = hotline_settings()  # read before the zone locks: one statement fewer while they are held
    with transaction.atomic():
        report = Report(source=source, taken_by=taken_by, **fields)
        if reply_to:
            report.reply_to = reply_to
            report.reply_to_until = None if values.follow_up else now + timedelta(hours=hotline.sender_hours)
        if values.photo is not None:
            report.photo = values.photo
        if for_review:
            report.state = ReportState.FOR_REVIEW
        elif report.zone is None:
            report.state = ReportState.NEEDS_ZONE
        if report.state == ReportState.GROUPED:
            report.incident = join(report, hotline.group_window_minutes)  # saved grouped: no second write
            save_with_code(report)
            add_report_entry(report.incident, report)
        else:
            save_with_code(report)
            reports_changed()
    return report


def save_with_code(report: Report) -> None:
    while True:
        report.code = unique_code(Report, "code")
        try:
            with transaction.atomic():
                report.save()
            return
        except IntegrityError:  # the code was taken meanwhile: draw another
            continue


def join(report: Report, window_minutes: int) -> Incident:
    """The open incident `report` (with a zone and type) belongs to, or a new one, counting it (module's rules).

    Locks the rows of the report's zone and its neighbours first, in id order, held to the commit.
    """
    zone = report.zone
    if zone is None:
        raise ValueError("a report is grouped by its zone")
    area = [zone.pk, *zone.neighbours.values_list("pk", flat=True)]
    list(Zone.objects.select_for_update(no_key=True).filter(pk__in=area).order_by("pk").values_list("pk", flat=True))
    since = timezone.now() - timedelta(minutes=window_minutes)
    incident = (
        Incident.objects.select_for_update(no_key=True)
        .filter(state__in=OPEN_STATES, type=report.type, zone_id__in=area, last_reported_at__gte=since, drill=False)
        .order_by("-last_reported_at", "-pk")
        .first()
    )
    now = timezone.now()
    if incident is None:
        incident = new_incident(report.type, zone, report.language)
    incident.report_count += 1
    incident.last_reported_at = now
    incident.save(update_fields=["report_count", "last_reported_at"])
    return incident


def add_report_entry(incident: Incident, report: Report) -> None:
    add(
        incident,
        EntryKind.REPORT,
        actor=report.source,
        report=report.code,
        source=report.source,
        seen_directly=report.seen_directly,
        count=incident.report_count,
    )


def group(report: Report) -> Incident:
    """Put a saved `report` (with a zone) into the open incident it belongs to, or a new one."""
    incident = join(report, hotline_settings().group_window_minutes)
    Report.objects.filter(pk=report.pk).update(incident=incident, state=ReportState.GROUPED)
    report.incident, report.state = incident, ReportState.GROUPED
    add_report_entry(incident, report)
    return incident


def do_place_report(report: Report, *, zone: Zone, type: str, by: User | None) -> Incident:
    """A dispatcher gives a report waiting for review or for a zone its zone and type: it is grouped now."""
    if type not in IncidentType.values:
        raise ValidationError({"type": _("Choose what kind of event it is.")})
    with transaction.atomic():
        locked = Report.objects.select_for_update(no_key=True).get(pk=report.pk)
        if locked.state not in (ReportState.FOR_REVIEW, ReportState.NEEDS_ZONE):
            raise IncidentError(_("This report is in an incident already, or was dismissed."), code="not_waiting")
        locked.zone, locked.type = zone, type
        locked.state = ReportState.GROUPED
        locked.save(update_fields=["zone", "type", "state"])
        incident = group(locked)
        record(incident, AuditAction.CHANGED, by=by, placed=locked.code)
    report.refresh_from_db()
    return incident


def do_dismiss_report(report: Report, *, by: User | None) -> None:
    """A report waiting for review that is nothing (spam, a test, a joke): kept out of every incident."""
    with transaction.atomic():
        done = Report.objects.filter(pk=report.pk, state__in=(ReportState.FOR_REVIEW, ReportState.NEEDS_ZONE)).update(
            state=ReportState.DISMISSED
        )
        if not done:
            raise IncidentError(_("This report is in an incident already, or was dismissed."), code="not_waiting")
        record_report(report, by=by, state="dismissed")
        reports_changed()


def forget_senders(now: datetime | None = None) -> int:
    """The hourly sweep: numbers texts came from, kept past `sender_hours` without follow-up, are blanked."""
    now = now or timezone.now()
    return Report.objects.filter(reply_to_until__lte=now).update(reply_to="", reply_to_until=None)


# What a text says, for a report by SMS: the zone it names, and the kind of event.

TYPE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (IncidentType.CHECKPOINT, ("CHECKPOINT", "RETEN", "RETENES", "PUNTO DE CONTROL")),
    (IncidentType.TRAFFIC_STOP, ("TRAFFIC STOP", "PULLED OVER", "TOW", "PARADA DE TRAFICO", "GRUA", "PARARON")),
    (IncidentType.WORKPLACE_RAID, ("WORKPLACE", "AT WORK", "FACTORY", "TRABAJO", "FABRICA", "OBRA")),
    (IncidentType.HOME_RAID, ("RAID", "REDADA", "AT THE DOOR", "EN LA PUERTA", "CASA", "HOUSE", "HOME")),
    (IncidentType.ARREST, ("ARREST", "ARRESTED", "DETAINED", "ARRESTO", "DETUVIERON", "ARRESTARON", "SE LLEVARON")),
)


def fold(text: str) -> str:
    """As the keyword router compares words (upper case, no accents), with runs of spaces made one."""
    return " ".join(keywords.fold(text).split())


def has_words(text: str, words: str) -> bool:
    return re.search(rf"(?<![A-Z0-9]){re.escape(words)}(?![A-Z0-9])", text) is not None


def guess_type(text: str) -> str:
    """The kind of event a text names (the first match, most specific first); "other" when none."""
    folded = fold(text)
    for kind, words in TYPE_WORDS:
        if any(has_words(folded, word) for word in words):
            return kind
    return IncidentType.OTHER


def guess_zone(text: str) -> Zone | None:
    """The network's zone a text names, in either language, the longest name first; None when it names none."""
    folded = fold(text)
    names: list[tuple[str, Zone]] = []
    for zone in Zone.objects.all():
        names += [(fold(name), zone) for name in (zone.name_en, zone.name_es, zone.slug.replace("-", " ")) if name]
    for name, zone in sorted(names, key=lambda pair: -len(pair[0])):
        if len(name) >= 3 and has_words(folded, name):
            return zone
    return None
