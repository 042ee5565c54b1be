"""Call-in campaigns for tests: the seed's campaign (fictional offices and 555-01xx numbers), made through the
part's real services, and the second organiser's check."""

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns.models import Campaign, Target, TargetKind, Visibility
from solidarity.campaigns.services import (
    CampaignValues,
    LineValues,
    TargetValues,
    do_add_target,
    do_check_target,
    do_create_campaign,
    do_go_live,
)

SCRIPT_EN = "Hi, I am calling from {place} about {person} {ids}. Please release them on bond today. Thank you."
SCRIPT_ES = "Hola, llamo desde {lugar} por {persona} {identificadores}. Por favor, libérenlo bajo fianza hoy. Gracias."

# The seed's offices: an agency, an ICE field office, and a congressman's two offices (their own tallies).
SEED_TARGETS: list[dict[str, Any]] = [
    {"name_en": "Department of Homeland Security", "kind": TargetKind.AGENCY, "phone": "(202) 555-0140"},
    {"name_en": "ICE Field Office (fictional)", "kind": TargetKind.FIELD_OFFICE, "phone": "(919) 555-0141"},
    {"name_en": "Rep. Example, Washington office", "kind": TargetKind.LEGISLATOR, "phone": "(202) 555-0142"},
    {"name_en": "Rep. Example, district office", "kind": TargetKind.LEGISLATOR, "phone": "(919) 555-0143"},
]


def make_campaign(
    group: WorkingGroup,
    by: User | None,
    *,
    starts_at: datetime | None = None,
    days: int = 7,
    visibility: str = Visibility.PUBLIC,
    **values: Any,
) -> Campaign:
    starts_at = starts_at or timezone.now() - timedelta(hours=1)
    defaults: dict[str, Any] = {
        "title_en": "Free our neighbour",
        "title_es": "Liberen a nuestro vecino",
        "goal_en": "Release on bond.",
        "intro_en": "A member of our community is detained. Calls work when many call at once.",
        "intro_es": "Un miembro de nuestra comunidad está detenido. Las llamadas funcionan cuando llamamos muchos.",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(days=days),
        "visibility": visibility,
    }
    return do_create_campaign(group, CampaignValues(**(defaults | values)), by=by)


def target_values(name_en: str, phone: str, **values: Any) -> TargetValues:
    defaults: dict[str, Any] = {
        "name_en": name_en,
        "name_es": "",
        "kind": TargetKind.OTHER,
        "script_en": SCRIPT_EN,
        "script_es": SCRIPT_ES,
        "time_zone": "America/New_York",
        "is_always_open": True,
        "lines": [LineValues(phone)],
    }
    return TargetValues(**(defaults | values))


def add_target(campaign: Campaign, by: User | None, name_en: str, phone: str, **values: Any) -> Target:
    return do_add_target(campaign, target_values(name_en, phone, **values), by=by)


def seed_targets(campaign: Campaign, by: User | None, **values: Any) -> list[Target]:
    return [
        add_target(campaign, by, seed["name_en"], seed["phone"], kind=seed["kind"], **values) for seed in SEED_TARGETS
    ]


def live_campaign(group: WorkingGroup, by: User, checker: User, **values: Any) -> Campaign:
    """The seed's campaign, its offices checked by `checker` and live (offices open at any hour by default)."""
    hours: dict[str, Any] = {}
    for name in ("is_always_open", "weekdays", "opens_at", "closes_at"):
        if name in values:
            hours[name] = values.pop(name)
    campaign = make_campaign(group, by, **values)
    for target in seed_targets(campaign, by, **hours):
        do_check_target(target, by=checker)
    return do_go_live(campaign, by=by)


OFFICE_HOURS: dict[str, Any] = {
    "is_always_open": False,
    "weekdays": "12345",
    "opens_at": time(9),
    "closes_at": time(17),
}
