"""Incidents' objects for the URL walk (core.permissions.WALK_FILLERS): a confirmed incident with one report,
one alert to a walk responder, a report waiting for a zone, and the alert's one-tap link token.

URL keywords: `incident` (an incident's code), `alert` (an alert's code), `report` (a report's
reference), `alert_token` (the signed token of an email alert's link), `type` (an incident type: its
dispatch requirements), `wide_alert` (a wide alert's uuid, on the walk's incident), `drill` (a drill's code: a
drill started in the walk zone, waiting for a dispatcher); a family-support case's: `case` (its code),
`case_need`, `case_task` and `hearing` (their ids), `case_member` (a team member's account uuid). The case's
team is a case worker of the walk's group with a second factor: the walk's rightful person for the cases' pages.
`entry`: an observation's timeline entry, with a photo.
"""

import io
from datetime import timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import is_mfa_enabled
from django.utils import timezone

from solidarity.accounts.models import User
from solidarity.core.models import Zone
from solidarity.core.permissions import WALK_FILLERS, Role, WalkWorld
from solidarity.core.zones import ZoneValues, do_create_zone, zone_by_slug
from solidarity.incidents import dispatch
from solidarity.incidents.case_models import Case
from solidarity.incidents.cases import CaseValues, do_add_hearing, do_add_need, do_add_task, do_open_case
from solidarity.incidents.dispatch import lock_need
from solidarity.incidents.drills import DrillValues, Stage, do_start_drill
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
from solidarity.incidents.wide_models import WideAlert
from solidarity.people.models import Skill
from solidarity.people.walk import VOLUNTEER, account, record

ZONE = "walk-zone"
CASE_WORKER = "walk.case_worker"


def walk_zone() -> Zone:
    found = zone_by_slug(ZONE)
    return found or do_create_zone(ZoneValues(name_en="Walk zone", name_es="Zona de paseo"), slug=ZONE, actor="system")


def an_incident(world: WalkWorld) -> Incident:
    found = Incident.objects.filter(zone__slug=ZONE, state=IncidentState.CONFIRMED, drill=False).first()
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


def a_wide_alert(world: WalkWorld) -> str:
    incident = an_incident(world)
    found = incident.wide_alerts.first()
    if found is None:
        now = timezone.now()
        found = WideAlert.objects.create(incident=incident, asked_at=now, expires_at=now + timedelta(hours=1))
    return str(found.uuid)


def a_drill(world: WalkWorld) -> str:
    found = Incident.objects.filter(zone__slug=ZONE, drill=True).first()
    if found is None:
        found = do_start_drill(DrillValues("checkpoint", walk_zone(), "Walk drill", Stage.REPORTED), by=None)
    return found.code


def case_worker(world: WalkWorld) -> User:
    """A case worker of the walk's group, with a second factor as the role requires."""
    found = account(world, CASE_WORKER, Role.CASE_WORKER)
    if not is_mfa_enabled(found):
        TOTP.activate(found, generate_totp_secret())
    return found


def a_case(world: WalkWorld) -> Case:
    """An open case from the walk's incident, its team the walk's case worker."""
    worker = case_worker(world)
    found = Case.objects.filter(incident__zone__slug=ZONE, state="open").first()
    if found is None:
        found = do_open_case(an_incident(world), CaseValues(for_whom="Walk family"), by=worker)
    found.team.add(worker)
    return found


def a_case_need(world: WalkWorld) -> str:
    case = a_case(world)
    found = case.needs.first() or do_add_need(case, "food", "", by=case_worker(world))
    return str(found.uuid)


def a_case_task(world: WalkWorld) -> str:
    case, worker = a_case(world), case_worker(world)
    found = case.tasks.first() or do_add_task(case, "Walk task", assignee=worker, due_on=None, by=worker)
    return str(found.uuid)


def a_hearing(world: WalkWorld) -> str:
    case = a_case(world)
    found = case.hearings.first() or do_add_hearing(case, "master", timezone.localdate(), "", by=case_worker(world))
    return str(found.uuid)


def an_observation(world: WalkWorld) -> str:
    incident = an_incident(world)
    found = Entry.objects.filter(incident=incident, kind=EntryKind.OBSERVATION).first()
    if found is None:
        from PIL import Image  # a walk's photo only: Pillow stays out of start-up (core.images)

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
    WALK_FILLERS.register("wide_alert", a_wide_alert)
    WALK_FILLERS.register("drill", a_drill)
    WALK_FILLERS.register("case", lambda world: a_case(world).code)
    WALK_FILLERS.register("case_need", a_case_need)
    WALK_FILLERS.register("case_task", a_case_task)
    WALK_FILLERS.register("hearing", a_hearing)
    WALK_FILLERS.register("case_member", lambda world: str(case_worker(world).uuid))
    WALK_FILLERS.register("entry", an_observation)
