"""Broadcasts: compose a draft and preview it, send it, cancel it, and settle it once its messages are out.

Invariants:
- Messages go through messaging's outbox: a small audience's and an alert's in the sender's
  transaction, a big one's by a job in committed chunks (do_enqueue_broadcast). Their idempotency
  keys carry uuids only. A broadcast's messages share one batch, `lists.broadcast:<uuid>`.
- Broadcasts change state by conditional updates: a double click, a second worker or a stale
  page changes nothing.
- The preview is built by the functions that build what is sent: what a coordinator reads is what goes.
"""

import math
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit, live
from solidarity.core.bilingual import text_of
from solidarity.core.models import AuditAction, Zone
from solidarity.core.services import get_network_settings
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState, Subscription, SubscriptionState
from solidarity.lists.reports import broadcast_progress, report_rows
from solidarity.lists.subscriptions import absolute, unsubscribe_token, url_in
from solidarity.messaging import mail
from solidarity.messaging import progress as batch_progress
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.messaging.priority import Priority
from solidarity.messaging.sms import text as sms_text
from solidarity.messaging.sms_settings import configured_backends


@dataclass(frozen=True)
class Draft:
    """What a coordinator writes in the composer."""

    lists: list[AnnouncementList]
    subject_en: str = ""
    subject_es: str = ""
    text_en: str = ""
    text_es: str = ""
    one_language: str = ""
    channels: list[str] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)  # none: everyone
    scheduled_for: datetime | None = None
    priority: Priority = Priority.ANNOUNCEMENT
    follows: Broadcast | None = None  # a correction: to exactly those the followed broadcast went to


def do_compose_broadcast(
    group: WorkingGroup, draft: Draft, *, by: User, broadcast: Broadcast | None = None
) -> Broadcast:
    """Save a new draft, or change a draft (only a draft: once sent, a broadcast's words stay as they went)."""
    if any(item.group_id != group.pk for item in draft.lists):
        raise ValueError("a broadcast goes to its own group's lists only")
    if broadcast is not None and broadcast.state != BroadcastState.DRAFT:
        raise BroadcastNotDraft
    with transaction.atomic():
        saved = broadcast or Broadcast(group=group, created_by=by)
        for name in ("subject_en", "subject_es", "text_en", "text_es", "one_language", "channels"):
            setattr(saved, name, getattr(draft, name))
        saved.scheduled_for = draft.scheduled_for
        saved.priority, saved.follows = draft.priority, draft.follows
        saved.save()
        saved.lists.set(draft.lists)
        saved.zones.set(draft.zones)
        audit.record(
            actor=str(by.uuid),
            role="coordinator",
            action=AuditAction.CHANGED if broadcast else AuditAction.CREATED,
            object_type="lists.broadcast",
            object_ids=[saved.uuid],
            detail={"group": group.slug, "state": "draft"},
        )
    return saved


class BroadcastNotDraft(Exception):
    """It was sent, scheduled or cancelled meanwhile (another tab, another coordinator)."""


def audience(broadcast: Broadcast) -> "QuerySet[Subscription]":
    """Confirmed subscriptions of its lists, on its channels (and on the channels each list still has), in its zones.

    With zones, those who gave none get it too, and so do those whose zone their list no longer
    offers (they could not choose again): better a message too many than a neighbour missed.
    A follow-up (a correction) goes to the subscriptions its alert went to that are still confirmed.
    """
    if broadcast.follows is not None:
        followed = Subscription.objects.filter(pk__in=broadcast.follows.sent_to, state=SubscriptionState.CONFIRMED)
        return followed.select_related("announcement_list").order_by("pk")
    on_channel = Q()
    if Channel.EMAIL in broadcast.channels:
        on_channel |= Q(channel=Channel.EMAIL, announcement_list__has_email=True)
    if Channel.SMS in broadcast.channels:
        on_channel |= Q(channel=Channel.SMS, announcement_list__has_sms=True)
    if not on_channel:
        return Subscription.objects.none()
    found = Subscription.objects.filter(
        on_channel, announcement_list__in=broadcast.lists.all(), state=SubscriptionState.CONFIRMED
    )
    zones = list(broadcast.zones.all())
    if zones:
        offered = AnnouncementList.zones.through.objects.filter(
            announcementlist=OuterRef("announcement_list"), zone=OuterRef("zone")
        )
        found = found.filter(Q(zone__in=zones) | Q(zone__isnull=True) | ~Exists(offered))
    return found.select_related("announcement_list").order_by("pk")


