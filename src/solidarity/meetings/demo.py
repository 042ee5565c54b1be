"""The demo's assemblies, built through meetings' own services, all fictional.

Last month's general assembly, closed: its agenda in four parts with breaks between, its roles, people
who spoke (and for how long), a note, a decision with a stand-aside and a task in its minutes, and the next
assembly set before it closed (the open task carried to its agenda). That next assembly, in a few
days: public and open, in both languages, with report-backs from the working groups and the roles
rotated. And the Education group's meeting, under way now, with people waiting on its stack: open
/en/meetings/ and try the phone's view, the projector and the run page.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.services import network_timezone
from solidarity.meetings import actions, decisions, minutes, services, stack
from solidarity.meetings.models import Duty, Kind, Lane, Meeting, Participant, State, Turn, Visibility
from solidarity.meetings.services import ItemValues, MeetingValues

TITLE = ("General assembly", "Asamblea general")
AGENDA = [
    (("Welcome, agenda and roles", "Bienvenida, orden del día y papeles"), 10),
    (("Rapid response: this month's alerts", "Respuesta rápida: las alertas del mes"), 25),
    None,  # a break
    (("The bond fund: raising the first $5,000", "El fondo de fianzas: reunir los primeros $5,000"), 30),
    None,
    (("Counter-demonstration on the 21st", "Contramanifestación del día 21"), 30),
    None,
]
REPORTING = ["rapid-response", "street-medics-committee", "funds"]
GUESTS = ["Ana Caracol", "Beto Luna", "Cora Pájaro", "Dani Río", "Eli Nube"]


def at(days: int, hour: int) -> datetime:
    day = timezone.now().astimezone(network_timezone()).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=network_timezone())


def assembly_values(starts_at: datetime) -> MeetingValues:
    return MeetingValues(
        title_en=TITLE[0],
        title_es=TITLE[1],
        starts_at=starts_at,
        kind=Kind.ASSEMBLY,
        place="Union hall, 120 Main Street (fictional)",
        visibility=Visibility.PUBLIC,
        quorum=15,
    )


def write_agenda(meeting: Meeting, by: User) -> None:
    for entry in AGENDA:
        if entry is None:
            services.do_add_item(meeting, services.break_values(), by=by)
        else:
            (title_en, title_es), box = entry
            services.do_add_item(meeting, ItemValues(title_en=title_en, title_es=title_es, minutes=box), by=by)
    for slug in REPORTING:
        group = WorkingGroup.objects.filter(slug=slug).first()
        if group is not None:
            services.do_add_item(meeting, services.report_values(group, 10), by=by)


def give_roles(meeting: Meeting, holders: dict[str, str], by: User) -> None:
    for duty, username in holders.items():
        user = User.objects.filter(username=username).first()
        if user is not None:
            services.do_set_role(meeting, duty, user, by=by)


def last_month(group: WorkingGroup, by: User) -> Meeting:
    """A closed assembly four weeks ago; its times are moved back once it is done (demo history)."""
    meeting = services.do_create_meeting(group, assembly_values(at(3, 15)), by=by)
    write_agenda(meeting, by)
    give_roles(
        meeting,
        {
            Duty.FACILITATOR: "sam.placeholder",
            Duty.STACK_KEEPER: "rosa.ejemplo",
            Duty.MINUTE_TAKER: "jordan.sample",
            Duty.TIMEKEEPER: "lupe.demo",
        },
        by,
    )
    services.do_start_meeting(meeting, by=by)
    guests = [
        services.do_join_with_code(meeting, name, "es" if index % 2 else "en")[0] for index, name in enumerate(GUESTS)
    ]
    services.do_next_item(meeting, by=by)
    record_rapid_response(meeting, by)
    for participant in guests[:3]:
        stack.do_request_turn(meeting, participant)
    for _ in range(3):
        stack.do_next_speaker(meeting, by=by)
    stack.do_end_turn(meeting, by=by)
    services.do_set_next_meeting(meeting, at(4, 15), by=by)
    services.do_close_meeting(meeting, by=by)
    # Demo history: the same meeting, four weeks back (its turns too, so speaking times stay as they were).
    back = timedelta(days=31)
    meeting.refresh_from_db()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at - back,
        started_at=(meeting.started_at or meeting.starts_at) - back,
        closed_at=(meeting.closed_at or meeting.starts_at) - back,
    )
    for turn in Turn.objects.filter(meeting=meeting):
        Turn.objects.filter(pk=turn.pk).update(
            started_at=turn.started_at - back if turn.started_at else None,
            ended_at=turn.ended_at - back if turn.ended_at else None,
            spoken_seconds=90 + 15 * (turn.pk % 4),
        )
    Participant.objects.filter(meeting=meeting).update(joined_at=meeting.starts_at - back)
    return meeting


def record_rapid_response(meeting: Meeting, by: User) -> None:
    """What the minutes kept of the rapid response item: a note, a decision with a stand-aside, a task."""
    item = meeting.items.get(state="current")
    minutes.do_add_note(
        meeting,
        "Eleven alerts this month: two checkpoints confirmed, nine false alarms. Observers arrived in 14 minutes "
        "on average. (Fictional figures.)",
        item=item,
        by=by,
    )
    proposal = decisions.do_add_proposal(
        item,
        decisions.ProposalValues(
            "Train ten more legal observers before spring.",
            "Capacitar a diez observadores legales más antes de la primavera.",
            "Rapid Response",
        ),
        by=by,
    )
    decisions.do_record_decision(
        proposal,
        decisions.DecisionValues(present=24, stand_asides=["Would rather wait for the new training dates."]),
        by=by,
    )
    owner = User.objects.filter(username="sam.placeholder").first()
    actions.do_add_action_item(
        meeting,
        actions.ActionValues(
            what="Set the dates of the legal observer trainings",
            owner=owner,
            due_on=timezone.localdate() + timedelta(days=10),
            group=WorkingGroup.objects.filter(slug="education").first(),
            item=item,
        ),
        by=by,
    )


def live_now(group: WorkingGroup, by: User) -> Meeting:
    """The Education group's meeting, under way, with three people waiting on its stack."""
    values = MeetingValues(
        title_en="Education: planning the know-your-rights workshops",
        title_es="Educación: planear los talleres de conozca sus derechos",
        starts_at=timezone.now() - timedelta(minutes=10),
        place="Public library, room 2 (fictional)",
        visibility=Visibility.PUBLIC,
    )
    meeting = services.do_create_meeting(group, values, by=by)
    for (title_en, title_es), box in [
        (("Last workshop: what worked", "El último taller: qué funcionó"), 20),
        (("Dates and places for spring", "Fechas y lugares para la primavera"), 25),
        (("Materials in both languages", "Materiales en los dos idiomas"), 15),
    ]:
        services.do_add_item(meeting, ItemValues(title_en=title_en, title_es=title_es, minutes=box), by=by)
    services.do_start_meeting(meeting, by=by)
    guests = [services.do_join_with_code(meeting, name, "en")[0] for name in GUESTS[:4]]
    stack.do_request_turn(meeting, guests[0])
    stack.do_next_speaker(meeting, by=by)
    stack.do_request_turn(meeting, guests[1])
    stack.do_request_turn(meeting, guests[2], Lane.CLARIFYING)
    stack.do_request_turn(meeting, guests[3])
    return meeting


