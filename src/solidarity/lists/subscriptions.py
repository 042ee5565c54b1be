"""Subscriptions: sign-up with double opt-in, confirming, unsubscribing, and the SMS texts JOIN and CONFIRM.

Invariants:
- One subscription per list, channel and address: sign-ups to one list are serialised on the
  list's row, and an address is found through its blind index (it cannot be a unique key).
- Signing up answers the same whatever the address's state, and never confirms anything:
  only the link's button (email) or a text from the number (SMS) does.
- Messages go through messaging's outbox in the caller's transaction; their idempotency keys
  carry uuids only.
- Subscriptions change state by conditional updates: a double click or a stale page changes nothing.
"""

import hashlib
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass
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

from solidarity.core import audit
from solidarity.core.bilingual import in_order, text_of
from solidarity.core.codes import make_code
from solidarity.core.fields import find_by_index
from solidarity.core.models import AuditAction, Zone
from solidarity.core.services import get_network_settings
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState, Subscription, SubscriptionState
from solidarity.messaging import address_keys, mail
from solidarity.messaging import services as messaging
from solidarity.messaging.keywords import Handled, InboundContext, NotMine, Outcome, Parsed, Reply
from solidarity.messaging.models import Channel
from solidarity.messaging.openpgp import KeyCheck

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
    announcement_list: AnnouncementList,
    channel: str,
    address: str,
    language: str,
    zone: Zone | None = None,
    *,
    key: KeyCheck | None = None,
) -> Subscription:
    """Someone asks to join a list: a new or lapsed subscription waits for confirmation, and is asked for it.

    Idempotent per address: a pending one is asked again (at most every CONFIRM_AGAIN_AFTER), a
    confirmed one changes nothing. The caller answers the same in every case. `zone`: one of the
    list's zones, or None. `key` (email only): an OpenPGP key offered with the sign-up, proposed
    for the address (messaging.address_keys: it takes effect only through the link inside an
    email encrypted to it; at most one such email per address every few minutes, whatever the
    address's state, so the form still answers alike).
    Lock: the list's row, so two sign-ups of one address cannot make two rows.
    """
    subscription = subscribe(announcement_list, channel, address, language, zone)
    if key is not None and channel == Channel.EMAIL:
        address_keys.do_propose_openpgp_key(address, key, language=subscription.language, throttle=True)
    return subscription


def subscribe(
    announcement_list: AnnouncementList, channel: str, address: str, language: str, zone: Zone | None
) -> Subscription:
    if channel not in announcement_list.channels:
        raise ValueError(f"this list is not sent by {channel}")
    if zone is not None and not announcement_list.zones.filter(pk=zone.pk).exists():
        raise ValueError("this list does not offer this zone")
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
        context = {
            "list": text_of(announcement_list, "name", language),
            "network": network,
            "link": url_in(language, "lists:confirm", token),
        }
        with translation.override(language):
            subject = render_to_string("lists/email/confirm_subject.txt", context).strip()
            body = render_to_string("lists/email/confirm_body.txt", context)
        content = mail.email_content(to=to, subject=subject, text=body, language=language)
    else:
        with translation.override(language):
            # Translators: SMS, one segment. Keep the keyword CONFIRMAR and the code together.
            text = _("%(network)s: to get texts from %(list)s, reply CONFIRM %(code)s. If it was not you, ignore this.")
        content = {
            "text": text
            % {
                "network": network,
                "list": text_of(announcement_list, "name", language),
                "code": subscription.confirm_code,
            }
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
                messaging.cancel(broadcast.message_key(subscription))
            record(actor, AuditAction.CHANGED, subscription, "unsubscribed")
    subscription.refresh_from_db(fields=["state", "unsubscribed_at", "confirm_token_hash"])
    return bool(changed)


def is_active(subscription: Subscription) -> bool:
    return subscription.state in (SubscriptionState.PENDING, SubscriptionState.CONFIRMED)


def do_give_key(subscription: Subscription, key: KeyCheck) -> bool:
    """The subscriber gives (or replaces) their OpenPGP key on their page: it is proposed, and proved by email.

    Nothing changes until the link inside the email encrypted to `key` is followed (see
    messaging.address_keys). False for an SMS subscription or one that ended: its old link no
    longer speaks for the address.
    """
    if subscription.channel != Channel.EMAIL or not is_active(subscription):
        return False
    address_keys.do_propose_openpgp_key(str(subscription.address), key, language=subscription.language)
    return True


def do_remove_key(subscription: Subscription) -> bool:
    """The subscriber turns encryption off on their page; a plain email says so. False if there was no key."""
    if subscription.channel != Channel.EMAIL or not is_active(subscription):
        return False
    return address_keys.do_remove_openpgp_key(str(subscription.address), language=subscription.language)


def subscriptions_of_address(subscription: Subscription) -> list[Subscription]:
    """Every list the subscription's address is on (pending or confirmed), on its channel, by list name."""
    found: list[Subscription] = find_by_index(
        Subscription.objects.filter(
            channel=subscription.channel, state__in=[SubscriptionState.PENDING, SubscriptionState.CONFIRMED]
        ).select_related("announcement_list"),
        "address_index",
        str(subscription.address),
    )
    return sorted(found, key=lambda item: text_of(item.announcement_list, "name").lower())


def page_link(subscription: Subscription) -> str:
    """The subscription's own page, in its language: the link every list email carries."""
    return url_in(subscription.language, "lists:subscription", unsubscribe_token(subscription))


def record(actor: str, action: AuditAction, subscription: Subscription, state: str) -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="lists.subscription",
        object_ids=[subscription.uuid],
        detail={"list": subscription.announcement_list.slug, "channel": subscription.channel, "state": state},
    )


