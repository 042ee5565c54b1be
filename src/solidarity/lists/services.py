"""Lists own sign-up with double opt-in, unsubscribing, and broadcasts: compose, send, progress, report.

Invariants:
- One subscription per list, channel and address: sign-ups to one list are serialised on the
  list's row, and an address is found through its blind index (it cannot be a unique key).
- Signing up answers the same whatever the address's state, and never confirms anything:
  only the link's button (email) or a text from the number (SMS) does.
- Messages go through messaging's outbox in the caller's transaction; their idempotency keys
  carry uuids only. A broadcast's messages share one batch, `lists.broadcast:<uuid>`.
- Broadcasts and subscriptions change state by conditional updates: a double click, a second
  worker or a stale page changes nothing.
"""

import hashlib
import math
import secrets
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit, live
from solidarity.core.codes import make_code
from solidarity.core.fields import find_by_index
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState, Subscription, SubscriptionState
from solidarity.messaging import mail, reasons
from solidarity.messaging import progress as batch_progress
from solidarity.messaging import services as messaging
from solidarity.messaging.keywords import Handled, InboundContext, NotMine, Outcome, Parsed, Reply
from solidarity.messaging.models import Channel, State
from solidarity.messaging.priority import Priority
from solidarity.messaging.sms import text as sms_text
from solidarity.messaging.sms_settings import configured_backends

CONFIRM_AGAIN_AFTER = timedelta(minutes=5)  # a pending sign-up asks again at most this often: no mail bombing
UNSUBSCRIBE_SALT = "solidarity.lists.unsubscribe"
LANGUAGES = ("en", "es")


def digest(secret: str) -> str:
    # The token is 256 random bits: a plain hash is enough, no slow KDF needed.
    return hashlib.sha256(secret.encode()).hexdigest()


def absolute(path: str) -> str:
    return str(settings.BASE_URL).rstrip("/") + path


def url_in(language: str, name: str, *args: Any) -> str:
    with translation.override(language):
        return absolute(reverse(name, args=args))


# Subscriptions.


def find_subscription(announcement_list: AnnouncementList, channel: str, address: str) -> Subscription | None:
    """This address's subscription to the list on this channel, whatever its state."""
    candidates = Subscription.objects.filter(announcement_list=announcement_list, channel=channel).order_by("pk")
    found: list[Subscription] = find_by_index(candidates, "address_index", messaging.normalise(channel, address))
    return found[0] if found else None


