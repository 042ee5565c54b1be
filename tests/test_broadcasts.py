"""Broadcasts: compose in two languages, preview per channel, send now or later, progress and report."""

import asyncio
import contextlib
import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection
from django.http import StreamingHttpResponse
from django.tasks import task
from django.test import AsyncClient, Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import live, retention, schedule
from solidarity.core.hooks import AlreadyRegistered
from solidarity.core.models import Zone
from solidarity.core.zones import ZoneValues, do_create_zone, do_update_zone, zone_by_slug, zones_by_slug
from solidarity.lists.broadcasts import Draft, do_compose_broadcast, do_send_broadcast, do_settle_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState, Subscription, SubscriptionState
from solidarity.lists.reports import broadcast_progress, broadcast_report
from solidarity.lists.subscriptions import do_subscribe, do_unsubscribe
from solidarity.lists.tasks import settle_broadcasts
from solidarity.messaging import progress, services
from solidarity.messaging.models import Channel, Message, State
from solidarity.messaging.priority import Priority
from tests.conftest import require_services
from tests.factories.accounts import client_for
from tests.factories.lists import make_list, send_now, subscriber
from tests.factories.messaging import deliver, texts_out, use_loopback

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"
GROUP = f"/en/groups/{MEDICS}"


@pytest.fixture
def loopback(settings: Settings, tmp_path: Path) -> Path:
    """The loopback at 60 texts a minute, so the preview's estimate of the sending time is a round number."""
    return use_loopback(settings, tmp_path / "sms-outbox.jsonl", "token", per_minute=60)


