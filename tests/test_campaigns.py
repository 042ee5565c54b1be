"""Call-in campaigns: setting up, the second organiser's check, consent, the rotation and the shared line status.

Offices, numbers and people are fictional (555-01xx)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns.calling import NoneOpen, do_report_outcome, line_status, next_call
from solidarity.campaigns.models import Call, Campaign, ConsentFrom, Outcome, Result, State
from solidarity.campaigns.scripts import filled, seconds_to_read
from solidarity.campaigns.services import (
    LineValues,
    do_check_target,
    do_close_campaign,
    do_go_live,
    do_record_consent,
    do_set_subject,
    do_update_target,
)
from solidarity.campaigns.tallies import tally_of
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from tests.factories.accounts import make_member
from tests.factories.campaigns import (
    OFFICE_HOURS,
    SCRIPT_EN,
    live_campaign,
    make_campaign,
    seed_targets,
    target_values,
)
from tests.factories.people import holds_a_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(medics: WorkingGroup) -> User:
    """A second organiser of the medics' campaigns."""
    return make_member("co.second", medics, Role.COORDINATOR)


def given(campaign: Campaign, count: int, outcome: int | None = None, called: tuple[int, ...] = ()) -> list[Call]:
    calls = []
    for _n in range(count):
        call = next_call(campaign, via="web", language="en", called=called)
        assert isinstance(call, Call)
        if outcome is not None:
            do_report_outcome(call, outcome)
        calls.append(call)
    return calls