def load() -> int:
    """Add the demo's meetings unless last month's assembly is there; returns how many meetings were added."""
    assembly = WorkingGroup.objects.filter(slug="general-assembly").first()
    education = WorkingGroup.objects.filter(slug="education").first()
    facilitator = User.objects.filter(username="rosa.ejemplo").first()
    if assembly is None or education is None or facilitator is None:
        return 0
    if Meeting.objects.filter(group=assembly, title_en=TITLE[0]).exists():
        return 0
    closed = last_month(assembly, facilitator)
    following = closed.next_meeting
    assert following is not None  # noqa: S101  (set above: closing needs it)
    write_agenda(following, facilitator)
    give_roles(
        following,
        {
            Duty.FACILITATOR: "rosa.ejemplo",
            Duty.STACK_KEEPER: "lupe.demo",
            Duty.MINUTE_TAKER: "sam.placeholder",
            Duty.TIMEKEEPER: "jordan.sample",
        },
        facilitator,
    )
    for username in ("sam.placeholder", "lupe.demo"):
        user = User.objects.get(username=username)
        services.do_say_coming(following, user, True)
    teacher = User.objects.filter(username="sam.placeholder").first() or facilitator
    live_now(education, teacher)
    return Meeting.objects.exclude(state=State.CANCELLED).filter(group__in=[assembly, education]).count()
