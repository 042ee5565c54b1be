"""The demo's call-in campaign, "Free our neighbour", run by the Call-ins group's two coordinators: the Department
of Homeland Security, an ICE field office in another time zone (where detained people are often moved) and a
congressman's Washington and district offices, and a detention centre that answers at any hour (so the demo
has an office to call on a weekend), each with its own number, hours and scripts in English and Spanish. Four
offices were checked by the second coordinator; the district office was left unchecked, for an
admin (a coordinator of the group after `solidarity demo`) to check. Live for a few days, with calls and their
outcomes, and the ICE office's voicemail full for its last calls. The person's name is recorded and their
family consented, but not yet their lawyer: the scripts still say "a member of our community".

Every office, number (555-01xx) and person is invented."""

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns.calling import note_on_line
from solidarity.campaigns.hours import is_open
from solidarity.campaigns.models import Call, Campaign, ConsentFrom, Outcome, Target, TargetKind, Via, Visibility
from solidarity.campaigns.services import (
    CampaignValues,
    LineValues,
    TargetValues,
    do_add_target,
    do_check_target,
    do_create_campaign,
    do_go_live,
    do_record_consent,
    do_set_subject,
)

GROUP, ORGANISER, SECOND_ORGANISER = "call-ins", "rosa.ejemplo", "sam.placeholder"
TITLE_EN = "Free our neighbour"

CAMPAIGN = CampaignValues(
    title_en=TITLE_EN,
    title_es="Liberen a nuestro vecino",
    goal_en="ICE releases {person} on bond, so that he can fight his case at home, with his family.",
    goal_es="Que ICE deje en libertad bajo fianza a {persona}, para que siga su caso en casa, con su familia.",
    intro_en=(
        "{person}, a student and our neighbour, has been held by ICE for three weeks. His friend came home on bond "
        "after hundreds of calls. Calls work when many people call the right office at the right time with one "
        "clear ask: two minutes of your day."
    ),
    intro_es=(
        "{persona}, estudiante y vecino nuestro, lleva tres semanas detenido por ICE. Su amigo volvió a casa bajo "
        "fianza después de cientos de llamadas. Las llamadas funcionan cuando mucha gente llama a la oficina "
        "correcta, a la hora correcta, con un solo pedido: dos minutos de su día."
    ),
    visibility=Visibility.PUBLIC,
    has_public_counter=True,
)
SUBJECT_NAME, SUBJECT_IDS = "Mateo Ejemplo", "A-000-000-001"

# The offices: (values, checked by the second organiser, calls to make, the outcomes cycled oldest first, streak).
OFFICES: list[dict[str, Any]] = [
    {
        "values": TargetValues(
            name_en="Department of Homeland Security (demo)",
            name_es="Departamento de Seguridad Nacional (demo)",
            kind=TargetKind.AGENCY,
            script_en=(
                "Hi, I am calling from {place}. I ask the Department of Homeland Security to release {person} {ids} "
                "on bond today. He is a student and our neighbour, a danger to no one. Thank you."
            ),
            script_es=(
                "Hola, llamo desde {lugar}. Le pido al Departamento de Seguridad Nacional que deje en libertad bajo "
                "fianza a {persona} {identificadores} hoy mismo. Es estudiante y vecino nuestro, no es un peligro "
                "para nadie. Gracias."
            ),
            time_zone="America/New_York",
            opens_at=time(9),
            closes_at=time(17),
            lines=[LineValues("+1 202-555-0160", "Comment line")],
        ),
        "checked": True,
        "calls": 14,
        "outcomes": [Outcome.VOICEMAIL, Outcome.REACHED, Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.REACHED],
        "streak": [],
    },
    {
        "values": TargetValues(
            name_en="ICE Field Office, Gulf Example (demo)",
            name_es="Oficina de campo de ICE, Gulf Example (demo)",
            kind=TargetKind.FIELD_OFFICE,
            script_en=(
                "Hi, I am calling from {place} about {person} {ids}, held at your field office. I ask the field "
                "office director to release him on bond or parole today. His family and his school are waiting."
            ),
            script_es=(
                "Hola, llamo desde {lugar} por {persona} {identificadores}, detenido en su oficina de campo. Le pido "
                "al director que lo deje en libertad bajo fianza o palabra hoy. Su familia y su escuela lo esperan."
            ),
            time_zone="America/Chicago",
            opens_at=time(8),
            closes_at=time(16, 30),
            lines=[LineValues("+1 504-555-0161", "Front desk")],
        ),
        "checked": True,
        "calls": 12,
        "outcomes": [Outcome.REACHED, Outcome.NO_ANSWER, Outcome.VOICEMAIL],
        "streak": [Outcome.BUSY] * 6,  # the voicemail filled up: the last callers found it full
    },
    {
        "values": TargetValues(
            name_en="Rep. Example, Washington office (demo)",
            name_es="Rep. Example, oficina en Washington (demo)",
            kind=TargetKind.LEGISLATOR,
            script_en=(
                "Hi, I am a constituent calling from {place}. I ask Representative Example to contact ICE today "
                "and ask for the release of {person} {ids} on bond. Thank you."
            ),
            script_es=(
                "Hola, vivo en el distrito y llamo desde {lugar}. Le pido al representante Example que llame hoy a "
                "ICE y pida la libertad bajo fianza de {persona} {identificadores}. Gracias."
            ),
            time_zone="America/New_York",
            opens_at=time(9),
            closes_at=time(18),
            lines=[LineValues("+1 202-555-0162", "Main line")],
        ),
        "checked": True,
        "calls": 10,
        "outcomes": [Outcome.REACHED, Outcome.VOICEMAIL, Outcome.REACHED],
        "streak": [],
    },
    {
        # Detention centres answer at any hour: the demo has an office to call on a weekend or at night too.
        "values": TargetValues(
            name_en="Gulf Example Processing Center (demo)",
            name_es="Centro de procesamiento Gulf Example (demo)",
            kind=TargetKind.DETENTION,
            script_en=(
                "Hi, I am calling from {place} about {person} {ids}, held at your center. I ask that he get his "
                "medication today and that his lawyer can see him. Thank you."
            ),
            script_es=(
                "Hola, llamo desde {lugar} por {persona} {identificadores}, detenido en su centro. Pido que hoy le "
                "den su medicina y que su abogada pueda verlo. Gracias."
            ),
            time_zone="America/Chicago",
            is_always_open=True,
            lines=[LineValues("+1 504-555-0164", "Front desk")],
        ),
        "checked": True,
        "calls": 6,
        "outcomes": [Outcome.NO_ANSWER, Outcome.REACHED, Outcome.VOICEMAIL],
        "streak": [],
    },
    {
        "values": TargetValues(
            name_en="Rep. Example, district office (demo)",
            name_es="Rep. Example, oficina del distrito (demo)",
            kind=TargetKind.LEGISLATOR,
            script_en=(
                "Hi, I am a constituent calling from {place}. I ask Representative Example to contact ICE today "
                "and ask for the release of {person} {ids} on bond. Thank you."
            ),
            script_es=(
                "Hola, vivo en el distrito y llamo desde {lugar}. Le pido al representante Example que llame hoy a "
                "ICE y pida la libertad bajo fianza de {persona} {identificadores}. Gracias."
            ),
            time_zone="America/New_York",
            opens_at=time(9),
            closes_at=time(17),
            lines=[LineValues("+1 919-555-0163", "District office")],
        ),
        "checked": False,  # for the admin to check: the second organiser's check, shown
        "calls": 0,
        "outcomes": [],
        "streak": [],
    },
]
DAYS_BEFORE, DAYS_AFTER = 5, 12  # five days back always hold three weekdays of office hours
STEP = timedelta(minutes=41)  # calls spread over the offices' recent hours
STREAK_STEP = timedelta(minutes=4)


