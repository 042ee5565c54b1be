"""Actions for tests: the seed's counter-demonstration (fictional place and numbers), made through the part's
real services."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.events.models import Action
from solidarity.events.services import ActionValues, do_create_action, do_publish_action


def make_action(
    group: WorkingGroup, by: User | None, *, starts_at: datetime | None = None, hours: int = 3, **values: Any
) -> Action:
    starts_at = starts_at or timezone.now() + timedelta(days=5)
    defaults: dict[str, Any] = {
        "title_en": "Counter-demonstration at the plaza",
        "title_es": "Contramanifestación en la plaza",
        "description_en": "We answer hate with a crowd. Peaceful, family friendly.",
        "description_es": "Respondemos al odio con una multitud. Pacífica y para toda la familia.",
        "bring_en": "Water, a snack, comfortable shoes.",
        "bring_es": "Agua, algo de comer, zapatos cómodos.",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "gathering_place": "Fictional Plaza, north steps",
        "contact": "actions@example.org",
        "hotline": "(919) 555-0177",
        "expected_size": 300,
    }
    return do_create_action(group, ActionValues(**(defaults | values)), by=by)


def published_action(group: WorkingGroup, by: User | None, **values: Any) -> Action:
    action = make_action(group, by, **values)
    do_publish_action(action, by=by)
    return action