def test_a_campaign_goes_live_only_once_a_second_organiser_checked_its_offices(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = make_campaign(medics, coordinator)
    targets = seed_targets(campaign, coordinator)

    with pytest.raises(ValidationError) as unchecked:
        do_go_live(campaign, by=coordinator)
    assert unchecked.value.code == "unchecked"
    with pytest.raises(ValidationError) as own:
        do_check_target(targets[0], by=coordinator)
    assert own.value.code == "own_change"

    do_check_target(targets[0], by=second)
    campaign = do_go_live(campaign, by=coordinator)
    assert campaign.state == State.LIVE
    call = next_call(campaign, via="web", language="en")
    assert isinstance(call, Call)
    assert call.target == targets[0]  # the only checked office
    assert str(call.line) == "+12025550140"


def test_a_change_to_a_number_unchecks_the_office_and_its_editor_cannot_check_it(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    target = campaign.targets.order_by("position").first()
    assert target is not None

    values = target_values(target.name_en, "(202) 555-0199", kind=target.kind)
    do_update_target(target, values, by=second)
    target.refresh_from_db()

    assert not target.is_checked
    assert target.editors == [second.pk]
    assert all(call.target != target for call in given(campaign, 6))  # never given unchecked
    with pytest.raises(ValidationError):
        do_check_target(target, by=second)
    do_check_target(target, by=coordinator)  # made it, but did not make this change
    target.refresh_from_db()
    assert target.is_checked
    assert [line.phone for line in target.lines.all()] == ["+12025550199"]


def test_calls_spread_over_the_offices_and_skip_the_ones_a_caller_already_called(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)

    first_four = given(campaign, 4)
    assert len({call.target_id for call in first_four}) == 4  # four callers at once: four offices

    called = (first_four[0].target_id,)
    call = next_call(campaign, via="sms", language="es", called=called)
    assert isinstance(call, Call)
    assert call.target_id != first_four[0].target_id


def test_a_full_voicemail_steers_the_next_callers_elsewhere_until_it_has_rested(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    dhs = campaign.targets.order_by("position")[0]
    first = next_call(campaign, via="web", language="en")
    assert isinstance(first, Call)
    assert first.target == dhs
    for call in given(campaign, 3):
        do_report_outcome(call, Outcome.REACHED)  # the other three offices answer: they now have more calls

    do_report_outcome(first, Outcome.BUSY)

    line = dhs.lines.get()
    assert line_status(line).startswith("busy or voicemail full since")
    assert all(call.target != dhs for call in given(campaign, 6, Outcome.REACHED))
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert any(call.target == dhs for call in given(campaign, 2))


def test_an_outcome_counts_once(medics: WorkingGroup, coordinator: User, second: User) -> None:
    campaign = live_campaign(medics, coordinator, second)
    [call] = given(campaign, 1)

    assert do_report_outcome(call, Outcome.VOICEMAIL)
    assert not do_report_outcome(call, Outcome.REACHED)
    call.refresh_from_db()
    assert call.outcome == Outcome.VOICEMAIL
    with pytest.raises(ValidationError):
        do_report_outcome(given(campaign, 1)[0], 9)


def test_a_closed_office_is_not_given_and_the_caller_hears_when_the_next_opens(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    saturday = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York, a Saturday
    with time_machine.travel(saturday, tick=False):
        campaign = live_campaign(medics, coordinator, second, **OFFICE_HOURS)
        answer = next_call(campaign, via="web", language="en")
    assert isinstance(answer, NoneOpen)
    assert answer.opens_at == datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # Monday, 9:00 in New York
    with time_machine.travel(answer.opens_at, tick=False):
        assert isinstance(next_call(campaign, via="web", language="en"), Call)


def test_the_script_says_a_member_of_our_community_until_both_consents_are_recorded(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    do_set_subject(campaign, "Nadie Ejemplo", "A-number 000-000-000", by=coordinator)
    campaign.refresh_from_db()

    assert filled(SCRIPT_EN, campaign, "en") == (
        "Hi, I am calling from [your city] about a member of our community. Please release them on bond today. "
        "Thank you."
    )
    do_record_consent(campaign, lawyer=False, consent_from=ConsentFrom.FAMILY, by=coordinator)
    campaign.refresh_from_db()
    assert "Nadie" not in filled(SCRIPT_EN, campaign, "en")  # the lawyer has not said yes yet
    do_record_consent(campaign, lawyer=True, by=second)
    campaign.refresh_from_db()
    assert filled(SCRIPT_EN, campaign, "en", place="Durham") == (
        "Hi, I am calling from Durham about Nadie Ejemplo A-number 000-000-000. Please release them on bond today. "
        "Thank you."
    )
    assert "un miembro de nuestra comunidad" not in filled("{persona}", campaign, "es")


def test_closing_deletes_the_name_and_identifiers_and_records_the_outcome(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    do_set_subject(campaign, "Nadie Ejemplo", "A-number 000-000-000", by=coordinator)
    do_record_consent(campaign, lawyer=False, consent_from=ConsentFrom.PERSON, by=coordinator)
    do_record_consent(campaign, lawyer=True, by=coordinator)

    do_close_campaign(campaign, Result.WON, "Released on bond.", "Salió bajo fianza.", by=second)

    campaign.refresh_from_db()
    assert (campaign.state, campaign.result, str(campaign.subject_name), str(campaign.subject_identifiers)) == (
        State.CLOSED,
        Result.WON,
        "",
        "",
    )
    assert filled("about {person}", campaign, "en") == "about a member of our community"
    assert isinstance(next_call(campaign, via="web", language="en"), NoneOpen)
    for entry in AuditEntry.objects.filter(object_type__startswith="campaigns."):
        assert "Nadie" not in str(entry.detail)
        assert "000-000" not in str(entry.detail)


def test_the_name_is_never_written_out_in_a_text_only_through_its_placeholder(
    medics: WorkingGroup, coordinator: User
) -> None:
    campaign = make_campaign(medics, coordinator)
    do_set_subject(campaign, "Nadie Ejemplo", "", by=coordinator)
    campaign.refresh_from_db()
    values = target_values("DHS", "(202) 555-0140", script_en="Please release Nadie Ejemplo today.")

    with pytest.raises(ValidationError) as refused:
        do_update_target(seed_targets(campaign, coordinator)[0], values, by=coordinator)
    assert "script_en" in refused.value.message_dict


def test_a_script_longer_than_thirty_seconds_or_with_an_unknown_placeholder_is_refused(
    medics: WorkingGroup, coordinator: User
) -> None:
    campaign = make_campaign(medics, coordinator)
    [target] = seed_targets(campaign, coordinator)[:1]
    long = " ".join(["please"] * 90)

    with pytest.raises(ValidationError) as refused:
        do_update_target(target, target_values("DHS", "(202) 555-0140", script_en=long + " {nombre}"), by=coordinator)

    [message] = refused.value.message_dict["script_en"][1:]
    assert message.startswith("This script takes about 37 seconds")
    assert "{nombre}" in refused.value.message_dict["script_en"][0]
    assert seconds_to_read(SCRIPT_EN) <= 30


def test_numbers_are_kept_in_e164_and_a_bad_one_is_refused_with_the_rest_kept(
    medics: WorkingGroup, coordinator: User
) -> None:
    campaign = make_campaign(medics, coordinator)
    [target] = seed_targets(campaign, coordinator)[:1]
    values = target_values("DHS", "", lines=[LineValues("202 555 0140", "main"), LineValues("not a number")])

    with pytest.raises(ValidationError) as refused:
        do_update_target(target, values, by=coordinator)

    assert refused.value.message_dict["lines"] == ["not a number is not a phone number."]
    assert [line.phone for line in target.lines.all()] == ["+12025550140"]
    assert not any(holds_a_number(str(entry.detail)) for entry in AuditEntry.objects.all())


def test_the_tally_counts_reported_calls_by_office_outcome_and_day(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)
    given(campaign, 4, Outcome.REACHED)
    given(campaign, 2, Outcome.VOICEMAIL)
    given(campaign, 3)  # given, never reported: not counted

    tally = tally_of(campaign)

    assert (tally.total, tally.reached, tally.by_outcome[Outcome.VOICEMAIL]) == (6, 4, 2)
    assert sum(each.total for each in tally.targets) == 6
    assert [counts for _day, counts in tally.by_day] == [tally.by_outcome]


def test_a_placeholder_that_begins_a_sentence_begins_with_a_capital(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second)

    assert filled("{person} is held. ¿Conoce a {persona}? «{persona}", campaign, "en") == (
        "A member of our community is held. ¿Conoce a a member of our community? «A member of our community"
    )
    assert filled("{persona} está detenido.", campaign, "es") == "Un miembro de nuestra comunidad está detenido."
