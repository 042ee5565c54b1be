"""What call-in campaigns keep only for a while goes on schedule: a number calling by text a day after its last text,
the people an invitation reached once the calls end, a campaign a year after it ended or closed."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns.calling import do_report_outcome, next_call
from solidarity.campaigns.invite import chosen, do_invite
from solidarity.campaigns.invite_models import Invitation, Invitee, InviteHow
from solidarity.campaigns.models import Call, Campaign, Line, SmsCaller, Target
from solidarity.campaigns.services import do_close_campaign
from solidarity.core import retention
from solidarity.core.fields import find_by_index
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from tests.factories.accounts import make_member
from tests.factories.campaigns import live_campaign
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(medics: WorkingGroup, coordinator: User) -> Campaign:
    return live_campaign(medics, coordinator, make_member("co.second", medics, Role.COORDINATOR), days=7)


def texting(campaign: Campaign, phone: str) -> SmsCaller:
    """A number calling by text, kept as the SMS handler keeps one: the call it was given, the offices called."""
    call = next_call(campaign, via="sms", language="es")
    assert isinstance(call, Call)
    return SmsCaller.objects.create(
        campaign=campaign,
        phone=phone,
        language="es",
        call=call,
        called_targets=[call.target_id],
        last_seen_at=timezone.now(),
    )


def purged(rule: str, days: float) -> int:
    with time_machine.travel(timezone.now() + timedelta(days=days)):
        return {done.rule: done.count for done in retention.purge()}[rule]


def test_a_number_calling_by_text_goes_a_day_after_its_last_text(campaign: Campaign) -> None:
    texting(campaign, "+19195550151")
    assert purged("campaigns.sms-callers", 0.9) == 0
    assert purged("campaigns.sms-callers", 1.1) == 1
    assert find_by_index(SmsCaller.objects.all(), "phone_index", "+19195550151") == []
    entry = AuditEntry.objects.filter(action="purged", detail__rule="campaigns.sms-callers").get()
    assert entry.detail == {"rule": "campaigns.sms-callers", "count": 1}


def test_the_people_an_invitation_reached_go_once_the_calls_end(campaign: Campaign, coordinator: User) -> None:
    make_person("Sam Placeholder", skills=("verifier",), phones=("919-555-0122",))
    invitation = do_invite(campaign, chosen(campaign, InviteHow.PEOPLE, [], ["verifier"], []), by=coordinator)
    assert Invitee.objects.count() == 1
    ends = (campaign.ends_at - timezone.now()).total_seconds() / 86400
    assert purged("campaigns.invitees", ends - 0.1) == 0
    assert purged("campaigns.invitees", ends + 0.1) == 1
    assert Invitation.objects.filter(pk=invitation.pk, reached=1).exists()  # the count stays; who it was goes


def test_a_campaign_goes_a_year_after_it_ended_or_closed(
    campaign: Campaign, medics: WorkingGroup, coordinator: User
) -> None:
    call = next_call(campaign, via="web", language="en")
    assert isinstance(call, Call)
    do_report_outcome(call, 1, credited_to=coordinator)
    closed = do_close_campaign(campaign, "won", "Home on bond.", "", by=coordinator)
    still = live_campaign(medics, coordinator, make_member("co.third", medics, Role.COORDINATOR), days=400)

    assert purged("campaigns.old", 364) == 0
    assert purged("campaigns.old", 366) == 1
    assert list(Campaign.objects.all()) == [still]
    assert not Call.objects.filter(campaign_id=closed.pk).exists()
    assert not Target.objects.filter(campaign_id=closed.pk).exists()
    assert Line.objects.filter(target__campaign=still).exists()