def recipients(broadcast: Broadcast, *, sms: bool = True) -> list[Subscription]:
    """One subscription per address and channel, even for someone on several of the lists (no texts without `sms`)."""
    seen: set[tuple[str, str]] = set()
    chosen = []
    for subscription in sendable(broadcast, sms):
        key = address_of(subscription)
        if key not in seen:
            seen.add(key)
            chosen.append(subscription)
    return chosen


def expected_counts(broadcast: Broadcast) -> dict[str, int]:
    """Recipients per channel, for the preview: the people `do_send_broadcast` would queue a message for.

    Counting distinct blind indexes would be cheaper but wrong: they are truncated on purpose,
    so two people share one (600 numbers counted as 523). The addresses are decrypted, as sending does.
    """
    return dict(Counter(subscription.channel for subscription in recipients(broadcast)))


def sms_per_minute() -> int:
    """How many SMS the configured backends hand over per minute together; 0 when SMS is not configured."""
    return sum(backend.per_minute for backend in configured_backends())


def sms_minutes(recipients_count: int) -> int | None:
    """Minutes to reach everyone by SMS (at least 1), or None when SMS is not configured."""
    rate = sms_per_minute()
    if not rate:
        return None
    return max(1, math.ceil(recipients_count / rate))


def email_body(broadcast: Broadcast, language: str, list_name: str, link: str, page: str) -> str:
    """The email's text: the broadcast, then a footer with the subscriber's own page and the one-step unsubscribe."""
    with translation.override(language):
        return render_to_string(
            "lists/email/broadcast.txt",
            {
                "text": broadcast.text(language),
                "list": list_name,
                "network": get_network_settings().name,
                "link": link,
                "page": page,
            },
        )


def sms_body(broadcast: Broadcast, language: str) -> str:
    with translation.override(language):
        # Translators: appended to every SMS broadcast; keep it short and without á, í, ó, ú. Keyword: ALTO.
        footer = _("%(network)s: text STOP to stop.") % {"network": get_network_settings().name}
    body = f"{broadcast.text(language).strip()}\n\n{footer}"
    # An alert must arrive whole and fast: "está" as "esta" keeps it GSM-7, one or two parts instead of three.
    return sms_text.gsm_friendly(body) if broadcast.priority < Priority.ANNOUNCEMENT else body


Templates = dict[tuple[str, int], mail.EmailTemplate]