def load() -> int:
    """Add the demo's campaign when it is missing (after the accounts' demo); how many campaigns were added."""
    group = WorkingGroup.objects.filter(slug=GROUP).first()
    people = {user.username: user for user in User.objects.filter(username__in=[ORGANISER, SECOND_ORGANISER])}
    if group is None or len(people) < 2 or Campaign.objects.filter(group=group, title_en=TITLE_EN).exists():
        return 0
    organiser, second = people[ORGANISER], people[SECOND_ORGANISER]
    now = timezone.now()
    values = replace(CAMPAIGN, starts_at=now - timedelta(days=DAYS_BEFORE), ends_at=now + timedelta(days=DAYS_AFTER))
    campaign = do_create_campaign(group, values, by=organiser)
    do_set_subject(campaign, SUBJECT_NAME, SUBJECT_IDS, by=organiser)
    do_record_consent(campaign, lawyer=False, consent_from=ConsentFrom.FAMILY, by=organiser)  # not the lawyer yet
    made = []
    for office in OFFICES:
        target = do_add_target(campaign, office["values"], by=organiser)
        if office["checked"]:
            target = do_check_target(target, by=second)
        made.append((target, office))
    campaign = do_go_live(campaign, by=organiser)
    for target, office in made:
        outcomes = [office["outcomes"][n % len(office["outcomes"])] for n in range(office["calls"])]
        outcomes = outcomes[: len(outcomes) - len(office["streak"])] + office["streak"]
        calls_made(campaign, target, outcomes, len(office["streak"]), now)
    return 1


def calls_made(campaign: Campaign, target: Target, outcomes: list[int], streak: int, now: datetime) -> None:
    """Calls to `target` at its latest open moments (oldest first), reported with `outcomes`; the last `streak`
    a few minutes apart (one caller after another finding the voicemail full), the others STEP apart. Each
    report moves its number's shared status as a caller's report does."""
    line = target.lines.order_by("position").first()
    if line is None or not outcomes:
        return
    moments: list[datetime] = []
    moment = now - STREAK_STEP
    while len(moments) < len(outcomes) and moment > campaign.starts_at:
        if is_open(target, moment):
            moments.append(moment)
        moment -= STREAK_STEP if len(moments) < streak else STEP
    for index, (at, outcome) in enumerate(zip(reversed(moments), outcomes, strict=False)):
        reported = min(at + timedelta(minutes=2), now)
        Call.objects.create(
            campaign=campaign,
            target=target,
            line=line,
            via=Via.SMS if index % 4 == 3 else Via.WEB,
            language="es" if index % 3 == 1 else "en",
            offered_at=at,
            outcome=outcome,
            reported_at=reported,
        )
        note_on_line(line.pk, outcome, reported)
