"""The organisers' pages of actions: a group's actions, a new one, the action's page with its buttons (publish, take
down, cancel, mark over), the form that changes it, and the end's timer that makes an action over.

Places, numbers and people are fictional (555-01xx)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.timers import find_timer, run_once
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.events.models import Action, ActionState
from solidarity.events.retention import do_forget_old_actions
from solidarity.events.services import (
    OVER_TIMER,
    ActionValues,
    do_cancel_action,
    do_finish_action,
    do_update_action,
)
from tests.factories.accounts import client_for
from tests.factories.events import make_action, published_action

pytestmark = pytest.mark.django_db


def form_values(**more: str) -> dict[str, str]:
    values = {
        "title_en": "Vigil at the Example Processing Center",
        "title_es": "Vigilia en el Centro de Procesamiento Ejemplo",
        "description_en": "Candles and songs for the people held inside.",
        "description_es": "Velas y canciones por las personas detenidas adentro.",
        "starts_at": "2030-05-04T18:00",
        "ends_at": "2030-05-04T20:00",
        "gathering_place": "Example Park, by the fountain",
        "contact": "vigil@example.org",
        "hotline": "(919) 555-0178",
        "expected_size": "80",
    }
    return values | more


def test_members_see_the_groups_actions_and_coordinators_make_one(
    medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    make_action(medics, coordinator)
    listed = client_for(medic).get(f"/en/groups/{medics.slug}/actions/")
    assert listed.status_code == 200
    assert "Counter-demonstration at the plaza" in listed.content.decode()
    assert "New action" not in listed.content.decode()
    assert client_for(medic).get(f"/en/groups/{medics.slug}/actions/new/").status_code == 404

    organiser = client_for(coordinator)
    assert "New action" in organiser.get(f"/en/groups/{medics.slug}/actions/").content.decode()
    zone = do_create_zone(ZoneValues(name_en="Walltown", name_es="Walltown"), actor="cli")
    answer = organiser.post(f"/en/groups/{medics.slug}/actions/new/", form_values(zone=zone.slug))

    made = Action.objects.get(title_en="Vigil at the Example Processing Center")
    assert answer.status_code == 302
    assert answer["Location"] == f"/en/actions/{made.code}/"
    assert made.hotline == "+19195550178"
    assert made.zone == zone
    assert made.expected_size == 80
    assert made.state == ActionState.DRAFT
    assert timezone.localtime(made.starts_at).hour == 18  # the network's time zone
    assert find_timer(OVER_TIMER, str(made.uuid)) is not None


def test_the_new_action_form_keeps_what_was_typed_with_its_errors(medics: WorkingGroup, coordinator: User) -> None:
    answer = client_for(coordinator).post(
        f"/es/groups/{medics.slug}/actions/new/",
        form_values(title_en="", title_es="", ends_at="2030-05-04T17:00", hotline="12"),
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Example Park, by the fountain" in page
    assert "Póngale un título a la acción" in page  # the service's refusal, on the form, in Spanish
    assert not Action.objects.exists()


def test_the_organisers_page_and_its_buttons(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    action = make_action(medics, coordinator)
    page = client_for(medic).get(f"/en/actions/{action.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Being prepared" in text
    publish = f'action="/en/actions/{action.code}/publish/"'
    assert publish not in text  # a member sees, only coordinators act
    assert "Publish the public page</strong>: The public page is not published yet." in text  # at a glance
    assert client_for(medic).post(f"/en/actions/{action.code}/publish/").status_code == 404

    organiser = client_for(coordinator)
    assert publish in organiser.get(f"/en/actions/{action.code}/").content.decode()
    assert organiser.post(f"/en/actions/{action.code}/publish/").status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.PUBLISHED
    shown = organiser.get(f"/en/actions/{action.code}/").content.decode()
    assert f"/en/a/{action.code}/" in shown
    assert f"/en/a/{action.code}/flyer.pdf" in shown
    assert f"/en/a/{action.code}/calendar.ics" in shown

    assert organiser.post(f"/en/actions/{action.code}/unpublish/").status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.DRAFT
    assert organiser.post(f"/en/actions/{action.code}/cancel/").status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.CANCELLED
    cancelled = organiser.get(f"/en/actions/{action.code}/").content.decode()
    assert "This action is cancelled." in cancelled
    assert publish not in cancelled
    states = [entry.detail.get("state") for entry in AuditEntry.objects.filter(object_type="events.action")]
    assert states[-3:] == ["published", "draft", "cancelled"]


def test_an_over_action_refuses_changes_on_its_page(medics: WorkingGroup, coordinator: User) -> None:
    action = published_action(medics, coordinator)
    organiser = client_for(coordinator)
    assert organiser.post(f"/en/actions/{action.code}/finish/").status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.DONE

    refused = organiser.post(f"/en/actions/{action.code}/publish/")
    assert refused.status_code == 400
    assert "cancelled or over" in refused.content.decode()
    edited = organiser.post(f"/en/actions/{action.code}/edit/", form_values())
    assert edited.status_code == 400
    action.refresh_from_db()
    assert action.title_en == "Counter-demonstration at the plaza"


def test_the_edit_form_shows_the_texts_side_by_side_and_saves(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    organiser = client_for(coordinator)
    form = organiser.get(f"/en/actions/{action.code}/edit/").content.decode()
    assert form.count('class="pair"') == 4
    assert "Water, a snack, comfortable shoes." in form
    assert 'lang="es"' in form

    answer = organiser.post(f"/en/actions/{action.code}/edit/", form_values(title_es=""))
    assert answer.status_code == 302
    action.refresh_from_db()
    assert action.title_en == "Vigil at the Example Processing Center"
    assert action.title_es == ""
    assert action.gathering_place == "Example Park, by the fountain"


def test_outsiders_and_other_groups_find_nothing(
    medics: WorkingGroup, coordinator: User, outsider: User, other_coordinator: User
) -> None:
    action = published_action(medics, coordinator)
    for user in (outsider, other_coordinator):
        client = client_for(user)
        assert client.get(f"/en/groups/{medics.slug}/actions/").status_code == 404
        assert client.get(f"/en/actions/{action.code}/").status_code == 404
        assert client.get(f"/en/actions/{action.code}/edit/").status_code == 404
        assert client.post(f"/en/actions/{action.code}/cancel/").status_code == 404
    anonymous = Client().get(f"/en/actions/{action.code}/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    action.refresh_from_db()
    assert action.state == ActionState.PUBLISHED


def test_the_end_makes_the_action_over(medics: WorkingGroup, coordinator: User) -> None:
    action = published_action(medics, coordinator)
    with time_machine.travel(action.ends_at - timedelta(minutes=1), tick=False):
        assert run_once() == 0
    # Moved an hour later: the end's timer moves with it.
    later = ActionValues(
        **{
            name: getattr(action, name)
            for name in ActionValues.__dataclass_fields__
            if name not in ("ends_at", "zone", "hotline")
        },
        ends_at=action.ends_at + timedelta(hours=1),
        hotline=action.hotline,
    )
    do_update_action(action, later, by=coordinator)
    with time_machine.travel(action.ends_at - timedelta(minutes=30), tick=False):
        assert run_once() == 0
        action.refresh_from_db()
        assert action.state == ActionState.PUBLISHED
    with time_machine.travel(action.ends_at + timedelta(seconds=5), tick=False):
        assert run_once() == 1
    action.refresh_from_db()
    assert action.state == ActionState.DONE


def test_a_cancelled_action_stays_cancelled_at_its_end(medics: WorkingGroup, coordinator: User) -> None:
    action = published_action(medics, coordinator)
    do_cancel_action(action, by=coordinator)
    assert find_timer(OVER_TIMER, str(action.uuid)) is None
    with time_machine.travel(action.ends_at + timedelta(minutes=1), tick=False):
        run_once()
    action.refresh_from_db()
    assert action.state == ActionState.CANCELLED


def test_a_year_after_an_action_its_lessons_and_contact_go(medics: WorkingGroup, coordinator: User) -> None:
    action = published_action(medics, coordinator)
    recent = published_action(medics, coordinator)
    for each in (action, recent):
        each.lessons = "Bring more water; the east gate was a bottleneck."
        each.save(update_fields=["lessons"])
        do_finish_action(each, by=coordinator)
    Action.objects.filter(pk=action.pk).update(
        starts_at=action.starts_at - timedelta(days=400), ends_at=action.ends_at - timedelta(days=400)
    )

    assert do_forget_old_actions() == 1
    assert do_forget_old_actions() == 0
    action.refresh_from_db()
    recent.refresh_from_db()
    assert (action.lessons, action.contact) == ("", "")
    assert action.title_en == "Counter-demonstration at the plaza"  # the action itself stays
    assert recent.lessons.startswith("Bring more water")
    assert recent.contact == "actions@example.org"
    entry = AuditEntry.objects.filter(action="purged", object_type="events.action").get()
    assert entry.detail == {"fields": ["lessons", "contact"], "count": 1}
