"""The campaigns' objects for the URL walk and the API fuzz (core.permissions.WALK_FILLERS): a live campaign of
the walk's group, one office checked by a second organiser, and what each URL keyword of the campaigns' names.

The fuzz run changes them as an organiser would (a window that ended, office hours, a number reported wrong):
each filler puts back what it needs, so that a caller is always given an office."""

from datetime import datetime, timedelta

from django.utils import timezone

from solidarity.accounts.groups import do_add_member
from solidarity.accounts.models import Membership, User
from solidarity.campaigns.calling import is_given, next_call
from solidarity.campaigns.models import Call, Campaign, Line, State, Target, Visibility
from solidarity.campaigns.services import (
    PUBLIC_TEXTS,
    TARGET_FIELDS,
    CampaignValues,
    LineValues,
    TargetValues,
    do_add_target,
    do_check_target,
    do_confirm_line,
    do_create_campaign,
    do_go_live,
    do_update_campaign,
    do_update_target,
)
from solidarity.core.permissions import WALK_FILLERS, Role, WalkWorld

WALK_ORGANISER = "walk.organiser"


def a_second_organiser(world: WalkWorld) -> User:
    found = User.objects.filter(username=WALK_ORGANISER).first()
    if found is None:
        found = User(username=WALK_ORGANISER, email=f"{WALK_ORGANISER}@example.org")
        found.set_unusable_password()
        found.save()
    if not Membership.objects.filter(group=world.group, user=found).exists():
        do_add_member(world.group, found, [Role.COORDINATOR])
    return found


def a_target(campaign: Campaign, world: WalkWorld) -> Target:
    """The campaign's first office, checked (made, or checked again, once an endpoint changed it away)."""
    found = campaign.targets.order_by("position", "pk").first()
    if found is None:
        values = TargetValues(
            name_en="Walk Field Office",
            script_en="Please release {person} today.",
            time_zone="America/New_York",
            is_always_open=True,
            lines=[LineValues("+12025550150")],
        )
        found = do_add_target(campaign, values, by=world.owner)
    if not found.is_always_open:
        kept = [LineValues(line.phone, line.label) for line in found.lines.all()]
        names = (*TARGET_FIELDS, "opens_at", "closes_at")
        values = TargetValues(**{name: getattr(found, name) for name in names}, is_always_open=True, lines=kept)
        found = do_update_target(found, values, by=world.owner)
    for line in found.lines.all():
        if not is_given(line):
            do_confirm_line(line, by=world.owner)
    if not found.is_checked:
        checker = world.owner if world.owner.pk not in found.editors else a_second_organiser(world)
        found = do_check_target(found, by=checker)
    return found


def window_from_now(campaign: Campaign, now: datetime) -> CampaignValues:
    """The campaign's values, its calls from an hour ago to a week ahead."""
    texts = {name: getattr(campaign, name) for name in PUBLIC_TEXTS}
    return CampaignValues(
        **texts,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
        visibility=campaign.visibility,
        has_public_counter=campaign.has_public_counter,
    )


def a_campaign(world: WalkWorld) -> Campaign:
    """The group's live campaign (made, or put live again, once an endpoint paused or closed it)."""
    found = (
        Campaign.objects.filter(group=world.group).exclude(state=State.CLOSED).select_related("group").order_by("pk")
    ).first()
    if found is None:
        now = timezone.now()
        values = CampaignValues(
            title_en="Walk call-in",
            intro_en="A member of our community is detained.",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=7),
            visibility=Visibility.PUBLIC,
        )
        found = do_create_campaign(world.group, values, by=world.owner)
    now = timezone.now()
    if not found.starts_at <= now < found.ends_at:
        found = do_update_campaign(found, window_from_now(found, now), by=world.owner)
    a_target(found, world)
    if found.state == State.DRAFT:
        found = do_go_live(found, by=world.owner)
    return found


def a_line(world: WalkWorld) -> Line:
    found = a_target(a_campaign(world), world).lines.order_by("position").first()
    if found is None:
        raise RuntimeError("the walk's office has no number")
    return found


def a_call(world: WalkWorld) -> Call:
    """A call given to a caller of the walk's campaign, its outcome not yet reported."""
    campaign = a_campaign(world)
    found = Call.objects.filter(campaign=campaign, outcome__isnull=True).order_by("pk").first()
    if found is None:
        given = next_call(campaign, via="web", language="en")
        if not isinstance(given, Call):
            raise RuntimeError("the walk's campaign has no office open")
        found = given
    return found


def register() -> None:
    WALK_FILLERS.register("campaign", lambda world: a_campaign(world).code)
    WALK_FILLERS.register("target", lambda world: str(a_target(a_campaign(world), world).uuid))
    WALK_FILLERS.register("line", lambda world: str(a_line(world).uuid))
    WALK_FILLERS.register("call", lambda world: str(a_call(world).uuid))
