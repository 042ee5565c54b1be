"""The demo's call-in campaign: five offices (one left for a second organiser to check), live, calls with their
outcomes and a full voicemail, a name recorded whose consent is not complete; loaded once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from solidarity.accounts import demo as accounts_demo
from solidarity.accounts.models import User
from solidarity.campaigns import demo as campaigns_demo
from solidarity.campaigns.calling import NoneOpen, is_resting, line_status, next_call
from solidarity.campaigns.models import Call, Campaign, Outcome, State
from solidarity.campaigns.scripts import filled
from solidarity.campaigns.services import do_check_target
from solidarity.campaigns.tallies import tally_of
from tests.factories.people import holds_a_number

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
MONDAY_EARLY = datetime(2027, 3, 15, 7, 0, tzinfo=NEW_YORK)  # after a weekend, before any office opens
WEDNESDAY_AFTERNOON = datetime(2027, 3, 17, 14, 0, tzinfo=NEW_YORK)


def loaded() -> Campaign:
    accounts_demo.load()
    assert campaigns_demo.load() == 1
    assert campaigns_demo.load() == 0
    return Campaign.objects.get(title_en=campaigns_demo.TITLE_EN)


@pytest.mark.parametrize("at", [MONDAY_EARLY, WEDNESDAY_AFTERNOON])
def test_the_demo_campaign_is_live_with_calls_and_a_full_voicemail(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        campaign = loaded()
        tally = tally_of(campaign)

        assert campaign.state == State.LIVE
        assert campaign.group.slug == "call-ins"
        names = [each.target.name_en for each in tally.targets]
        assert names == [
            "Department of Homeland Security (demo)",
            "ICE Field Office, Gulf Example (demo)",
            "Rep. Example, Washington office (demo)",
            "Gulf Example Processing Center (demo)",
            "Rep. Example, district office (demo)",
        ]
        assert [each.target.is_checked for each in tally.targets] == [True, True, True, True, False]
        assert {each.target.time_zone for each in tally.targets} == {"America/New_York", "America/Chicago"}
        assert [each.total for each in tally.targets] == [14, 12, 10, 6, 0]
        assert tally.reached > 0
        assert Call.objects.filter(campaign=campaign, via="sms").exists()
        assert all(campaign.starts_at <= call.offered_at < at for call in Call.objects.filter(campaign=campaign))

        ice = tally.targets[1].lines[0]
        assert (ice.streak_outcome, ice.streak_count) == (Outcome.BUSY, 6)
        assert "busy or voicemail full for the last 6 calls" in line_status(ice, at)
        assert all(holds_a_number(line.phone) for each in tally.targets for line in each.lines)


def test_the_demo_names_the_person_only_once_the_lawyer_consents() -> None:
    campaign = loaded()
    assert campaign.subject_name == campaigns_demo.SUBJECT_NAME
    assert campaign.consent_at is not None
    assert campaign.lawyer_consent_at is None
    assert not campaign.is_named
    script = campaign.targets.order_by("position").first()
    assert script is not None
    assert "a member of our community" in filled(script.script_en, campaign, "en")
    assert campaigns_demo.SUBJECT_NAME not in filled(script.script_en, campaign, "en")


def test_the_district_office_waits_for_a_second_organisers_check() -> None:
    campaign = loaded()
    district = campaign.targets.get(name_en="Rep. Example, district office (demo)")
    with pytest.raises(ValidationError):
        do_check_target(district, by=User.objects.get(username="rosa.ejemplo"))  # she set it up
    assert do_check_target(district, by=User.objects.get(username="sam.placeholder")).is_checked


def test_the_demo_gives_a_caller_an_open_office_away_from_the_full_voicemail() -> None:
    with time_machine.travel(WEDNESDAY_AFTERNOON, tick=False):
        campaign = loaded()
        call = next_call(campaign, via="web", language="es")
    assert not isinstance(call, NoneOpen)
    assert call.target.name_en != "ICE Field Office, Gulf Example (demo)"  # its voicemail is full: it rests
    ice = campaign.targets.get(name_en="ICE Field Office, Gulf Example (demo)").lines.get()
    assert is_resting(ice, WEDNESDAY_AFTERNOON)


def test_the_admin_organises_the_demo_campaign(admin: User) -> None:
    call_command("demo")
    call_command("demo")
    assert Campaign.objects.count() == 1
    campaign = Campaign.objects.get()
    district = campaign.targets.get(name_en="Rep. Example, district office (demo)")
    assert do_check_target(district, by=admin).is_checked  # the admin coordinates the Call-ins group