@pytest.fixture
def east(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return make_list(medics, coordinator, "east-durham")


def compose(client: Client, lists: list[AnnouncementList], **data: Any) -> Broadcast:
    fields = {
        "lists": [item.slug for item in lists],
        "channels": ["email", "sms"],
        "one_language": "",
        "subject_en": "Assembly on Thursday",
        "text_en": "Assembly on Thursday at 7 pm, Walltown library.",
        "subject_es": "Asamblea el jueves",
        "text_es": "Asamblea el jueves a las 7 pm, biblioteca de Walltown.",
        "when": "now",
    } | data
    response = client.post(f"{GROUP}/broadcasts/new/", fields)
    assert response.status_code == 302, response.content.decode()
    broadcast = Broadcast.objects.order_by("-created_at").first()
    assert broadcast is not None
    assert response["Location"] == f"{GROUP}/broadcasts/{broadcast.uuid}/"
    return broadcast


def send(client: Client, broadcast: Broadcast) -> None:
    assert client.post(f"{GROUP}/broadcasts/{broadcast.uuid}/send/").status_code == 302
    broadcast.refresh_from_db()


def header(email: EmailMessage, name: str) -> str:
    return str(email.message()[name])


def test_a_broadcast_reaches_each_confirmed_subscriber_once_in_their_language(
    east: AnnouncementList, coordinator: User, medics: WorkingGroup, loopback: Path
) -> None:
    walltown = make_list(medics, coordinator, "walltown")
    subscriber(east, Channel.EMAIL, "ana@example.org", "en")
    subscriber(east, Channel.EMAIL, "beto@example.org", "es")
    subscriber(walltown, Channel.EMAIL, "Beto@Example.org", "es")  # on both lists: gets it once
    subscriber(east, Channel.SMS, "(919) 555-0101", "en")
    subscriber(east, Channel.SMS, "(919) 555-0102", "es")
    do_subscribe(east, Channel.EMAIL, "pending@example.org", "en", zone_by_slug("walltown"))
    do_unsubscribe(subscriber(east, Channel.EMAIL, "gone@example.org", "en"))
    deliver()  # the confirmation requests
    already = len(texts_out(loopback))
    client = client_for(coordinator)

    broadcast = compose(client, [east, walltown])
    send(client, broadcast)

    emails = [email for email in deliver() if email.subject.startswith(("Assembly", "Asamblea"))]
    assert sorted((email.to[0], email.subject) for email in emails) == [
        ("ana@example.org", "Assembly on Thursday"),
        ("beto@example.org", "Asamblea el jueves"),
    ]
    spanish = next(email for email in emails if email.to == ["beto@example.org"])
    assert "biblioteca de Walltown" in spanish.body
    links = {header(email, "List-Unsubscribe") for email in emails}
    assert len(links) == 2  # each person has a link of their own
    assert all(header(email, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click" for email in emails)
    assert all(re.search(r"<https?://\S+/lists/unsubscribe/\S+/>", link) for link in links)
    for message in Message.objects.filter(batch=broadcast.batch, channel=Channel.EMAIL):
        # As written to the wire: one line, never folded into RFC 2047 encoded-words mail programs cannot read.
        assert re.search(r"^List-Unsubscribe: <https?://\S+/lists/unsubscribe/\S+/>$", message.content["mime"], re.M)
        assert "\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n" in message.content["mime"]
    texts = {sent["to"]: sent["body"] for sent in texts_out(loopback)[already:]}
    assert texts.keys() == {"+19195550101", "+19195550102"}
    assert texts["+19195550101"].startswith("Assembly on Thursday at 7 pm")
    assert texts["+19195550102"].startswith("Asamblea el jueves")
    assert {message.priority for message in Message.objects.filter(batch=broadcast.batch)} == {Priority.ANNOUNCEMENT}


def test_its_pages_call_a_broadcast_by_its_subject_in_the_readers_language(
    east: AnnouncementList, coordinator: User
) -> None:
    client = client_for(coordinator)
    both = compose(client, [east])
    texts_only = compose(client, [east], channels=["sms"], subject_en="", subject_es="")

    spanish = client.get(f"/es/groups/{MEDICS}/broadcasts/{both.uuid}/").content.decode()
    english = client.get(f"{GROUP}/broadcasts/{both.uuid}/").content.decode()
    assert "<h1>Asamblea el jueves</h1>" in spanish
    assert "<h1>Assembly on Thursday</h1>" in english
    text = client.get(f"/es/groups/{MEDICS}/broadcasts/{texts_only.uuid}/").content.decode()
    assert "<h1>Asamblea el jueves a las 7 pm, biblioteca de Walltown.</h1>" in text  # no subject: its text
    listed = client.get(f"/es/groups/{MEDICS}/lists/").content.decode()
    assert ">Asamblea el jueves</a>" in listed


def test_the_unsubscribe_header_works_as_one_click(east: AnnouncementList, coordinator: User) -> None:
    subscription = subscriber(east, Channel.EMAIL, "ana@example.org", "en")
    client = client_for(coordinator)
    send(client, compose(client, [east], channels=["email"]))
    [email] = [email for email in deliver() if email.subject == "Assembly on Thursday"]
    link = re.search(r"<https?://[^/]+(/\S+)>", header(email, "List-Unsubscribe"))
    assert link
    assert link.group(1) in email.body  # the same link, for people to click

    response = Client(enforce_csrf_checks=True).post(
        link.group(1), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.UNSUBSCRIBED


def test_one_language_goes_to_everyone(east: AnnouncementList, coordinator: User) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org", "en")
    subscriber(east, Channel.EMAIL, "beto@example.org", "es")
    client = client_for(coordinator)

    broadcast = compose(client, [east], channels=["email"], one_language="es", subject_en="", text_en="")
    send(client, broadcast)

    assert sorted(email.subject for email in deliver() if "jueves" in email.subject) == ["Asamblea el jueves"] * 2


def test_only_the_zones_picked_and_people_without_a_zone_get_it(east: AnnouncementList, coordinator: User) -> None:
    subscriber(east, Channel.EMAIL, "walltown@example.org", zone="walltown")
    subscriber(east, Channel.EMAIL, "east@example.org", zone="east-durham")
    subscriber(east, Channel.EMAIL, "anywhere@example.org", zone="")
    client = client_for(coordinator)

    send(client, compose(client, [east], channels=["email"], zones=["walltown"]))

    got = sorted(email.to[0] for email in deliver() if email.subject == "Assembly on Thursday")
    assert got == ["anywhere@example.org", "walltown@example.org"]


def test_subscribers_whose_zone_the_list_no_longer_offers_still_get_zoned_broadcasts(
    east: AnnouncementList, coordinator: User
) -> None:
    subscriber(east, Channel.EMAIL, "walltown@example.org", zone="walltown")
    subscriber(east, Channel.EMAIL, "east@example.org", zone="east-durham")
    client = client_for(coordinator)
    east.zones.remove(*zones_by_slug(["east-durham"]))  # they cannot choose again: they must not fall silent

    send(client, compose(client, [east], channels=["email"], zones=["walltown"]))

    got = sorted(email.to[0] for email in deliver() if email.subject == "Assembly on Thursday")
    assert got == ["east@example.org", "walltown@example.org"]


def test_a_zone_removed_from_the_network_leaves_its_subscribers_with_none_and_they_get_everything(
    east: AnnouncementList, coordinator: User
) -> None:
    gone = subscriber(east, Channel.EMAIL, "east@example.org", zone="east-durham")
    subscriber(east, Channel.EMAIL, "walltown@example.org", zone="walltown")
    Zone.objects.filter(slug="east-durham").delete()
    gone.refresh_from_db()
    assert gone.zone is None
    client = client_for(coordinator)

    send(client, compose(client, [east], channels=["email"], zones=["walltown"]))

    got = sorted(email.to[0] for email in deliver() if email.subject == "Assembly on Thursday")
    assert got == ["east@example.org", "walltown@example.org"]


def test_the_composer_offers_the_groups_zones_by_name_and_the_broadcast_shows_them(
    east: AnnouncementList, coordinator: User
) -> None:
    walltown = zone_by_slug("walltown")
    assert walltown is not None
    do_update_zone(walltown, ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="cli")
    do_create_zone(ZoneValues(name_en="Lakewood"), actor="cli")  # no list of this group offers it
    client = client_for(coordinator)

    form = client.get(f"/es/groups/{MEDICS}/broadcasts/new/").content.decode()
    broadcast = compose(client, [east], zones=["walltown"])
    page = client.get(f"/es/groups/{MEDICS}/broadcasts/{broadcast.uuid}/").content.decode()

    assert re.search(r'value="walltown"[^>]*>\s*Barrio Walltown', form)
    assert 'value="lakewood"' not in form
    assert list(broadcast.zones.values_list("slug", flat=True)) == ["walltown"]
    assert "Barrio Walltown" in page


def test_emails_and_texts_name_the_list_in_the_subscribers_language_and_list_id_stays_its_slug(
    medics: WorkingGroup, coordinator: User, loopback: Path
) -> None:
    bilingual = make_list(
        medics, coordinator, "east-durham", name_en="Rapid response — East", name_es="Respuesta rápida — Este"
    )
    subscriber(bilingual, Channel.EMAIL, "ana@example.org", "en")
    subscriber(bilingual, Channel.EMAIL, "beto@example.org", "es")
    client = client_for(coordinator)
    broadcast = compose(client, [bilingual], channels=["email"])

    preview = client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/").content.decode()
    send(client, broadcast)

    emails = {email.to[0]: email for email in deliver() if "jueves" in email.subject or "Thursday" in email.subject}
    assert "you subscribed to Rapid response — East" in str(emails["ana@example.org"].body)
    assert "se suscribió a Respuesta rápida — Este" in str(emails["beto@example.org"].body)
    assert "Rapid response" not in str(emails["beto@example.org"].body)
    assert {header(email, "List-Id").split(".")[0] for email in emails.values()} == {"<east-durham"}
    assert "se suscribió a Respuesta rápida — Este" in preview  # the Spanish email's preview
    assert "subscribed to Rapid response — East" in preview


def test_the_composer_asks_for_both_texts_unless_one_language_is_chosen(
    east: AnnouncementList, coordinator: User
) -> None:
    response = client_for(coordinator).post(
        f"{GROUP}/broadcasts/new/",
        {"lists": [east.slug], "channels": ["email"], "subject_en": "Hi", "text_en": "Hello", "when": "now"},
    )

    assert response.status_code == 200
    assert "Write the text." in response.content.decode()
    assert not Broadcast.objects.exists()


def test_the_preview_counts_people_and_sms_parts_and_warns_of_accents(
    east: AnnouncementList, coordinator: User, loopback: Path
) -> None:
    for n in range(3):
        subscriber(east, Channel.SMS, f"(919) 555-01{n:02d}", "es")
    subscriber(east, Channel.EMAIL, "ana@example.org")
    client = client_for(coordinator)

    broadcast = compose(client, [east], text_es="Reunión mañana: traigan agua. " * 3)
    page = client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/").content.decode()

    assert "1 person by email" in page
    assert "3 people by SMS" in page
    assert "about 1 minute to reach everyone (60 texts a minute)" in page
    assert "(UCS-2)" in page  # ó in Reunión
    assert "Without those accents it would take" in page
    assert "Reunion manana" not in page  # ñ stays: it is in the GSM alphabet
    assert "Reunion mañana" in page
    assert "Send now" in page
    assert not Message.objects.filter(batch=broadcast.batch).exists()  # a preview sends nothing


def test_the_preview_says_when_sms_is_not_configured(
    east: AnnouncementList, coordinator: User, settings: Settings
) -> None:
    settings.SMS_BACKENDS = []
    client = client_for(coordinator)

    broadcast = compose(client, [east])

    assert (
        "SMS is not configured: no text will be sent."
        in client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/").content.decode()
    )


def test_sending_twice_sends_once(east: AnnouncementList, coordinator: User) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    client = client_for(coordinator)
    broadcast = compose(client, [east], channels=["email"])

    send(client, broadcast)
    send(client, broadcast)

    assert Message.objects.filter(batch=broadcast.batch).count() == 1
    assert broadcast.recipients == 1


def test_a_sent_broadcast_cannot_be_changed(east: AnnouncementList, coordinator: User) -> None:
    client = client_for(coordinator)
    broadcast = compose(client, [east], channels=["email"])
    send(client, broadcast)

    response = client.post(f"{GROUP}/broadcasts/{broadcast.uuid}/edit/", {"text_en": "changed"})

    assert response.status_code == 302
    broadcast.refresh_from_db()
    assert broadcast.text_en.startswith("Assembly on Thursday")


def test_a_broadcast_is_scheduled_within_the_coming_year(east: AnnouncementList, coordinator: User) -> None:
    # Past a year the time could overflow the database's dates; and nobody plans a broadcast further out.
    far = timezone.localtime() + timedelta(days=400)
    response = client_for(coordinator).post(
        f"{GROUP}/broadcasts/new/",
        {"lists": [east.slug], "channels": ["email"], "one_language": "en", "subject_en": "x", "text_en": "x"}
        | {"when": "later", "scheduled_for": far.strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 200
    assert "Choose a time within the coming year." in response.content.decode()
    assert not Broadcast.objects.exists()


def test_the_lists_page_costs_the_same_queries_however_many_lists(
    coordinator: User, medics: WorkingGroup, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(coordinator)
    subscriber(make_list(medics, coordinator, "list-0"), Channel.EMAIL, "person0@example.org")
    client.get(f"{GROUP}/lists/")  # the network's settings and the session, cached

    with django_assert_max_num_queries(10):
        one = client.get(f"{GROUP}/lists/")
    for number in range(1, 12):
        subscriber(make_list(medics, coordinator, f"list-{number}"), Channel.SMS, f"(919) 555-01{number:02d}")
    with django_assert_max_num_queries(10):
        twelve = client.get(f"{GROUP}/lists/")

    assert one.status_code == twelve.status_code == 200
    page = twelve.content.decode()
    assert page.count('<td class="number">1</td>') == 12  # each list's one subscriber, counted


def test_a_scheduled_broadcast_waits_for_its_time(east: AnnouncementList, coordinator: User) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    deliver()
    client = client_for(coordinator)
    later = timezone.localtime() + timedelta(hours=2)

    broadcast = compose(
        client, [east], channels=["email"], when="later", scheduled_for=later.strftime("%Y-%m-%dT%H:%M")
    )
    send(client, broadcast)

    assert broadcast.state == BroadcastState.SCHEDULED
    assert [email for email in deliver() if email.subject == "Assembly on Thursday"] == []
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        assert [email.to for email in deliver() if email.subject == "Assembly on Thursday"] == [["ana@example.org"]]
        page = client_for(coordinator).get(f"{GROUP}/broadcasts/{broadcast.uuid}/")  # a new session: hours went by
        assert page.status_code == 200
    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.SENT


def test_a_scheduled_broadcast_can_be_cancelled(east: AnnouncementList, coordinator: User) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    deliver()
    client = client_for(coordinator)
    later = timezone.localtime() + timedelta(hours=2)
    broadcast = compose(
        client, [east], channels=["email"], when="later", scheduled_for=later.strftime("%Y-%m-%dT%H:%M")
    )
    send(client, broadcast)

    assert client.post(f"{GROUP}/broadcasts/{broadcast.uuid}/cancel/").status_code == 302

    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.CANCELLED
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert [email for email in deliver() if email.subject == "Assembly on Thursday"] == []
    assert broadcast_progress(broadcast).cancelled == 1


def test_unsubscribing_before_a_scheduled_time_cancels_that_persons_message(
    east: AnnouncementList, coordinator: User
) -> None:
    ana = subscriber(east, Channel.EMAIL, "ana@example.org")
    subscriber(east, Channel.EMAIL, "beto@example.org")
    deliver()
    broadcast = do_compose_broadcast(
        east.group,
        Draft(
            lists=[east],
            subject_en="Later",
            text_en="Later",
            one_language="en",
            channels=["email"],
            scheduled_for=timezone.now() + timedelta(hours=1),
        ),
        by=coordinator,
    )
    do_send_broadcast(broadcast, by=coordinator)

    do_unsubscribe(ana)

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert [email.to for email in deliver() if email.subject == "Later"] == [["beto@example.org"]]


def test_progress_and_report_count_messages_by_state_and_reason(
    east: AnnouncementList, coordinator: User, loopback: Path
) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    subscriber(east, Channel.EMAIL, "beto@example.org")
    subscriber(east, Channel.SMS, "(919) 555-0101")
    subscriber(east, Channel.SMS, "(919) 555-0102")
    services.do_opt_out(Channel.SMS, "(919) 555-0102")  # texted STOP since
    deliver()
    texts_out(loopback)
    client = client_for(coordinator)
    broadcast = compose(client, [east])
    send(client, broadcast)

    progress = broadcast_progress(broadcast)
    assert (progress.queued, progress.sent, progress.cancelled, progress.total) == (3, 0, 1, 4)
    page = client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/").content.decode()
    assert f'data-stream="{GROUP}/broadcasts/{broadcast.uuid}/live/"' in page  # live while it goes out
    assert re.search(r'<script src="/static/lists/progress\.js" defer>', page)
    assert '<noscript><meta http-equiv="refresh"' in page  # and without JavaScript
    assert f'<a id="progress-refresh" href="{GROUP}/broadcasts/{broadcast.uuid}/">Refresh</a>' in page
    assert '<progress id="progress-bar" max="4" value="1">' in page

    deliver()
    texts_out(loopback)
    [sms] = Message.objects.filter(batch=broadcast.batch, channel=Channel.SMS, state=State.SENT)
    services.do_record_delivery(sms.provider_id, State.DELIVERED)

    report = broadcast_report(broadcast)
    assert (report.progress.sent, report.progress.delivered, report.progress.cancelled) == (2, 1, 1)
    assert report.by_channel["sms"].delivered == 1
    assert [(reason.slug, reason.count) for reason in report.reasons] == [("opted_out", 1)]
    fragment = client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert text.lstrip().startswith('<section id="progress"')
    assert "This address asked to get no more messages. (1)" in text
    assert "data-stream" not in text  # done: the page stops listening
    assert "progress-refresh" not in text
    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.SENT


def test_the_report_outlives_the_outboxs_own_rows(east: AnnouncementList, coordinator: User) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    broadcast = do_compose_broadcast(
        east.group,
        Draft(lists=[east], subject_en="Hi", text_en="Hi", one_language="en", channels=["email"]),
        by=coordinator,
    )
    do_send_broadcast(broadcast, by=coordinator)
    deliver()
    assert do_settle_broadcast(broadcast)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        retention.purge()
    assert not Message.objects.filter(batch=broadcast.batch).exists()

    assert broadcast_progress(broadcast).sent == 1
    assert broadcast_report(broadcast).progress.sent == 1


def test_a_broadcast_to_nobody_is_sent_at_once(east: AnnouncementList, coordinator: User) -> None:
    client = client_for(coordinator)
    broadcast = compose(client, [east], channels=["email"])
    send(client, broadcast)

    client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/")

    broadcast.refresh_from_db()
    assert (broadcast.state, broadcast.recipients) == (BroadcastState.SENT, 0)


def test_a_coordinator_cannot_pick_another_groups_list(
    east: AnnouncementList, coordinator: User, other_coordinator: User, rapid_response: WorkingGroup
) -> None:
    theirs = make_list(rapid_response, other_coordinator, "theirs")

    response = client_for(coordinator).post(
        f"{GROUP}/broadcasts/new/",
        {"lists": [theirs.slug], "channels": ["email"], "one_language": "en", "subject_en": "x", "text_en": "x"},
    )

    assert response.status_code == 200
    assert not Broadcast.objects.exists()


@pytest.mark.parametrize("action", ["", "edit/", "send/", "cancel/"])
def test_broadcast_pages_are_for_the_groups_coordinators_only(
    east: AnnouncementList, coordinator: User, medic: User, outsider: User, other_coordinator: User, action: str
) -> None:
    broadcast = do_compose_broadcast(
        east.group,
        Draft(lists=[east], subject_en="Hi", text_en="Hi", one_language="en", channels=["email"]),
        by=coordinator,
    )
    url = f"{GROUP}/broadcasts/{broadcast.uuid}/{action}"

    for refused in (medic, outsider, other_coordinator):
        client = client_for(refused)
        assert client.get(url).status_code in {404, 405}, refused.username
        assert client.post(url).status_code in {404, 405}, refused.username
    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.DRAFT


def test_the_composer_is_for_the_groups_coordinators_only(
    east: AnnouncementList, coordinator: User, medic: User, outsider: User, other_coordinator: User
) -> None:
    assert client_for(coordinator).get(f"{GROUP}/broadcasts/new/").status_code == 200
    for refused in (medic, outsider, other_coordinator):
        assert client_for(refused).get(f"{GROUP}/broadcasts/new/").status_code == 404
    assert Client().get(f"{GROUP}/broadcasts/new/").status_code == 302


def test_without_an_sms_service_no_text_is_queued_to_wait_for_ever(
    east: AnnouncementList, coordinator: User, settings: Settings
) -> None:
    subscriber(east, Channel.SMS, "(919) 555-0101")
    subscriber(east, Channel.EMAIL, "ana@example.org")
    settings.SMS_BACKENDS = []
    client = client_for(coordinator)
    broadcast = compose(client, [east])

    send(client, broadcast)

    assert list(Message.objects.filter(batch=broadcast.batch).values_list("channel", flat=True)) == ["email"]
    deliver()
    client.get(f"{GROUP}/lists/")  # the group's page settles what has gone out
    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.SENT


# Settled by a periodic job, and shown live.


def test_the_periodic_job_settles_a_finished_broadcast_that_nobody_opens(
    east: AnnouncementList, coordinator: User, loopback: Path
) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    subscriber(east, Channel.SMS, "(919) 555-0101")
    deliver()
    texts_out(loopback)  # the confirmation requests
    out = send_now(east.group, [east], coordinator, ["email"])
    waiting = send_now(east.group, [east], coordinator, ["sms"])
    deliver()  # the email leaves; the text waits (no SMS loop runs here)
    broadcasts = Message.objects.filter(batch__startswith="lists.broadcast:")
    outbox = sorted(broadcasts.values_list("pk", "state"))
    mails = len(mail.outbox)

    assert "lists.settle-broadcasts" in schedule.enqueue_due()

    out.refresh_from_db()
    assert out.state == BroadcastState.SENT
    assert out.finished_at is not None
    assert [(row["channel"], row["state"], row["count"]) for row in out.report["rows"]] == [("email", "sent", 1)]
    waiting.refresh_from_db()
    assert (waiting.state, waiting.report) == (BroadcastState.SENDING, {})  # its text has not left
    # The job starts nothing: no broadcast's message moved or was added, no mail went.
    assert sorted(broadcasts.values_list("pk", "state")) == outbox
    assert len(mail.outbox) == mails

    texts_out(loopback)
    settle_broadcasts.enqueue()
    waiting.refresh_from_db()
    assert waiting.state == BroadcastState.SENT


def test_the_settling_job_runs_every_minute(db: None) -> None:
    [job] = [job for job in schedule.jobs() if job.name == "lists.settle-broadcasts"]  # ListsConfig.ready

    assert (job.task, job.every) == (settle_broadcasts, timedelta(minutes=1))


TICKS: list[str] = []


@task()
def count_a_tick() -> None:
    TICKS.append("tick")


@task()
def another_job() -> None:
    """Never runs: it only tries to take count_a_tick's name."""


@pytest.fixture
def registered() -> Iterator[schedule.Periodic]:
    TICKS.clear()
    job = schedule.Periodic("tests.count-a-tick", count_a_tick, timedelta(minutes=5))
    schedule.register(job)
    yield job
    schedule.JOBS.unregister(job.name)


def test_a_part_registers_a_periodic_job_and_each_run_is_enqueued_once(db: None, registered: schedule.Periodic) -> None:
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        assert "tests.count-a-tick" in schedule.enqueue_due()  # a new job is due at once
        assert "tests.count-a-tick" not in schedule.enqueue_due()
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert "tests.count-a-tick" not in schedule.enqueue_due()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert "tests.count-a-tick" in schedule.enqueue_due()

    assert TICKS == ["tick", "tick"]
    names = [job.name for job in schedule.jobs()]
    assert names[:3] == ["anchor-audit-head", "purge-expired", "prune-audit-log"]  # core's, first
    assert {"lists.settle-broadcasts", "tests.count-a-tick"} <= set(names)


def test_a_job_name_is_taken_once(registered: schedule.Periodic) -> None:
    schedule.register(registered)  # the same job again (a second ready()): nothing changes
    assert [job.name for job in schedule.jobs()].count("tests.count-a-tick") == 1

    with pytest.raises(AlreadyRegistered):
        schedule.register(schedule.Periodic("tests.count-a-tick", another_job, timedelta(minutes=5)))
    with pytest.raises(AlreadyRegistered):
        schedule.register(schedule.Periodic("purge-expired", another_job, timedelta(days=1)))
    with pytest.raises(ValueError, match="must be positive"):
        schedule.register(schedule.Periodic("tests.never", another_job, timedelta(0)))
    assert [job.task for job in schedule.jobs() if job.name == "tests.count-a-tick"] == [count_a_tick]


def test_batch_events_are_throttled_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = "lists.broadcast:throttle-one", "lists.broadcast:throttle-two"

    assert progress.notify_batch(first)
    assert not progress.notify_batch(first)  # within THROTTLE_SECONDS of the last one
    assert progress.notify_batch(second)  # another batch has a window of its own
    assert not progress.notify_batch("")  # a message of its own, in no batch
    monkeypatch.setattr(progress, "THROTTLE_SECONDS", 0.0)
    assert progress.notify_batch(first)


async def next_chunk(chunks: Any) -> str:
    """The stream's next event, past its keepalive comments."""
    while True:
        chunk = (await anext(chunks)).decode()
        if not chunk.startswith(":"):
            return str(chunk)


async def in_a_thread(work: Callable[[], object]) -> None:
    """Run `work` as another process would: in a thread, on its own connection, committed."""

    def then_close() -> None:
        try:
            work()
        finally:
            connection.close()  # this thread's connection, so the test database can be dropped

    await sync_to_async(then_close)()


@pytest.mark.django_db(transaction=True)
def test_the_live_stream_says_when_the_broadcasts_messages_move_and_when_it_settles(
    east: AnnouncementList, coordinator: User
) -> None:
    require_services()
    subscriber(east, Channel.EMAIL, "ana@example.org")
    subscriber(east, Channel.EMAIL, "beto@example.org")
    deliver()
    broadcast = send_now(east.group, [east], coordinator, ["email"])
    expected = json.dumps({"batch": broadcast.batch})

    async def scenario() -> list[str]:
        client = AsyncClient()
        await client.aforce_login(coordinator)
        response = await client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/live/")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        assert isinstance(response, StreamingHttpResponse)
        chunks = aiter(response.streaming_content)
        assert await next_chunk(chunks) == "retry: 3000\n\n"
        try:
            listening = asyncio.ensure_future(next_chunk(chunks))  # subscribes to the hub
            await live.hub.ready.wait()
            await asyncio.sleep(0.3)  # the backend's listener is subscribed before anything moves
            await in_a_thread(deliver)  # the outbox sends both emails
            moved = await asyncio.wait_for(listening, 20)
            await in_a_thread(settle_broadcasts.enqueue)  # the periodic job, a minute later
            settled = await asyncio.wait_for(next_chunk(chunks), 20)
            return [moved, settled]
        finally:
            await chunks.aclose()
            if live.hub.listener is not None:
                live.hub.listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await live.hub.listener
            await in_a_thread(lambda: None)

    moved, settled = asyncio.run(scenario())

    assert moved.split("\n", 1)[1] == f"event: progress\ndata: {expected}\n\n"  # ids only: the page fetches counts
    assert moved.startswith("id: ")  # a browser that reconnects resumes after it
    assert settled.split("\n", 1)[1] == f"event: settled\ndata: {expected}\n\n"


def test_only_the_groups_coordinators_may_open_the_stream(
    east: AnnouncementList, coordinator: User, medic: User, outsider: User, other_coordinator: User
) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    broadcast = send_now(east.group, [east], coordinator, ["email"])  # going out: its message waits
    url = f"{GROUP}/broadcasts/{broadcast.uuid}/live/"

    allowed = client_for(coordinator).get(url)  # (not read: the stream would wait for events)
    assert (allowed.status_code, allowed["Content-Type"]) == (200, "text/event-stream")
    for refused in (medic, outsider, other_coordinator):
        assert client_for(refused).get(url).status_code == 404, refused.username
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/en/accounts/login/")


def test_a_broadcast_that_is_not_going_out_has_nothing_to_stream(east: AnnouncementList, coordinator: User) -> None:
    draft = do_compose_broadcast(
        east.group,
        Draft(lists=[east], subject_en="Hi", text_en="Hi", one_language="en", channels=["email"]),
        by=coordinator,
    )
    done = send_now(east.group, [east], coordinator, ["email"])  # to nobody: settled at once
    do_settle_broadcast(done)
    client = client_for(coordinator)

    for broadcast in (draft, done):
        response = client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/live/")
        assert response.status_code == 204  # EventSource stops asking


def test_the_preview_counts_each_person_even_when_their_look_up_codes_collide(
    east: AnnouncementList, coordinator: User, loopback: Path
) -> None:
    # Blind indexes are truncated on purpose (a few people share each): 300 numbers make many collisions.
    for n in range(300):
        subscriber(east, Channel.SMS, f"+1919555{n:04d}", "es")
    client = client_for(coordinator)

    broadcast = compose(client, [east], text_es="Asamblea el jueves.")
    page = client.get(f"{GROUP}/broadcasts/{broadcast.uuid}/").content.decode()

    assert len({subscription.address_index for subscription in Subscription.objects.all()}) < 300
    assert "300 people by SMS" in page
