"""The demo's action: the seed's counter-demonstration, published, five days ahead, bilingual, with a contact at
example.org and a jail-support number in 555-01xx; loaded once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from solidarity.accounts import demo as accounts_demo
from solidarity.core import demo as core_demo
from solidarity.events import demo as events_demo
from solidarity.events.models import ActionState, Role
from solidarity.messaging.models import Message
from solidarity.people import demo as people_demo

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def test_the_demo_counter_demonstration_is_published_five_days_ahead() -> None:
    at = datetime(2027, 3, 15, 9, 0, tzinfo=NEW_YORK)
    with time_machine.travel(at, tick=False):
        core_demo.load()
        core_demo.load_zones()
        assert events_demo.load() == 0  # no Actions group yet: nothing, and no error
        accounts_demo.load()
        assert events_demo.load() == 1
        assert events_demo.load() == 0
        action = events_demo.counter_demonstration()
        assert action is not None

        assert action.group.slug == "actions"
        assert action.state == ActionState.PUBLISHED
        assert action.title_en == "Counter-demonstration at Fictional Plaza"
        assert action.title_es == "Contramanifestación en la Plaza Ficticia"
        assert action.starts_at == datetime(2027, 3, 20, 14, 0, tzinfo=NEW_YORK)
        assert action.ends_at - action.starts_at == timedelta(hours=3)
        assert all([action.description_es, action.bring_es, action.rights_es, action.rights_en])
        assert action.contact.endswith("@example.org")
        assert action.hotline.startswith("+191955501")
        assert action.expected_size == 300
        assert action.zone is not None
        assert action.steps.count() == 7

        page = Client().get(f"/es/a/{action.code}/").content.decode()
        assert "Contramanifestación en la Plaza Ficticia" in page
        assert "sábado 20 de marzo de 2027, de 14:00 a 17:00" in page
        english = Client().get(f"/en/a/{action.code}/").content.decode()
        assert "Saturday, March 20, 2027, from 2 p.m. to 5 p.m." in english


def test_the_demo_action_has_its_slots_sign_ups_and_update_list() -> None:
    core_demo.load()
    core_demo.load_zones()
    accounts_demo.load()
    people_demo.load()
    outbox_before = Message.objects.count()

    assert events_demo.load() == 1
    action = events_demo.counter_demonstration()
    assert action is not None

    taken = {slot.role: slot.sign_ups.count() for slot in action.slots.all()}
    assert taken[Role.MEDIC] == 3  # one pair and a medic alone, who needs a partner
    assert taken[Role.JAIL_SUPPORT] == 2
    assert set(taken) == {role for role, *_rest in events_demo.SLOTS}
    assert action.updates_list is not None
    assert action.updates_list.subscriptions.count() >= sum(taken.values())
    assert Message.objects.count() == outbox_before  # the demo's sign-ups are quiet