def unsubscribe_token(subscription: Subscription) -> str:
    """A signature of the subscription's uuid: nothing to store, and every past email's link keeps working."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT, sep=".").sign(subscription.uuid.hex)


def subscription_uuid_from(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(hex=signing.Signer(salt=UNSUBSCRIBE_SALT, sep=".").unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def do_subscribe(
    announcement_list: AnnouncementList, channel: str, address: str, language: str, zone: str = ""
) -> Subscription:
    """Someone asks to join a list: a new or lapsed subscription waits for confirmation, and is asked for it.

    Idempotent per address: a pending one is asked again (at most every CONFIRM_AGAIN_AFTER), a
    confirmed one changes nothing. The caller answers the same in every case.
    Lock: the list's row, so two sign-ups of one address cannot make two rows.
    """
    if channel not in announcement_list.channels:
        raise ValueError(f"this list is not sent by {channel}")
    with transaction.atomic():
        AnnouncementList.objects.select_for_update().filter(pk=announcement_list.pk).first()
        now = timezone.now()
        found = find_subscription(announcement_list, channel, address)
        if found is not None and found.state == SubscriptionState.CONFIRMED:
            return found
        if found is not None and found.state == SubscriptionState.PENDING and is_recent(found.asked_at, now):
            return found
        subscription = found or Subscription(
            announcement_list=announcement_list, channel=channel, address=messaging.normalise(channel, address)
        )
        subscription.language = language if language in LANGUAGES else settings.LANGUAGE_CODE
        subscription.zone = zone
        subscription.state = SubscriptionState.PENDING
        subscription.asked_at = now
        subscription.unsubscribed_at = None
        token = secrets.token_urlsafe(32)
        subscription.confirm_token_hash = digest(token) if channel == Channel.EMAIL else ""
        subscription.confirm_code = make_code() if channel == Channel.SMS else ""
        subscription.save()
        ask_to_confirm(subscription, token)
        record(audit.PUBLIC, AuditAction.CHANGED if found else AuditAction.CREATED, subscription, "pending")
    return subscription


def is_recent(asked_at: datetime | None, now: datetime) -> bool:
    return asked_at is not None and asked_at > now - CONFIRM_AGAIN_AFTER


def ask_to_confirm(subscription: Subscription, token: str) -> None:
    """The one message sent before a confirmation: a link by email, a code by SMS."""
    announcement_list = subscription.announcement_list
    language = subscription.language
    network = get_network_settings().name
    key = f"lists.confirm:{subscription.uuid}:{uuid.uuid4().hex}"  # each request is a message of its own
    to = str(subscription.address)
    if subscription.channel == Channel.EMAIL:
        context = {"list": announcement_list.name, "network": network, "link": url_in(language, "lists:confirm", token)}
        with translation.override(language):
            subject = render_to_string("lists/email/confirm_subject.txt", context).strip()
            body = render_to_string("lists/email/confirm_body.txt", context)
        content = mail.email_content(to=to, subject=subject, text=body, language=language)
    else:
        with translation.override(language):
            # Translators: SMS, one segment. Keep the keyword CONFIRMAR and the code together.
            text = _("%(network)s: to get texts from %(list)s, reply CONFIRM %(code)s. If it was not you, ignore this.")
        content = {
            "text": text % {"network": network, "list": announcement_list.name, "code": subscription.confirm_code}
        }
    messaging.enqueue(messaging.Outgoing(subscription.channel, to, content, idempotency_key=key, language=language))


def do_confirm(subscription: Subscription, *, actor: str = audit.PUBLIC) -> bool:
    """A pending subscription is confirmed (the link's button, or CONFIRM and its code). False if it was not pending."""
    with transaction.atomic():
        changed = Subscription.objects.filter(pk=subscription.pk, state=SubscriptionState.PENDING).update(
            state=SubscriptionState.CONFIRMED, confirmed_at=timezone.now(), confirm_code=""
        )
        if changed:
            record(actor, AuditAction.CHANGED, subscription, "confirmed")
    subscription.refresh_from_db(fields=["state", "confirmed_at", "confirm_code"])
    return bool(changed)


def do_unsubscribe(subscription: Subscription, *, actor: str = audit.PUBLIC) -> bool:
    """Leave the list in one step; what still waits for this subscription is cancelled. False if already gone.

    The confirmation link stops working too: an old email cannot sign the address up again.
    """
    with transaction.atomic():
        changed = Subscription.objects.filter(
            pk=subscription.pk, state__in=[SubscriptionState.PENDING, SubscriptionState.CONFIRMED]
        ).update(
            state=SubscriptionState.UNSUBSCRIBED, unsubscribed_at=timezone.now(), confirm_token_hash="", confirm_code=""
        )
        if changed:
            waiting = Broadcast.objects.filter(
                lists=subscription.announcement_list_id, state__in=[BroadcastState.SCHEDULED, BroadcastState.SENDING]
            )
            for broadcast in waiting:
                messaging.cancel(message_key(broadcast, subscription))
            record(actor, AuditAction.CHANGED, subscription, "unsubscribed")
    subscription.refresh_from_db(fields=["state", "unsubscribed_at", "confirm_token_hash"])
    return bool(changed)


def record(actor: str, action: AuditAction, subscription: Subscription, state: str) -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="lists.subscription",
        object_ids=[subscription.uuid],
        detail={"list": subscription.announcement_list.slug, "channel": subscription.channel, "state": state},
    )


