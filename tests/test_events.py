"""Actions: making one with its checklist from the template, publishing its public page, who reaches it.

Places, numbers and people are fictional (555-01xx)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.events.access import access_action, access_public_action
from solidarity.events.models import ActionState, StepKind, TemplateStep
from solidarity.events.services import (
    DEFAULT_TEMPLATE,
    ActionValues,
    do_cancel_action,
    do_publish_action,
    do_update_action,
)
from tests.factories.events import make_action

pytestmark = pytest.mark.django_db


def test_new_action_gets_the_seed_checklist(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)

    kinds = list(action.steps.values_list("kind", flat=True))
    assert kinds == [kind for kind, *_texts in DEFAULT_TEMPLATE]
    assert StepKind.OBSERVERS in kinds
    assert action.hotline == "+19195550177"
    assert action.state == ActionState.DRAFT
    entry = AuditEntry.objects.filter(object_type="events.action").latest("seq")
    assert entry.role == Role.COORDINATOR
    assert "Counter" not in str(entry.detail)


def test_checklist_follows_the_networks_own_template(medics: WorkingGroup, coordinator: User) -> None:
    make_action(medics, coordinator)
    TemplateStep.objects.filter(kind=StepKind.FLYERS).delete()
    TemplateStep.objects.create(title_en="Book the sound system", position=99)

    action = make_action(medics, coordinator)

    titles = [step.title_en for step in action.steps.all()]
    assert "Print and post flyers" not in titles
    assert titles[-1] == "Book the sound system"


def test_an_action_needs_a_title_a_place_and_an_order(medics: WorkingGroup, coordinator: User) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        make_action(medics, coordinator, title_en="", title_es="", gathering_place=" ", ends_at=now, starts_at=now)
    assert set(refused.value.message_dict) == {"title_en", "gathering_place", "ends_at"}
    with pytest.raises(ValidationError) as refused:
        make_action(medics, coordinator, hotline="not a number", donate_url="http://example.org/give")
    assert set(refused.value.message_dict) == {"hotline", "donate_url"}


def test_public_page_exists_only_once_published(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    with pytest.raises(Http404):
        access_public_action(action.code)

    assert do_publish_action(action, by=coordinator)
    assert not do_publish_action(action, by=coordinator)

    assert access_public_action(action.code.lower()) == action
    do_cancel_action(action, by=coordinator)
    assert access_public_action(action.code).state == ActionState.CANCELLED


def test_outsider_cannot_reach_the_organisers_action(
    medics: WorkingGroup, coordinator: User, medic: User, outsider: User
) -> None:
    action = make_action(medics, coordinator)

    assert access_action(medic, action.code) == action
    with pytest.raises(Http404):
        access_action(medic, action.code, Role.COORDINATOR)
    with pytest.raises(Http404):
        access_action(outsider, action.code)


def test_a_cancelled_action_cannot_be_changed(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    later = action.starts_at + timedelta(hours=1)
    values = ActionValues(
        title_en=action.title_en,
        starts_at=later,
        ends_at=later + timedelta(hours=2),
        gathering_place=action.gathering_place,
    )
    assert "starts_at" in do_update_action(action, values, by=coordinator)

    do_cancel_action(action, by=coordinator)
    with pytest.raises(ValidationError):
        do_update_action(action, values, by=coordinator)
