"""The organisers' checklist: the seed's seven steps and their states as the world changes (the public page, the
update list, medics in pairs with kits packed in supplies, the legal-observer request, the debrief training, the
medical and legal fund), the pages, the debrief and its report, and the network's template with lessons copied in.

Places, numbers and people are fictional (555-01xx)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.bond_models import BondRequest, BondRequestKind, BondRequestState
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.events.checklist import (
    DebriefSessionValues,
    ObserversValues,
    StepChanges,
    TemplateValues,
    checklist,
    do_add_template_step,
    do_copy_lessons,
    do_move_template_step,
    do_record_observers,
    do_schedule_debrief,
    do_tick_step,
    do_untick_step,
    do_update_step,
    observers_request_text,
    observers_warning,
    state_of,
)
from solidarity.events.debrief import DebriefValues, do_record_debrief, report_of
from solidarity.events.models import (
    Action,
    Arrest,
    ArrestState,
    ChecklistStep,
    ObserversState,
    SignUp,
    SignUpState,
    Slot,
    StepKind,
    TemplateStep,
)
from solidarity.events.models import (
    Role as SlotRole,
)
from solidarity.events.services import do_publish_action, template_steps
from solidarity.funds.models import FundKind
from solidarity.people.models import Person
from solidarity.supplies.services import do_pack_kit, do_save_kit_template
from solidarity.trainings.models import Session, SessionState
from solidarity.trainings.services import do_cancel_session
from tests.factories.accounts import client_for, make_member
from tests.factories.events import make_action
from tests.factories.funds import give, make_fund
from tests.factories.lists import make_list
from tests.factories.people import make_person
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

KINDS = ["public_page", "flyers", "update_list", "medics", "observers", "debrief", "fund"]


def step(action: Action, kind: str) -> ChecklistStep:
    return ChecklistStep.objects.select_related("action__group", "action__debrief_session").get(
        action=action, kind=kind
    )


def states(action: Action) -> dict[str, bool]:
    return {seen.step.kind: seen.state.done for seen in checklist(Action.objects.get(pk=action.pk))}


def medic_slot(action: Action, needed: int = 6) -> Slot:
    return Slot.objects.create(
        action=action,
        role=SlotRole.MEDIC,
        starts_at=action.starts_at,
        ends_at=action.ends_at,
        needed=needed,
        in_pairs=True,
    )


def sign_up(slot: Slot, person: Person, state: str = SignUpState.SIGNED_UP) -> SignUp:
    code = f"S{SignUp.objects.count() + 1:04d}"
    return SignUp.objects.create(slot=slot, person=person, code=code, state=state)


def medics_sign_up(action: Action, count: int) -> Slot:
    slot = medic_slot(action)
    for index in range(count):
        sign_up(slot, make_person(f"Medic Ejemplo {index}", zones=()))
    return slot


def pack_kits(group: WorkingGroup, by: User, count: int, *, expires_on: date) -> None:
    depot = make_location(group, by, "Depot")
    gauze = make_item(group, by, "GAUZE", name_en="Gauze")
    water = make_item(group, by, "WATER", name_en="Water bottle")
    receive(depot, gauze, 10 * count, by, expires_on=expires_on)
    receive(depot, water, 10 * count, by)
    template = do_save_kit_template(
        group, {gauze: 2, water: 2}, by=by, name_en="Street-medic kit per pair", name_es="Botiquín por pareja"
    )
    for index in range(count):
        do_pack_kit(template, depot, by=by, name=f"Kit {index + 1}")


# The seven steps and their states.


def test_a_new_action_has_the_seven_steps_none_done(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)

    seen = checklist(action)

    assert [each.step.kind for each in seen] == KINDS
    assert not any(each.state.done for each in seen)
    missing = {each.step.kind: each.state.missing for each in seen}
    assert missing["public_page"] == "The public page is not published yet."
    assert missing["fund"] == "No medical and legal fund yet: a treasurer sets it up."
    assert "No street medics" in missing["medics"]
    assert missing["observers"] == "Not requested yet."


def test_the_steps_turn_done_as_the_world_changes(
    medics: WorkingGroup, funds: WorkingGroup, coordinator: User, medic: User, treasurer: User
) -> None:
    action = make_action(medics, coordinator)

    # The public page goes up.
    do_publish_action(action, by=coordinator)
    assert states(action)["public_page"]

    # Flyers are ticked by hand (and unticked), recording who and when.
    flyers = step(action, StepKind.FLYERS)
    assert do_tick_step(flyers, by=medic)
    assert not do_tick_step(flyers, by=medic)
    assert flyers.done_by == medic
    assert flyers.done_at is not None
    assert states(action)["flyers"]
    do_untick_step(flyers, by=coordinator)
    assert not states(action)["flyers"]
    do_tick_step(flyers, by=coordinator)

    # The update list (another helper makes it).
    Action.objects.filter(pk=action.pk).update(updates_list=make_list(medics, coordinator, slug="counter-demo"))
    assert states(action)["update_list"]

    # Medics: three signed up is a lone medic; a fourth makes two pairs, but kits are missing.
    slot = medics_sign_up(action, 3)
    seen = state_of(step(action, StepKind.MEDICS))
    assert not seen.done
    assert "3 medics signed up: 1 alone, needs a partner." in seen.missing
    sign_up(slot, make_person("Medic Ejemplo 4", zones=()))
    seen = state_of(step(action, StepKind.MEDICS))
    assert not seen.done
    assert seen.missing == "0 of 2 kits packed: pack 2 more."
    assert seen.path == f"/en/groups/{medics.slug}/supplies/setup/"

    # Kits packed in supplies, expiring after the action: done. One expiring before it would not count.
    pack_kits(medics, coordinator, 2, expires_on=timezone.localdate() + timedelta(days=60))
    assert states(action)["medics"]

    # Legal observers: requested, then confirmed.
    values = ObserversValues("Fictional Lawyers Guild, Durham chapter", timezone.localdate(), coordinator)
    do_record_observers(action, values, by=coordinator)
    assert action.observers_state == ObserversState.REQUESTED
    seen = state_of(step(action, StepKind.OBSERVERS))
    assert not seen.done
    assert "Fictional Lawyers Guild" in seen.missing
    values.confirmed = True
    do_record_observers(action, values, by=coordinator)
    assert states(action)["observers"]

    # The debrief, scheduled as a training; cancelled, it is missing again.
    starts = action.ends_at + timedelta(days=3)
    do_schedule_debrief(action, DebriefSessionValues(starts, "Fictional Library, room 2", 20), by=coordinator)
    assert states(action)["debrief"]

    # The fund: none, then a medical and legal fund with nothing in it, then a gift.
    fund = make_fund(funds, treasurer, "Medical and Legal", kind=FundKind.MEDICAL_LEGAL)
    seen = state_of(step(action, StepKind.FUND))
    assert not seen.done
    assert seen.path == f"/en/funds/{fund.slug}/"
    give(fund, 124_000, by=treasurer)
    seen = state_of(step(action, StepKind.FUND))
    assert seen.done
    assert seen.missing == "Medical and legal fund: $1,240.00 available."

    assert all(states(action).values())


def test_kits_expiring_before_the_action_do_not_count(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator, starts_at=timezone.now() + timedelta(days=10))
    medics_sign_up(action, 2)
    pack_kits(medics, coordinator, 1, expires_on=timezone.localdate() + timedelta(days=5))

    seen = state_of(step(action, StepKind.MEDICS))

    assert not seen.done
    assert seen.missing == "0 of 1 kit packed: pack 1 more."


def test_a_manual_step_is_ticked_but_others_are_not(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    with pytest.raises(ValidationError, match="ticked by hand"):
        do_tick_step(step(action, StepKind.FUND), by=coordinator)


def test_a_steps_owner_is_a_member_of_the_group(
    medics: WorkingGroup, coordinator: User, medic: User, other_member: User
) -> None:
    action = make_action(medics, coordinator)
    medics_step = step(action, StepKind.MEDICS)

    changed = do_update_step(medics_step, StepChanges(owner=medic, fields=frozenset({"owner"})), by=coordinator)

    assert changed == ["owner"]
    assert medics_step.owner == medic
    with pytest.raises(ValidationError, match="member of the action"):
        do_update_step(medics_step, StepChanges(owner=other_member, fields=frozenset({"owner"})), by=coordinator)
    entry = AuditEntry.objects.filter(object_type="events.step").latest("seq")
    assert entry.detail == {"fields": ["owner"]}


# The legal-observer request.


def test_the_72_hour_warning(medics: WorkingGroup, coordinator: User) -> None:
    soon = make_action(medics, coordinator, starts_at=timezone.now() + timedelta(hours=60))
    later = make_action(medics, coordinator, starts_at=timezone.now() + timedelta(days=5))

    assert observers_warning(soon) == "Lawyers' guilds ask for at least 72 hours: request them now."
    assert observers_warning(later) == ""
    assert "72 hours" in state_of(step(soon, StepKind.OBSERVERS)).missing

    do_record_observers(soon, ObserversValues("Fictional Guild", timezone.localdate()), by=coordinator)
    assert observers_warning(soon) == ""


def test_the_request_text_in_the_organisers_language(medics: WorkingGroup, coordinator: User) -> None:
    point = make_member("pat.point", medics, Role.MEMBER)
    make_person("Pat Ejemplo", zones=(), user=point)
    starts = timezone.make_aware(datetime(2031, 5, 3, 14, 0))  # noqa: DTZ001  (the network's time)
    action = make_action(medics, coordinator, starts_at=starts, expected_size=300)
    do_record_observers(action, ObserversValues(point_person=point), by=coordinator)

    text = observers_request_text(action, "en")

    assert "Organisation: Street Medics Committee" in text
    assert "Point person: Pat Ejemplo" in text
    assert "Date: May 3, 2031" in text
    assert "Place: Fictional Plaza, north steps" in text
    assert "Expected size: about 300 people" in text
    spanish = observers_request_text(action, "es")
    assert "Persona de contacto: Pat Ejemplo" in spanish
    assert "Tamaño esperado: unas 300 personas" in spanish


def test_a_request_needs_whom_and_when(medics: WorkingGroup, coordinator: User, other_member: User) -> None:
    action = make_action(medics, coordinator)
    with pytest.raises(ValidationError) as refused:
        do_record_observers(action, ObserversValues(confirmed=True, point_person=other_member), by=coordinator)
    assert set(refused.value.message_dict) == {"requested_from", "requested_on", "point_person"}


# The debrief.


def test_scheduling_the_debrief_makes_a_training_of_the_group(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator, title_en="Counter-demo", title_es="Contramanifestación")
    starts = action.ends_at + timedelta(days=2)

    do_schedule_debrief(action, DebriefSessionValues(starts, "Fictional Union Hall", 25), by=coordinator)

    assert action.debrief_session is not None
    session = action.debrief_session
    assert session.group == medics
    assert session.kind == "workshop"
    assert (session.title_en, session.title_es) == ("Debrief: Counter-demo", "Evaluación: Contramanifestación")
    assert session.starts_at == starts
    assert session.capacity == 25
    with pytest.raises(ValidationError, match="scheduled already"):
        do_schedule_debrief(action, DebriefSessionValues(starts, "Elsewhere", 25), by=coordinator)
    do_cancel_session(session, by=coordinator)
    assert Session.objects.get(pk=session.pk).state == SessionState.CANCELLED
    assert not state_of(step(action, StepKind.DEBRIEF)).done
    do_schedule_debrief(action, DebriefSessionValues(starts, "Elsewhere", 25), by=coordinator)
    assert state_of(step(action, StepKind.DEBRIEF)).done


def test_the_debrief_comes_after_the_action(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    with pytest.raises(ValidationError, match="after the action"):
        do_schedule_debrief(action, DebriefSessionValues(action.starts_at, "Hall", 5), by=coordinator)
    with pytest.raises(ValidationError, match="after the action"):
        do_record_debrief(action, DebriefValues(medic_encounters=2), by=coordinator)


def test_the_debrief_report_counts(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator, starts_at=timezone.now() - timedelta(hours=6))
    medics_slot = medic_slot(action)
    marshals = Slot.objects.create(
        action=action, role=SlotRole.MARSHAL, starts_at=action.starts_at, ends_at=action.ends_at, needed=4
    )
    people = [make_person(f"Ejemplo {index}", zones=()) for index in range(6)]
    for person, state in zip(people[:4], ["attended", "attended", "no_show", "signed_up"], strict=True):
        sign_up(medics_slot, person, state)
    sign_up(marshals, people[4], SignUpState.ATTENDED)
    sign_up(marshals, people[5], SignUpState.CANCELLED)
    arrests = [
        Arrest.objects.create(action=action, support_name=f"Support {index}", arrested_at=timezone.now(), state=state)
        for index, state in enumerate([ArrestState.RELEASED, ArrestState.ARRAIGNED])
    ]
    for arrest, state in zip(arrests, [BondRequestState.PAID, BondRequestState.REQUESTED], strict=True):
        BondRequest.objects.create(
            source="events.arrest", kind=BondRequestKind.BAIL, reference=arrest.uuid, amount=Decimal(500), state=state
        )
    do_record_debrief(
        action, DebriefValues(medic_encounters=7, other_spent_cents=4_550, lessons="More water."), by=coordinator
    )

    report = report_of(Action.objects.get(pk=action.pk))

    turnout = {row.role: (row.signed_up, row.attended, row.no_show) for row in report.turnout}
    assert turnout == {"medic": (1, 2, 1), "marshal": (0, 1, 0)}
    assert report.no_shows == 1
    assert report.arrests == [("arraigned", 1), ("released", 1)]
    assert report.bail_cents == 50_000
    assert report.spent_cents == 54_550
    assert report.spent == "$545.50"
    assert Action.objects.get(pk=action.pk).lessons == "More water."
    entry = AuditEntry.objects.filter(object_type="events.debrief").latest("seq")
    assert "water" not in str(entry.detail)


# Lessons into the template.


def test_lessons_are_copied_into_the_template(medics: WorkingGroup, coordinator: User) -> None:
    template_steps()
    TemplateStep.objects.create(kind=StepKind.MANUAL, title_en="Book the sound system", position=50)
    action = make_action(medics, coordinator)
    medics_step = step(action, StepKind.MEDICS)
    sound = ChecklistStep.objects.get(action=action, title_en="Book the sound system")
    gone = ChecklistStep.objects.create(action=action, kind=StepKind.MANUAL, title_en="Rent a van", position=60)
    for each, lesson in ((medics_step, "Pack spare gloves."), (sound, "Book it a month ahead."), (gone, "Two vans.")):
        do_update_step(each, StepChanges(lesson=lesson, fields=frozenset({"lesson"})), by=coordinator)
    flyers = step(action, StepKind.FLYERS)  # no lesson: nothing to copy

    copied = do_copy_lessons(action, [medics_step, sound, gone, flyers], by=coordinator)

    assert copied == 3
    medics_template = TemplateStep.objects.get(kind=StepKind.MEDICS)
    assert medics_template.help_en.endswith("\n\nPack spare gloves.")
    assert medics_template.help_es.endswith("Pack spare gloves.")
    assert TemplateStep.objects.get(title_en="Book the sound system").help_en == "Book it a month ahead."
    van = TemplateStep.objects.get(title_en="Rent a van")
    assert van.kind == StepKind.MANUAL
    assert van.help_en == "Two vans."
    assert van.position == max(TemplateStep.objects.values_list("position", flat=True))
    assert do_copy_lessons(action, [medics_step, gone], by=coordinator) == 0  # not twice
    assert make_action(medics, coordinator).steps.filter(title_en="Rent a van").exists()


def test_the_template_is_kept_in_order(coordinator: User) -> None:
    template_steps()
    added = do_add_template_step(
        TemplateValues(title_en="Book the sound system", help_es="Con tiempo."), by=coordinator
    )
    assert template_steps()[-1] == added

    do_move_template_step(added, 0, by=coordinator)

    order = template_steps()
    assert order[0] == added
    assert [each.position for each in order] == list(range(8))


# The pages.


def page(action: Action, rest: str = "checklist/", language: str = "en") -> str:
    return f"/{language}/actions/{action.code}/{rest}"


def test_members_see_the_checklist_and_coordinators_act(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    action = make_action(medics, coordinator)
    flyers = step(action, StepKind.FLYERS)

    shown = client_for(medic).get(page(action))

    assert shown.status_code == 200
    html = shown.content.decode()
    assert "0 of 7 steps done." in html
    assert "No owner yet" in html
    assert "are not stored here" in html  # observers' notes: said where a user looks
    assert f"/checklist/{flyers.uuid}/done/" not in html  # a member sees, does not tick
    assert client_for(medic).post(page(action, f"checklist/{flyers.uuid}/done/")).status_code == 404

    client = client_for(coordinator)
    assert f"/checklist/{flyers.uuid}/done/" in client.get(page(action)).content.decode()
    answer = client.post(page(action, f"checklist/{flyers.uuid}/done/"))
    assert answer.status_code == 302
    assert ChecklistStep.objects.get(pk=flyers.pk).done_by == coordinator
    answer = client.post(
        page(action, f"checklist/{flyers.uuid}/"), {"owner": str(medic.uuid), "note": "Print 200", "lesson": ""}
    )
    assert answer.status_code == 302
    assert ChecklistStep.objects.get(pk=flyers.pk).owner == medic
    assert "1 of 7 steps done." in client.get(page(action)).content.decode()


def test_the_spanish_checklist(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    html = client_for(coordinator).get(page(action, language="es")).content.decode()
    assert "Todavía no se publicó la página pública." in html
    assert "Sin responsable todavía" in html


def test_outsiders_get_nothing(
    medics: WorkingGroup, coordinator: User, outsider: User, other_coordinator: User
) -> None:
    action = make_action(medics, coordinator)
    flyers = step(action, StepKind.FLYERS)
    for user in (outsider, other_coordinator):
        client = client_for(user)
        for rest in ("checklist/", "legal-observers/", "debrief/", "debrief/edit/", "debrief/schedule/"):
            assert client.get(page(action, rest)).status_code == 404, rest
        assert client.post(page(action, f"checklist/{flyers.uuid}/done/")).status_code == 404
    assert client_for(outsider).get("/en/actions/checklist-template/").status_code == 404
    assert client_for(other_coordinator).get("/en/actions/checklist-template/").status_code == 200


def test_the_observers_page_records_and_gives_the_text(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator, starts_at=timezone.now() + timedelta(hours=48))
    client = client_for(coordinator)

    shown = client.get(page(action, "legal-observers/")).content.decode()
    assert "Lawyers&#x27; guilds ask for at least 72 hours: request them now." in shown
    assert "Organisation: Street Medics Committee" in shown

    values = {"requested_from": "Fictional Guild", "requested_on": "", "point_person": str(coordinator.uuid)}
    refused = client.post(page(action, "legal-observers/"), values)
    assert refused.status_code == 400
    assert "Say when you asked." in refused.content.decode()
    values["requested_on"] = timezone.localdate().isoformat()
    values["confirmed"] = "on"
    assert client.post(page(action, "legal-observers/"), values).status_code == 302
    assert Action.objects.get(pk=action.pk).observers_state == ObserversState.CONFIRMED


def test_the_debrief_pages(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    action = make_action(medics, coordinator, starts_at=timezone.now() - timedelta(hours=5))
    client = client_for(coordinator)
    values = {"medic_encounters": "3", "other_spent": "12.50", "lessons": "Bring more water."}

    assert client.post(page(action, "debrief/edit/"), values).status_code == 302
    do_update_step(
        step(action, StepKind.MEDICS), StepChanges(lesson="Spare gloves.", fields=frozenset({"lesson"})), by=coordinator
    )

    report = client_for(medic).get(page(action, "debrief/")).content.decode()
    assert "3 encounters" in report
    assert "$12.50" in report
    assert "Bring more water." not in report  # the lessons: for the organisers
    assert "Copy the lessons" not in report
    shown = client.get(page(action, "debrief/")).content.decode()
    assert "Bring more water." in shown
    assert "Copy the lessons into the template" in shown
    medics_step = step(action, StepKind.MEDICS)
    assert client.post(page(action, "lessons/copy/"), {"steps": [str(medics_step.uuid)]}).status_code == 302
    assert TemplateStep.objects.get(kind=StepKind.MEDICS).help_en.endswith("Spare gloves.")


def test_the_template_pages(coordinator: User) -> None:
    client = client_for(coordinator)
    assert "Publish the public page" in client.get("/en/actions/checklist-template/").content.decode()
    answer = client.post("/en/actions/checklist-template/new/", {"kind": "manual", "title_en": "Book the sound system"})
    assert answer.status_code == 302
    added = TemplateStep.objects.get(title_en="Book the sound system")
    refused = client.post(f"/en/actions/checklist-template/{added.uuid}/", {"kind": "manual", "title_en": ""})
    assert refused.status_code == 400
    client.post(f"/en/actions/checklist-template/{added.uuid}/move/", {"position": "0"})
    assert template_steps()[0] == added
    assert client.post(f"/en/actions/checklist-template/{added.uuid}/remove/").status_code == 302
    assert not TemplateStep.objects.filter(pk=added.pk).exists()


def test_the_checklist_page_costs_the_same_whatever_it_holds(
    medics: WorkingGroup,
    coordinator: User,
    funds: WorkingGroup,
    treasurer: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    action = make_action(medics, coordinator)
    medics_sign_up(action, 2)
    pack_kits(medics, coordinator, 1, expires_on=timezone.localdate() + timedelta(days=90))
    fund = make_fund(funds, treasurer, "Medical and Legal", kind=FundKind.MEDICAL_LEGAL)
    give(fund, 5_000, by=treasurer)
    client = client_for(coordinator)
    client.get(page(action))  # the session's first reads
    with django_assert_max_num_queries(QUERIES) as counted:
        client.get(page(action))

    medics_sign_up(action, 4)
    template = do_save_kit_template(
        medics, {make_item(medics, coordinator, "TAPE"): 1}, by=coordinator, name_en="Medic"
    )
    depot = make_location(medics, coordinator, "Second depot")
    receive(depot, template.lines.get().item, 5, coordinator)
    do_pack_kit(template, depot, by=coordinator)
    give(make_fund(funds, treasurer, "Second Medical", kind=FundKind.MEDICAL_LEGAL), 1_000, by=treasurer)
    for each in ChecklistStep.objects.filter(action=action):
        do_update_step(each, StepChanges(owner=coordinator, fields=frozenset({"owner"})), by=coordinator)
    do_tick_step(step(action, StepKind.FLYERS), by=coordinator)
    with translation.override("en"), django_assert_num_queries(len(counted.captured_queries)):
        client.get(page(action))


QUERIES = 16