def subscriber_counts(announcement_list: AnnouncementList) -> dict[str, dict[str, int]]:
    """Confirmed subscriptions by channel and by zone ("" when none was given): counts, never addresses."""
    rows = (
        Subscription.objects.filter(announcement_list=announcement_list, state=SubscriptionState.CONFIRMED)
        .values("channel", "zone")
        .annotate(count=Count("pk"))
    )
    by_channel: Counter[str] = Counter()
    by_zone: Counter[str] = Counter()
    for row in rows:
        by_channel[row["channel"]] += row["count"]
        by_zone[row["zone"]] += row["count"]
    return {"channel": dict(by_channel), "zone": dict(by_zone)}


def public_count(announcement_list: AnnouncementList) -> int | None:
    """How many are subscribed, for the sign-up page: only when the list shows it."""
    if not announcement_list.shows_count:
        return None
    return Subscription.objects.filter(announcement_list=announcement_list, state=SubscriptionState.CONFIRMED).count()


# Lists.


@dataclass(frozen=True)
class ListValues:
    name: str
    slug: str
    description: str
    has_email: bool
    has_sms: bool
    keyword: str
    is_public: bool
    shows_count: bool
    zones: list[str]


def do_save_list(
    group: WorkingGroup, values: ListValues, *, by: User, announcement_list: AnnouncementList | None = None
) -> AnnouncementList:
    """Create a list for the group, or change one of its lists."""
    with transaction.atomic():
        saved = announcement_list or AnnouncementList(group=group)
        for name, value in vars(values).items():
            setattr(saved, name, value)
        saved.save()
        audit.record(
            actor=str(by.uuid),
            role="coordinator",
            action=AuditAction.CHANGED if announcement_list else AuditAction.CREATED,
            object_type="lists.list",
            object_ids=[saved.uuid],
            detail={"group": group.slug},
        )
    return saved


# Texts to the network: JOIN and CONFIRM (registered in ListsConfig.ready).


def reply_language(context: InboundContext, parsed: Parsed) -> str:
    language = parsed.language or context.language
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def answer_join(context: InboundContext, parsed: Parsed) -> Outcome:
    """JOIN / UNIRSE and a list's keyword: subscribed and confirmed at once.

    The text came from the number, which is what a confirmation would prove; asking for a second
    text would cost the subscriber another message and lose many of them on the way.
    """
    language = reply_language(context, parsed)
    network = get_network_settings().name
    with translation.override(language):
        if not parsed.argument:
            # Translators: SMS, one segment. Keyword: UNIRSE.
            text = _("%(network)s: to join a list, text JOIN and the list's word.")
            return Handled(Reply(text % {"network": network}))
        found = AnnouncementList.objects.filter(keyword=parsed.argument, has_sms=True).first()
        if found is None:
            # Translators: SMS, one segment.
            text = _("%(network)s: we found no list called %(keyword)s. Check the word and try again.")
            return Handled(Reply(text % {"network": network, "keyword": parsed.argument}))
        do_join_by_sms(found, context.sender, language)
        return Handled(Reply(subscribed_text(network, found.name)))


def subscribed_text(network: str, list_name: str) -> str:
    # Translators: SMS, one segment. Keyword: ALTO.
    text = _("%(network)s: you will get the texts of %(list)s. Text STOP to stop all messages.")
    return text % {"network": network, "list": list_name}


def do_join_by_sms(announcement_list: AnnouncementList, sender: str, language: str) -> Subscription:
    """A number texted JOIN: its subscription is confirmed now. The number is opted back in: it asked."""
    with transaction.atomic():
        AnnouncementList.objects.select_for_update().filter(pk=announcement_list.pk).first()
        messaging.do_opt_in(Channel.SMS, sender)
        found = find_subscription(announcement_list, Channel.SMS, sender)
        if found is not None and found.state == SubscriptionState.CONFIRMED:
            return found
        subscription = found or Subscription(
            announcement_list=announcement_list, channel=Channel.SMS, address=messaging.normalise(Channel.SMS, sender)
        )
        now = timezone.now()
        subscription.language = language
        subscription.state = SubscriptionState.CONFIRMED
        subscription.asked_at = subscription.asked_at or now
        subscription.confirmed_at = now
        subscription.unsubscribed_at = None
        subscription.confirm_code = ""
        subscription.save()
        record(audit.PUBLIC, AuditAction.CHANGED if found else AuditAction.CREATED, subscription, "confirmed")
    return subscription


