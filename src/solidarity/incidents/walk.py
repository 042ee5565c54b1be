"""Incidents' objects for the URL walk (core.permissions.WALK_FILLERS): a confirmed incident with one report,
one alert to a walk responder, a report waiting for a zone, and the alert's one-tap link token.

URL keywords: `incident` (an incident's code), `alert` (an alert's code), `report` (a report's
reference), `alert_token` (the signed token of an email alert's link), `type` (an incident type: its
dispatch requirements), `entry` (an observation's timeline entry, with a photo).
"""

import io

from django.utils import timezone
from PIL import Image

from solidarity.core.models import Zone
from solidarity.core.permissions import WALK_FILLERS, Role, WalkWorld
from solidarity.core.zones import ZoneValues, do_create_zone, zone_by_slug
from solidarity.incidents import dispatch
from solidarity.incidents.dispatch import lock_need
from solidarity.incidents.intake import ReportValues, do_take_report
from solidarity.incidents.models import (
    Alert,
    Entry,
    EntryKind,
    Incident,
    IncidentState,
    NeedState,
    Purpose,
    Report,
    ReportState,
    Source,
)
from solidarity.incidents.observations import ObservationValues, do_add_observation
from solidarity.incidents.services import do_confirm
from solidarity.people.models import Skill
from solidarity.people.walk import VOLUNTEER, account, record

ZONE = "walk-zone"


def walk_zone() -> Zone:
    found = zone_by_slug(ZONE)
    return found or do_create_zone(ZoneValues(name_en="Walk zone", name_es="Zona de paseo"), slug=ZONE, actor="system")


def an_incident(world: WalkWorld) -> Incident:
    found = Incident.objects.filter(zone__slug=ZONE, state=IncidentState.CONFIRMED).first()
    if found is None:
        report = do_take_report(ReportValues(type="checkpoint", zone=walk_zone()), source=Source.WEB)
        report.refresh_from_db()
        assert report.incident is not None  # noqa: S101  (a report with a zone is grouped)
        found = do_confirm(report.incident, by=None)
    return found


def an_alert(world: WalkWorld) -> Alert:
    incident = an_incident(world)
    found = Alert.objects.filter(incident=incident).first()
    if found is None:
        # The walk volunteer is asked directly (they are not on call): the alert's pages and endpoints are walked.
        volunteer = record(account(world, VOLUNTEER, Role.RESPONDER), "Walk Volunteer", world)
        skill = Skill.objects.get(slug="legal-observer")
        # The confirmation opened a need per requirement: the walk volunteer is asked for that one, if it did.
        opened = incident.needs.filter(purpose=Purpose.RESPOND, skill=skill).exclude(state=NeedState.CANCELLED).first()
        need = lock_need(opened or dispatch.open_need(incident, purpose=Purpose.RESPOND, skill=skill, count=1))
        candidate = dispatch.Candidate(volunteer.pk, 0, incident.zone_id, None, language_fit=True)
        found = dispatch.make_alert(need, candidate, volunteer, ("sms", "+19195550142"), timezone.now())
    return found


def a_report(world: WalkWorld) -> str:
    found = Report.objects.filter(state=ReportState.NEEDS_ZONE).first()
    if found is None:
        found = do_take_report(ReportValues(type="other", zone=None, description="Walk report"), source=Source.SMS)
    return found.code


def an_observation(world: WalkWorld) -> str:
    incident = an_incident(world)
    found = Entry.objects.filter(incident=incident, kind=EntryKind.OBSERVATION).first()
    if found is None:
        photo = io.BytesIO()
        Image.new("RGB", (4, 4), (90, 90, 90)).save(photo, format="PNG")
        values = ObservationValues(seen="Walk observation", media=photo.getvalue())
        found = do_add_observation(incident, values, actor="system", source=Source.WEB).entry
    return str(found.uuid)


def register() -> None:
    WALK_FILLERS.register("incident", lambda world: an_incident(world).code)
    WALK_FILLERS.register("alert", lambda world: an_alert(world).code)
    WALK_FILLERS.register("report", a_report)
    WALK_FILLERS.register("type", lambda world: "checkpoint")
    WALK_FILLERS.register("alert_token", lambda world: dispatch.link_token(an_alert(world)))
    WALK_FILLERS.register("entry", an_observation)