def email_template(broadcast: Broadcast, language: str, announcement_list: AnnouncementList) -> mail.EmailTemplate:
    """The broadcast's email in one language for one list's subscribers, built once (see mail.EmailTemplate)."""
    link, page = mail.slot("link"), mail.slot("page")
    host = str(settings.BASE_URL).split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return mail.EmailTemplate(
        subject=broadcast.subject(language),
        text=email_body(broadcast, language, text_of(announcement_list, "name", language), link, page),
        language=language,
        # RFC 2369 and RFC 8058: mail programs offer a button that unsubscribes in one step.
        raw_headers={
            "List-Id": f"<{announcement_list.slug}.lists.{host}>",
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        slots=("link", "page"),
    )


def outgoing(broadcast: Broadcast, subscription: Subscription, templates: Templates) -> messaging.Outgoing:
    """One subscriber's message; `templates` keeps the emails already built for this broadcast."""
    language = broadcast.one_language or subscription.language
    to = str(subscription.address)
    if subscription.channel == Channel.EMAIL:
        key = (language, subscription.announcement_list_id)
        if key not in templates:
            templates[key] = email_template(broadcast, language, subscription.announcement_list)
        token = unsubscribe_token(subscription)
        link = url_in(subscription.language, "lists:unsubscribe", token)
        page = url_in(subscription.language, "lists:subscription", token)
        content = templates[key].content(to, link=link, page=page)
    else:
        content = {"text": sms_body(broadcast, language)}
    return messaging.Outgoing(
        channel=subscription.channel,
        to=to,
        content=content,
        idempotency_key=broadcast.message_key(subscription),
        language=language,
        priority=Priority(broadcast.priority),
        batch=broadcast.batch,
    )


CHUNK = 500  # subscriptions worked through in one transaction by the background enqueue
INLINE_LIMIT = CHUNK  # an audience this small is queued in the sending request, as one chunk
STALLED_AFTER = timedelta(seconds=60)  # an enqueue that committed nothing for this long is resumed
GOING = (BroadcastState.SCHEDULED, BroadcastState.SENDING)


def sendable(broadcast: Broadcast, sms: bool) -> "QuerySet[Subscription]":
    """Its audience, less the texts when no SMS service is configured (they would wait for ever)."""
    found = audience(broadcast)
    return found if sms else found.exclude(channel=Channel.SMS)


def do_send_broadcast(broadcast: Broadcast, *, by: User, inline: bool = False) -> int:
    """Hand a draft to the outbox: now, or at its scheduled time (the messages wait with `send_after`).

    Claims the draft with a conditional update: a second click finds it sent and sends nothing
    (BroadcastNotDraft). Returns how many messages were queued by the time it returns.

    An alert (priority above an announcement's), an audience of at most INLINE_LIMIT subscriptions,
    or a broadcast sent `inline` (by a part that reports at once how many it reached: an action's
    update, a campaign's invitation) is queued here, in the caller's transaction: its messages wait
    for no job, and an alert's `sent_to` (what its corrections go to) is whole the moment it is sent. A bigger
    announcement is queued by a job in committed chunks (do_enqueue_broadcast), so the request
    returns at once and the senders start on the first chunk; its page shows how far it got.
    The audience is the one confirmed as each chunk is queued: someone who unsubscribes before a
    scheduled time has their message cancelled (do_unsubscribe), or never queued.
    """
    with transaction.atomic():
        now = timezone.now()
        later = broadcast.scheduled_for is not None and broadcast.scheduled_for > now
        state = BroadcastState.SCHEDULED if later else BroadcastState.SENDING
        if not Broadcast.objects.filter(pk=broadcast.pk, state=BroadcastState.DRAFT).update(state=state, sent_at=now):
            raise BroadcastNotDraft
        sms = sms_per_minute() > 0
        total = sendable(broadcast, sms).count()
        detail: dict[str, str | int | bool] = {"group": broadcast.group.slug, "state": state, "subscriptions": total}
        if inline or total <= INLINE_LIMIT or broadcast.priority < Priority.ANNOUNCEMENT:
            chosen = recipients(broadcast, sms=sms)
            templates: Templates = {}
            items = [outgoing(broadcast, subscription, templates) for subscription in chosen]
            messaging.enqueue_many(items, send_after=broadcast.scheduled_for if later else None)
            kept = [subscription.pk for subscription in chosen] if broadcast.priority < Priority.ANNOUNCEMENT else []
            Broadcast.objects.filter(pk=broadcast.pk).update(
                recipients=len(items), sent_to=kept, enqueue_total=total, enqueue_done=total
            )
            queued = len(items)
            detail["messages"] = queued
        else:
            runner = uuid.uuid4()
            Broadcast.objects.filter(pk=broadcast.pk).update(
                enqueuing=True, enqueue_total=total, enqueue_runner=runner, enqueue_beat=now
            )
            transaction.on_commit(partial(start_enqueue, broadcast.uuid, runner))
            queued = 0
            detail["background"] = True
        audit.record(
            actor=str(by.uuid),
            role="coordinator",
            action=AuditAction.CHANGED,
            object_type="lists.broadcast",
            object_ids=[broadcast.uuid],
            detail=detail,
        )
    broadcast.refresh_from_db()
    return queued


def start_enqueue(broadcast_id: uuid.UUID, runner: uuid.UUID) -> None:
    """Hand the enqueue to a job (lists.tasks.enqueue_broadcast), after the claim committed.

    Should the hand-over be lost (the process ends first, Redis is away), the enqueue stays
    claimed by a run that never beats, and do_resume_broadcasts gives it to another.
    """
    from solidarity.lists.tasks import enqueue_broadcast  # the job's module imports this one

    enqueue_broadcast.enqueue(str(broadcast_id), str(runner))


def do_enqueue_broadcast(broadcast_id: uuid.UUID, runner: uuid.UUID) -> int:
    """Queue a broadcast's messages CHUNK subscriptions at a time, in pk order, while `runner` holds it.

    Each chunk is one transaction: the cursor (the last subscription worked through), the counts
    and the heartbeat move by a conditional update on the runner and the cursor it read, and the
    chunk's messages are inserted with them. A cancel, a run that took over, or a second run of
    this one finds the condition false and queues nothing more. Who is already queued is read
    back from the outbox when a run starts past the beginning, so a person on two lists gets one
    message across chunks and across a resume; the idempotency keys would skip a repeat anyway.
    Returns how many messages this run queued.
    """
    broadcast = Broadcast.objects.select_related("group").filter(uuid=broadcast_id).first()
    if broadcast is None or not (broadcast.enqueuing and broadcast.enqueue_runner == runner):
        return 0
    sms = sms_per_minute() > 0
    later = broadcast.scheduled_for is not None and broadcast.scheduled_for > timezone.now()
    send_after = broadcast.scheduled_for if later else None
    seen = messaging.batch_addresses(broadcast.batch) if broadcast.enqueue_cursor else set()
    templates: Templates = {}
    queued = 0
    cursor = broadcast.enqueue_cursor
    while True:
        chunk = list(sendable(broadcast, sms).filter(pk__gt=cursor)[:CHUNK])
        if not chunk:
            finish_enqueue(broadcast, runner, cursor)
            return queued
        # Built and encrypted before the transaction, which then holds the write lock only for the inserts.
        wanted = [subscription for subscription in chunk if address_of(subscription) not in seen]
        items = [outgoing(broadcast, subscription, templates) for subscription in wanted]
        prepared = messaging.prepare_many(items, send_after=send_after, check_addresses=False)  # the sender looks
        position_of = {subscription.pk: position for position, subscription in enumerate(wanted)}
        with transaction.atomic():
            moved = Broadcast.objects.filter(
                pk=broadcast.pk, enqueuing=True, enqueue_runner=runner, enqueue_cursor=cursor, state__in=GOING
            ).update(
                enqueue_cursor=chunk[-1].pk, enqueue_done=F("enqueue_done") + len(chunk), enqueue_beat=timezone.now()
            )
            if not moved:
                return queued  # cancelled, or another run took over
            # Still confirmed now (locked on PostgreSQL): an unsubscribe either came first or finds the message.
            confirmed = set(
                Subscription.objects.select_for_update()
                .filter(pk__in=list(position_of), state=SubscriptionState.CONFIRMED)
                .values_list("pk", flat=True)
            )
            chosen = []
            for subscription in wanted:
                key = address_of(subscription)
                if subscription.pk in confirmed and key not in seen:
                    seen.add(key)
                    chosen.append(subscription)
            added = prepared.only([position_of[item.pk] for item in chosen]).insert()
            changes: dict[str, Any] = {"recipients": F("recipients") + len(chosen)}
            if broadcast.priority < Priority.ANNOUNCEMENT:
                kept = Broadcast.objects.values_list("sent_to", flat=True).get(pk=broadcast.pk)
                changes["sent_to"] = [*kept, *(item.pk for item in chosen)]
            Broadcast.objects.filter(pk=broadcast.pk).update(**changes)
            batch_progress.notify_batch(broadcast.batch)
        queued += added
        cursor = chunk[-1].pk


def address_of(subscription: Subscription) -> tuple[str, str]:
    """What makes two subscriptions one recipient: the channel and the address (stored normalised, as the outbox
    stores it: messaging.batch_addresses compares with it)."""
    return (subscription.channel, str(subscription.address))


def finish_enqueue(broadcast: Broadcast, runner: uuid.UUID, cursor: int) -> bool:
    """The last chunk is in: the broadcast is no longer enqueuing, and the audit log says how many went."""
    with transaction.atomic():
        done = Broadcast.objects.filter(
            pk=broadcast.pk, enqueuing=True, enqueue_runner=runner, enqueue_cursor=cursor
        ).update(enqueuing=False, enqueue_runner=None, enqueue_beat=timezone.now())
        if not done:
            return False
        broadcast.refresh_from_db()
        audit.record(
            actor=audit.WORKER,
            action=AuditAction.CHANGED,
            object_type="lists.broadcast",
            object_ids=[broadcast.uuid],
            detail={"group": broadcast.group.slug, "state": "queued", "messages": broadcast.recipients},
        )
        live.publish(batch_progress.channel(broadcast.batch), batch_progress.EVENT, {"batch": broadcast.batch})
    return True


def do_resume_broadcasts(now: datetime | None = None) -> int:
    """Give each enqueue whose run stopped beating (STALLED_AFTER) to a new run, from its cursor; how many.

    A run killed half-way, or a hand-over to the job queue that was lost, leaves the broadcast
    enqueuing with an old heartbeat. The take-over is a conditional update on the old runner: one
    caller wins, and the old run, were it alive after all, finds itself replaced at its next chunk.
    """
    now = now or timezone.now()
    stalled = Broadcast.objects.filter(enqueuing=True, state__in=GOING, enqueue_beat__lt=now - STALLED_AFTER)
    resumed = 0
    for broadcast in stalled.order_by("pk"):
        runner = uuid.uuid4()
        with transaction.atomic():
            if Broadcast.objects.filter(
                pk=broadcast.pk, enqueuing=True, enqueue_runner=broadcast.enqueue_runner
            ).update(enqueue_runner=runner, enqueue_beat=now):
                transaction.on_commit(partial(start_enqueue, broadcast.uuid, runner))
                resumed += 1
    return resumed


def do_cancel_broadcast(broadcast: Broadcast, *, by: User) -> int:
    """Stop a scheduled broadcast, or what has not left yet of one being sent. Returns how many were cancelled."""
    with transaction.atomic():
        stoppable = [BroadcastState.SCHEDULED, BroadcastState.SENDING]
        if not Broadcast.objects.filter(pk=broadcast.pk, state__in=stoppable).update(
            state=BroadcastState.CANCELLED, finished_at=timezone.now(), enqueuing=False
        ):
            return 0
        cancelled = messaging.cancel_batch(broadcast.batch)
        audit.record(
            actor=str(by.uuid),
            role="coordinator",
            action=AuditAction.CHANGED,
            object_type="lists.broadcast",
            object_ids=[broadcast.uuid],
            detail={"group": broadcast.group.slug, "state": "cancelled", "messages": cancelled},
        )
    broadcast.refresh_from_db()
    return cancelled


def do_forget_broadcasts(uuids: list[str]) -> int:
    """Delete these broadcasts for good (a purged incident's wide alerts); their messages are the caller's to forget.

    In the caller's transaction. Returns how many went.
    """
    deleted, _by_model = Broadcast.objects.filter(uuid__in=uuids).delete()
    return deleted


SETTLED = "settled"  # the live event on a broadcast's batch channel once its report is kept


def do_settle_broadcasts(group: WorkingGroup | None = None) -> int:
    """Settle the broadcasts that have gone out (see do_settle_broadcast), the group's or everyone's; how many now.

    Every minute the periodic job (lists.tasks.settle_broadcasts) settles everyone's, without a
    page being viewed; a group's page settles its own as it shows them, so what it shows is current.
    """
    going = Broadcast.objects.filter(
        report={},
        enqueuing=False,
        state__in=[BroadcastState.SENDING, BroadcastState.SCHEDULED, BroadcastState.CANCELLED],
    ).exclude(state=BroadcastState.SCHEDULED, scheduled_for__gt=timezone.now())
    if group is not None:
        going = going.filter(group=group)
    candidates = list(going.order_by("pk"))
    waiting = messaging.batches_waiting([broadcast.batch for broadcast in candidates])  # one query, not one each
    return sum(do_settle_broadcast(broadcast) for broadcast in candidates if broadcast.batch not in waiting)


def do_settle_broadcast(broadcast: Broadcast) -> bool:
    """Once nothing of it waits in the outbox: a sending broadcast is sent, and its counts are kept as its report.

    Nothing waits once each of its messages reached a final state (sent, delivered, failed, bounced,
    cancelled, dead); a held message still waits. Idempotent (a conditional update): the periodic job
    and the pages that show progress call it alike. True if it settled now; then its live pages hear
    SETTLED on the batch's channel, after the commit.
    """
    if (
        broadcast.report
        or broadcast.enqueuing
        or broadcast.state
        not in (
            BroadcastState.SENDING,
            BroadcastState.SCHEDULED,
            BroadcastState.CANCELLED,
        )
    ):
        return False
    if (
        broadcast.state == BroadcastState.SCHEDULED
        and broadcast.scheduled_for
        and broadcast.scheduled_for > timezone.now()
    ):
        return False
    progress = broadcast_progress(broadcast)
    if progress.queued:  # not enqueuing: every message it will have is in the outbox
        return False
    report = {"rows": report_rows(broadcast)}
    now = timezone.now()
    if broadcast.state == BroadcastState.CANCELLED:
        changed = Broadcast.objects.filter(pk=broadcast.pk, state=BroadcastState.CANCELLED, report={}).update(
            report=report
        )
    else:
        changed = Broadcast.objects.filter(pk=broadcast.pk, state=broadcast.state).update(
            state=BroadcastState.SENT, report=report, finished_at=now
        )
    if changed:
        live.publish(batch_progress.channel(broadcast.batch), SETTLED, {"batch": broadcast.batch})
    broadcast.refresh_from_db()
    return bool(changed)


# The preview.


@dataclass(frozen=True)
class SmsPreview:
    language: str
    text: str
    characters: int
    segments: int
    encoding: str
    friendlier: str  # the same text without the accents GSM-7 lacks, when that makes it GSM-7; else ""
    friendlier_segments: int


@dataclass(frozen=True)
class EmailPreview:
    language: str
    subject: str
    body: str


@dataclass(frozen=True)
class Preview:
    counts: dict[str, int]
    emails: list[EmailPreview]
    texts: list[SmsPreview]
    sms_minutes: int | None  # None: SMS not configured


def preview(broadcast: Broadcast) -> Preview:
    """What each channel and language will get, how long an SMS is, and how long SMS takes to reach everyone."""
    counts = expected_counts(broadcast)
    sample, sample_page = absolute("/…/unsubscribe/…"), absolute("/…/subscriptions/…")
    emails = []
    texts = []
    lists = list(broadcast.lists.all())
    for language in broadcast.languages:
        names = ", ".join(text_of(item, "name", language) for item in lists)
        if Channel.EMAIL in broadcast.channels:
            emails.append(
                EmailPreview(
                    language, broadcast.subject(language), email_body(broadcast, language, names, sample, sample_page)
                )
            )
        if Channel.SMS in broadcast.channels:
            body = sms_body(broadcast, language)
            friendly = sms_text.gsm_friendly(body)
            helps = sms_text.encoding(body) == "UCS-2" and sms_text.encoding(friendly) == "GSM-7"
            texts.append(
                SmsPreview(
                    language=language,
                    text=body,
                    characters=len(body),
                    segments=sms_text.segments(body),
                    encoding=sms_text.encoding(body),
                    friendlier=friendly if helps else "",
                    friendlier_segments=sms_text.segments(friendly) if helps else 0,
                )
            )
    return Preview(counts, emails, texts, sms_minutes(counts.get(Channel.SMS, 0)))