def answer_confirm(context: InboundContext, parsed: Parsed) -> Outcome:
    """CONFIRM / CONFIRMAR and the code a web sign-up was sent: those pending subscriptions are confirmed."""
    pending: list[Subscription] = find_by_index(
        Subscription.objects.filter(channel=Channel.SMS, state=SubscriptionState.PENDING).select_related(
            "announcement_list"
        ),
        "address_index",
        context.sender,
    )
    language = reply_language(context, parsed)
    network = get_network_settings().name
    matching = [
        subscription for subscription in pending if parsed.argument and subscription.confirm_code == parsed.argument
    ]
    with translation.override(language):
        if not matching:
            if not pending and not parsed.argument:
                return NotMine()  # a bare CONFIRM with nothing to confirm: a person reads it
            # Translators: SMS, one segment. Keyword: CONFIRMAR.
            text = _("%(network)s: that code matches no sign-up of this number. Text CONFIRM and the code we sent.")
            return Handled(Reply(text % {"network": network}))
        for subscription in matching:
            do_confirm(subscription)
        return Handled(Reply(subscribed_text(network, ", ".join(s.announcement_list.name for s in matching))))


# Broadcasts.


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
    zones: list[str] = field(default_factory=list)
    scheduled_for: datetime | None = None


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
        for name in ("subject_en", "subject_es", "text_en", "text_es", "one_language", "channels", "zones"):
            setattr(saved, name, getattr(draft, name))
        saved.scheduled_for = draft.scheduled_for
        saved.save()
        saved.lists.set(draft.lists)
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


def message_key(broadcast: Broadcast, subscription: Subscription) -> str:
    return f"{broadcast.batch}:{subscription.uuid}:{subscription.channel}"


def audience(broadcast: Broadcast) -> "QuerySet[Subscription]":
    """Confirmed subscriptions of its lists, on its channels (and on the channels each list still has), in its zones."""
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
    if broadcast.zones:  # those who gave no zone get it too: better a message too many than a neighbour missed
        found = found.filter(Q(zone__in=broadcast.zones) | Q(zone=""))
    return found.select_related("announcement_list").order_by("pk")


def recipients(broadcast: Broadcast) -> list[Subscription]:
    """One subscription per address and channel, even for someone on several of the lists."""
    seen: set[tuple[str, str]] = set()
    chosen = []
    for subscription in audience(broadcast):
        key = (subscription.channel, str(subscription.address))
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


def email_body(broadcast: Broadcast, language: str, list_name: str, link: str) -> str:
    with translation.override(language):
        return render_to_string(
            "lists/email/broadcast.txt",
            {
                "text": broadcast.text(language),
                "list": list_name,
                "network": get_network_settings().name,
                "link": link,
            },
        )


def sms_body(broadcast: Broadcast, language: str) -> str:
    with translation.override(language):
        # Translators: appended to every SMS broadcast; keep it short and without á, í, ó, ú. Keyword: ALTO.
        footer = _("%(network)s: text STOP to stop.") % {"network": get_network_settings().name}
    return f"{broadcast.text(language).strip()}\n\n{footer}"


Templates = dict[tuple[str, int], mail.EmailTemplate]


