"""The demo's incidents: what a newcomer finds on the board, built through incidents' own services.

- A checkpoint in East Durham, confirmed: its legal observers' need is partly filled (Marisol goes,
  Rafael said no, so Rocío, one zone away, was asked at once); the driver and the interpreter are asked.
- A raid at a home in Riverside, reported three times and waiting for a dispatcher to start verifying.
- A text that named no zone we know, waiting for a dispatcher to place it.
- A family-support case from the checkpoint, for a fictional family, on the demo dispatcher's team only:
  an admin who joins the demo sees that it exists on the incident's page, not what it holds (need to know).

Fictional only: invented places, the roster's 555-01xx numbers (people.demo), which reach nobody.
The responders it asks are put on call for the next hours (a one-off shift), so the demo works at
any hour of the week. Requirements are the starting ones (migration 0002).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.zones import zone_named
from solidarity.incidents import cases
from solidarity.incidents.dispatch import do_answer_alert
from solidarity.incidents.intake import ReportValues, do_take_report
from solidarity.incidents.models import Alert, Incident, IncidentType, Report, Source
from solidarity.incidents.services import do_confirm
from solidarity.incidents.timeline import hotline_settings
from solidarity.lists.models import AnnouncementList
from solidarity.people.demo import phone
from solidarity.people.models import ContactKind, Person
from solidarity.people.services import do_add_one_off_shift, find_people_by_contact

ACTOR = audit.CLI
ON_CALL_HOURS = 12
# The roster's indexes (people.demo.ROSTER) put on call for the checkpoint.
ON_CALL = {
    "Rosa E.": 0,  # interpreter, East Durham
    "Marisol T.": 4,  # legal observer, East Durham: goes
    "Inés Q.": 6,  # interpreter and driver, East Durham
    "Rafael O.": 18,  # legal observer, East Durham: says no
    "Rocío P.": 24,  # legal observer, Riverside (next to East Durham): asked after Rafael's no
    "Julián R.": 26,  # driver and interpreter, East Durham
}
GOING, DECLINING = 4, 18
TEXTED_FROM = "+19195550199"  # a fictional sender (555-01xx)
DISPATCHER = "sam.placeholder"  # accounts.demo's dispatcher


def demo_case(incident: Incident) -> None:
    """A fictional family's case from the checkpoint, on the demo dispatcher's team (when accounts' demo made them)."""
    dispatcher = User.objects.filter(username=DISPATCHER).first()
    if dispatcher is None:
        return
    case = cases.do_open_case(incident, cases.CaseValues(for_whom="Familia Ejemplo", language="es"), by=dispatcher)
    cases.do_add_need(case, "childcare", "Two children; school ends at 3 pm.", by=dispatcher)
    cases.do_add_need(case, "car", "The car was left at the gas station on Demo Ave.", by=dispatcher)
    cases.do_add_task(
        case,
        "Call the legal aid line",
        assignee=dispatcher,
        due_on=timezone.localdate() + timedelta(days=1),
        by=dispatcher,
    )
    path = cases.LegalPath(held_at="Demo County Detention Center")
    cases.do_set_legal_path(case, path, by=dispatcher)
    cases.do_add_hearing(case, "master", timezone.localdate() + timedelta(days=10), "", by=dispatcher)


def demo_person(index: int) -> Person | None:
    found = find_people_by_contact(ContactKind.PHONE, phone(index))
    return found[0] if found else None


def load() -> int:
    """Add the demo's reports and incidents unless the network has reports already; how many reports were added."""
    east, riverside = zone_named("east-durham"), zone_named("riverside")
    if east is None or riverside is None or Report.objects.exists() or demo_person(0) is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        for index in ON_CALL.values():
            person = demo_person(index)
            if person is not None:
                do_add_one_off_shift(
                    person,
                    now - timedelta(hours=1),
                    now + timedelta(hours=ON_CALL_HOURS),
                    is_on_call=True,
                    by=None,
                    actor=ACTOR,
                )
        checkpoint = [
            ReportValues(
                type=IncidentType.CHECKPOINT,
                zone=east,
                description="Two marked vehicles stopping cars by the gas station.",
                place="Corner of Demo Ave and Example St",
                size="4 agents, 2 vehicles",
                activity="Asking drivers for papers",
                uniform="Vests, cannot read the letters",
                seen_directly=True,
                occurred_at=now - timedelta(minutes=25),
            ),
            ReportValues(
                type=IncidentType.CHECKPOINT,
                zone=east,
                description="Hay un retén cerca de la gasolinera.",
                place="Demo Ave",
                language="es",
                seen_directly=False,
                occurred_at=now - timedelta(minutes=20),
            ),
        ]
        reports = [do_take_report(values, source=Source.WEB) for values in checkpoint]
        incident = reports[0].incident
        if incident is None:
            return len(reports)
        do_confirm(incident, by=None, where="Demo Ave and Example St, by the gas station", note="Seen by two people.")
        # Wide alerts go to the rapid-response list of the lists' demo, if it is there.
        hotline_settings().alert_lists.set(AnnouncementList.objects.filter(slug="east-durham"))
        demo_case(incident)
        for index, going in ((GOING, True), (DECLINING, False)):
            person = demo_person(index)
            alert = Alert.objects.filter(incident=incident, person=person).first() if person else None
            if alert is not None:
                do_answer_alert(alert, going=going, actor=ACTOR)
        raid = [
            ReportValues(
                type=IncidentType.HOME_RAID,
                zone=riverside,
                description="Agents knocking at the apartments on Sample Rd.",
                place="Sample Rd apartments, building C",
                seen_directly=True,
            ),
            ReportValues(
                type=IncidentType.HOME_RAID,
                zone=riverside,
                description="Están tocando puertas en los apartamentos.",
                place="Sample Rd",
                language="es",
                seen_directly=True,
            ),
            ReportValues(
                type=IncidentType.HOME_RAID,
                zone=riverside,
                description="A neighbour called: vans outside building C.",
                seen_directly=False,
            ),
        ]
        reports += [
            do_take_report(values, source=source)
            for values, source in zip(raid, (Source.WEB, Source.HOTLINE, Source.WEB), strict=True)
        ]
        reports.append(
            do_take_report(
                ReportValues(description="migra en la tienda de la esquina, por la plaza del mercado", language="es"),
                source=Source.SMS,
                reply_to=TEXTED_FROM,
            )
        )
    return len(reports)
