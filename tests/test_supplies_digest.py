"""The weekly digest: each location's keepers hear, once a week, of par, expiry and counts due."""

import email
from datetime import timedelta
from email.message import Message as EmailMessage

import pytest
import time_machine
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role
from solidarity.messaging.models import Channel, Message
from solidarity.supplies.digest import send_weekly_digest
from solidarity.supplies.models import Item, LocationKind
from solidarity.supplies.services import do_count, do_use
from tests.factories.accounts import client_for, make_member
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db


def digests_to(address: str) -> list[str]:
    """The digests' plain text sent to an address, oldest first."""
    found: list[EmailMessage] = [
        email.message_from_string(message.content["mime"])
        for message in Message.objects.filter(channel=Channel.EMAIL, idempotency_key__startswith="supplies.digest")
    ]
    bodies = []
    for message in found:
        if message["To"] != address:
            continue
        part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        bodies.append(payload.decode())
    return bodies


@pytest.fixture
def naloxone(medics: WorkingGroup, coordinator: User) -> Item:
    return make_item(medics, coordinator, "NLX", name_en="Naloxone", name_es="Naloxona")


def test_keepers_hear_of_what_expires_and_what_was_not_counted_once_a_week(
    medics: WorkingGroup, coordinator: User, medic: User, naloxone: Item
) -> None:
    depot = make_location(medics, coordinator, "Depot")
    bag = make_location(medics, coordinator, "Bag 2", kind=LocationKind.MEDIC_BAG, refill_contact=medic)
    today = timezone.localdate()
    receive(depot, naloxone, 5, coordinator, expires_on=today + timedelta(days=20), lot_number="SOON")
    receive(bag, naloxone, 2, coordinator, expires_on=today + timedelta(days=400))
    receive(depot, naloxone, 1, coordinator, expires_on=today + timedelta(days=30), lot_number="ONE")
    receive(depot, naloxone, 1, coordinator, expires_on=today - timedelta(days=3), lot_number="OLD")
    # Neither place was ever counted.
    lead = make_member("lee.lead", medics, Role.MEDIC_LEAD)
    lead.language = "es"
    lead.save()

    assert send_weekly_digest() == 3  # the coordinator, the medic lead, and the bag's refill contact
    [coordinators] = digests_to(coordinator.email)
    assert "5 Naloxone (NLX) expire on" in coordinators
    assert "Lot SOON." in coordinators
    assert "Depot" in coordinators
    assert "/en/groups/street-medics-committee/supplies/" in coordinators
    [leads] = digests_to(lead.email)
    assert "5 Naloxona (NLX) vencen el" in leads
    # One unit reads as one, in both languages.
    assert "1 Naloxone (NLX) expires on" in coordinators
    assert "1 Naloxone (NLX) expired on" in coordinators
    assert ": donate it while still usable, or record it expired. Lot OLD." in coordinators
    assert "1 Naloxona (NLX) vence el" in leads
    assert "1 Naloxona (NLX) venció el" in leads
    assert "/es/groups/street-medics-committee/supplies/" in leads
    [medics_own] = digests_to(medic.email)
    assert "Bag 2\n- Not counted in 90 days: please count it." in medics_own
    assert "Depot" not in medics_own  # a refill contact hears of their own place only
    assert "Naloxone" not in medics_own

    assert send_weekly_digest() == 3  # the same week: the outbox keeps one each
    assert len(digests_to(coordinator.email)) == 1
    with time_machine.travel(timezone.now() + timedelta(days=7), tick=False):
        send_weekly_digest()
    assert len(digests_to(coordinator.email)) == 2


def test_nothing_is_sent_when_all_is_well(medics: WorkingGroup, coordinator: User, naloxone: Item) -> None:
    depot = make_location(medics, coordinator, "Depot")
    moved = receive(depot, naloxone, 5, coordinator, expires_on=timezone.localdate() + timedelta(days=400))
    do_count(depot, moved.lot, 5, by=coordinator)
    assert send_weekly_digest() == 0
    assert digests_to(coordinator.email) == []


def test_the_leads_hear_of_an_item_below_par(medics: WorkingGroup, coordinator: User, naloxone: Item) -> None:
    depot = make_location(medics, coordinator, "Depot")
    moved = receive(depot, naloxone, 12, coordinator, expires_on=timezone.localdate() + timedelta(days=400))
    do_use(depot, naloxone, 10, by=coordinator)  # a month's use: the two left are below par
    do_count(depot, moved.lot, 2, by=coordinator)
    assert send_weekly_digest() == 1
    [digest] = digests_to(coordinator.email)
    assert "Naloxone is below par" in digest


def test_the_keepers_read_this_weeks_digest_in_the_api_and_the_stock_page_flags_counts_due(
    medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    depot = make_location(medics, coordinator, "Uncounted depot")
    receive(depot, make_item(medics, coordinator, "NLX"), 4, coordinator, timezone.localdate() + timedelta(days=10))
    news = client_for(coordinator).get(f"/api/v1/groups/{medics.slug}/supplies/this-week").json()
    [place] = [place for place in news["places"] if place["location_name"] == "Uncounted depot"]
    assert place["count_due"] is True
    assert [line["quantity"] for line in place["expiring"]] == [4]
    assert client_for(medic).get(f"/api/v1/groups/{medics.slug}/supplies/this-week").status_code == 404
    page = client_for(medic).get(f"/en/groups/{medics.slug}/supplies/").content.decode()
    assert "Never counted: count it." in page