def email_template(broadcast: Broadcast, language: str, announcement_list: AnnouncementList) -> mail.EmailTemplate:
    """The broadcast's email in one language for one list's subscribers, built once (see mail.EmailTemplate)."""
    link = mail.slot("link")
    host = str(settings.BASE_URL).split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return mail.EmailTemplate(
        subject=broadcast.subject(language),
        text=email_body(broadcast, language, announcement_list.name, link),
        language=language,
        # RFC 2369 and RFC 8058: mail programs offer a button that unsubscribes in one step.
        raw_headers={
            "List-Id": f"<{announcement_list.slug}.lists.{host}>",
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        slots=("link",),
    )


def outgoing(broadcast: Broadcast, subscription: Subscription, templates: Templates) -> messaging.Outgoing:
    """One subscriber's message; `templates` keeps the emails already built for this broadcast."""
    language = broadcast.one_language or subscription.language
    to = str(subscription.address)
    if subscription.channel == Channel.EMAIL:
        key = (language, subscription.announcement_list_id)
        if key not in templates:
            templates[key] = email_template(broadcast, language, subscription.announcement_list)
        link = url_in(subscription.language, "lists:unsubscribe", unsubscribe_token(subscription))
        content = templates[key].content(to, link=link)
    else:
        content = {"text": sms_body(broadcast, language)}
    return messaging.Outgoing(
        channel=subscription.channel,
        to=to,
        content=content,
        idempotency_key=message_key(broadcast, subscription),
        language=language,
        priority=Priority.ANNOUNCEMENT,
        batch=broadcast.batch,
    )


def do_send_broadcast(broadcast: Broadcast, *, by: User) -> int:
    """Hand a draft to the outbox: now, or at its scheduled time (the messages wait with `send_after`).

    Claims the draft with a conditional update: a second click finds it sent and sends nothing
    (BroadcastNotDraft). Returns how many messages were queued. The audience is fixed now: someone
    who unsubscribes before a scheduled time has their message cancelled (do_unsubscribe).
    """
    with transaction.atomic():
        now = timezone.now()
        later = broadcast.scheduled_for is not None and broadcast.scheduled_for > now
        state = BroadcastState.SCHEDULED if later else BroadcastState.SENDING
        if not Broadcast.objects.filter(pk=broadcast.pk, state=BroadcastState.DRAFT).update(state=state, sent_at=now):
            raise BroadcastNotDraft
        sms = sms_per_minute() > 0  # without an SMS service, texts would wait for ever: none is queued
        templates: Templates = {}
        items = [
            outgoing(broadcast, subscription, templates)
            for subscription in recipients(broadcast)
            if sms or subscription.channel != Channel.SMS
        ]
        messaging.enqueue_many(items, send_after=broadcast.scheduled_for if later else None)
        Broadcast.objects.filter(pk=broadcast.pk).update(recipients=len(items))
        audit.record(
            actor=str(by.uuid),
            role="coordinator",
            action=AuditAction.CHANGED,
            object_type="lists.broadcast",
            object_ids=[broadcast.uuid],
            detail={"group": broadcast.group.slug, "state": state, "messages": len(items)},
        )
    broadcast.refresh_from_db()
    return len(items)


def do_cancel_broadcast(broadcast: Broadcast, *, by: User) -> int:
    """Stop a scheduled broadcast, or what has not left yet of one being sent. Returns how many were cancelled."""
    with transaction.atomic():
        stoppable = [BroadcastState.SCHEDULED, BroadcastState.SENDING]
        if not Broadcast.objects.filter(pk=broadcast.pk, state__in=stoppable).update(
            state=BroadcastState.CANCELLED, finished_at=timezone.now()
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


# Progress and report.

WAITING = (State.QUEUED, State.SENDING, State.HELD)
FAILED = (State.FAILED, State.BOUNCED, State.DEAD)


@dataclass(frozen=True)
class Progress:
    queued: int
    sent: int
    delivered: int
    failed: int
    cancelled: int

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.delivered + self.failed + self.cancelled

    @property
    def done(self) -> int:
        return self.total - self.queued

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)

    @classmethod
    def from_states(cls, counts: dict[str, int]) -> "Progress":
        return cls(
            queued=sum(counts.get(state, 0) for state in WAITING),
            sent=counts.get(State.SENT, 0),
            delivered=counts.get(State.DELIVERED, 0),
            failed=sum(counts.get(state, 0) for state in FAILED),
            cancelled=counts.get(State.CANCELLED, 0),
        )


def broadcast_progress(broadcast: Broadcast) -> Progress:
    """Where its messages are, from the outbox (or from its report, once the outbox has forgotten them)."""
    if broadcast.report:
        counts: Counter[str] = Counter()
        for row in broadcast.report.get("rows", []):
            counts[row["state"]] += row["count"]
        return Progress.from_states(dict(counts))
    return Progress.from_states(messaging.batch_counts(broadcast.batch))


def report_rows(broadcast: Broadcast) -> list[dict[str, Any]]:
    if broadcast.report:
        return list(broadcast.report.get("rows", []))
    return [asdict(row) for row in messaging.batch_report(broadcast.batch)]


@dataclass(frozen=True)
class ReasonCount:
    slug: str
    text: str
    count: int


@dataclass(frozen=True)
class Report:
    progress: Progress
    by_channel: dict[str, Progress]
    reasons: list[ReasonCount]  # why messages failed or were cancelled, most frequent first


def broadcast_report(broadcast: Broadcast) -> Report:
    rows = report_rows(broadcast)
    per_channel: dict[str, Counter[str]] = {}
    why: Counter[str] = Counter()
    for row in rows:
        per_channel.setdefault(row["channel"], Counter())[row["state"]] += row["count"]
        if row["state"] in (*FAILED, State.CANCELLED) and row["reason"]:
            why[row["reason"]] += row["count"]
    everything: Counter[str] = Counter()
    for counts in per_channel.values():
        everything.update(counts)
    return Report(
        progress=Progress.from_states(dict(everything)),
        by_channel={channel: Progress.from_states(dict(counts)) for channel, counts in sorted(per_channel.items())},
        reasons=[ReasonCount(slug, str(reasons.explain(slug).text), count) for slug, count in why.most_common()],
    )


SETTLED = "settled"  # the live event on a broadcast's batch channel once its report is kept


def do_settle_broadcasts(group: WorkingGroup | None = None) -> int:
    """Settle the broadcasts that have gone out (see do_settle_broadcast), the group's or everyone's; how many now.

    Every minute the periodic job (lists.tasks.settle_broadcasts) settles everyone's, without a
    page being viewed; a group's page settles its own as it shows them, so what it shows is current.
    """
    going = Broadcast.objects.filter(
        report={}, state__in=[BroadcastState.SENDING, BroadcastState.SCHEDULED, BroadcastState.CANCELLED]
    ).exclude(state=BroadcastState.SCHEDULED, scheduled_for__gt=timezone.now())
    if group is not None:
        going = going.filter(group=group)
    return sum(do_settle_broadcast(broadcast) for broadcast in going.order_by("pk"))


def do_settle_broadcast(broadcast: Broadcast) -> bool:
    """Once nothing of it waits in the outbox: a sending broadcast is sent, and its counts are kept as its report.

    Nothing waits once each of its messages reached a final state (sent, delivered, failed, bounced,
    cancelled, dead); a held message still waits. Idempotent (a conditional update): the periodic job
    and the pages that show progress call it alike. True if it settled now; then its live pages hear
    SETTLED on the batch's channel, after the commit.
    """
    if broadcast.report or broadcast.state not in (
        BroadcastState.SENDING,
        BroadcastState.SCHEDULED,
        BroadcastState.CANCELLED,
    ):
        return False
    if (
        broadcast.state == BroadcastState.SCHEDULED
        and broadcast.scheduled_for
        and broadcast.scheduled_for > timezone.now()
    ):
        return False
    progress = broadcast_progress(broadcast)
    if progress.queued:  # its messages were enqueued with it, in one transaction: none is missing
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
    sample = absolute("/…/unsubscribe/…")
    emails = []
    texts = []
    names = ", ".join(item.name for item in broadcast.lists.all())
    for language in broadcast.languages:
        if Channel.EMAIL in broadcast.channels:
            emails.append(
                EmailPreview(language, broadcast.subject(language), email_body(broadcast, language, names, sample))
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