@dataclass(frozen=True)
class ZoneCount:
    zone: Zone | None  # None: no zone given
    count: int


@dataclass(frozen=True)
class SubscriberCounts:
    channel: dict[str, int]
    zones: list[ZoneCount]  # the list's zones (0 included), then zones it no longer offers, then none given


def subscriber_counts(announcement_list: AnnouncementList, *, by_zone: bool = True) -> SubscriberCounts:
    """Confirmed subscriptions by channel and, unless `by_zone` is False, by zone: counts, never addresses."""
    rows = (
        Subscription.objects.filter(announcement_list=announcement_list, state=SubscriptionState.CONFIRMED)
        .values("channel", "zone")
        .annotate(count=Count("pk"))
    )
    by_channel: Counter[str] = Counter()
    held: Counter[int | None] = Counter()
    for row in rows:
        by_channel[row["channel"]] += row["count"]
        held[row["zone"]] += row["count"]
    if not by_zone:
        return SubscriberCounts(dict(by_channel), [])
    offered = list(announcement_list.zones.order_by(in_order("name"), "slug"))
    others = Zone.objects.filter(pk__in=[pk for pk in held if pk is not None]).exclude(
        pk__in=[zone.pk for zone in offered]
    )
    zones = [ZoneCount(zone, held[zone.pk]) for zone in [*offered, *others.order_by(in_order("name"), "slug")]]
    if zones and held[None]:  # a list without zones has no zone to count
        zones.append(ZoneCount(None, held[None]))
    return SubscriberCounts(dict(by_channel), zones)


def with_subscriber_counts(lists: QuerySet[AnnouncementList]) -> QuerySet[AnnouncementList]:
    """The lists, each with its confirmed subscribers by channel (`confirmed_by_channel`), in the same one query."""
    confirmed = Q(subscriptions__state=SubscriptionState.CONFIRMED)
    return lists.annotate(
        **{
            f"confirmed_{channel}": Count("subscriptions", filter=confirmed & Q(subscriptions__channel=channel))
            for channel in Channel.values
        }
    )


def confirmed_by_channel(announcement_list: AnnouncementList) -> dict[str, int]:
    """{channel: confirmed subscribers}, every channel named: from with_subscriber_counts, or looked up now."""
    if all(hasattr(announcement_list, f"confirmed_{channel}") for channel in Channel.values):
        return {channel: int(getattr(announcement_list, f"confirmed_{channel}")) for channel in Channel.values}
    counted = subscriber_counts(announcement_list, by_zone=False).channel
    return {channel: counted.get(channel, 0) for channel in Channel.values}


def public_count(announcement_list: AnnouncementList) -> int | None:
    """How many are subscribed, for the sign-up page: only when the list shows it."""
    if not announcement_list.shows_count:
        return None
    return Subscription.objects.filter(announcement_list=announcement_list, state=SubscriptionState.CONFIRMED).count()


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
        found = AnnouncementList.objects.filter(
            keyword=parsed.argument, has_sms=True, group__archived_at__isnull=True
        ).first()
        if found is None:
            # Translators: SMS, one segment.
            text = _("%(network)s: we found no list called %(keyword)s. Check the word and try again.")
            return Handled(Reply(text % {"network": network, "keyword": parsed.argument}))
        do_join_by_sms(found, context.sender, language)
        return Handled(Reply(subscribed_text(network, text_of(found, "name", language))))


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
        return confirm_now(announcement_list, Channel.SMS, sender, language, found=found, actor=audit.PUBLIC)


def confirm_now(
    announcement_list: AnnouncementList,
    channel: str,
    address: str,
    language: str,
    *,
    found: Subscription | None,
    actor: str,
) -> Subscription:
    """The address confirmed on the list now, with no confirmation asked (it asked itself, or consented where it
    signed up): `found`, its subscription if it has one, or a new one. In the caller's transaction; audited."""
    subscription = found or Subscription(
        announcement_list=announcement_list, channel=channel, address=messaging.normalise(channel, address)
    )
    now = timezone.now()
    subscription.language = language
    subscription.state = SubscriptionState.CONFIRMED
    subscription.asked_at = subscription.asked_at or now
    subscription.confirmed_at = now
    subscription.unsubscribed_at = None
    subscription.confirm_code = ""
    subscription.confirm_token_hash = ""
    subscription.save()
    record(actor, AuditAction.CHANGED if found else AuditAction.CREATED, subscription, "confirmed")
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
    if not matching:
        return NotMine()  # another part's code, or none at all: messaging's CONFIRM asks the next one
    with translation.override(language):
        for subscription in matching:
            do_confirm(subscription)
        names = ", ".join(text_of(s.announcement_list, "name", language) for s in matching)
        return Handled(Reply(subscribed_text(network, names)))
