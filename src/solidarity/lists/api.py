"""A working group's announcement lists and broadcasts, for its coordinators: what the pages do, for scripts.

A list is addressed by its slug (`/lists/{list_slug}`), a broadcast by its uuid
(`/broadcasts/{broadcast}`); both exist only for the coordinators of the group that owns them
(404 for anyone else). Input goes through the pages' own forms, so a script is refused as a person
is, in the caller's language; state changes call the services the pages' buttons call.
Subscribers' addresses are shown to nobody: counts only.
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, AwareDatetime

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.api import ApiError, ErrorOut, api_permission, form_errors
from solidarity.core.bilingual import text_of
from solidarity.core.permissions import Role, owner_role, role
from solidarity.core.public import limit
from solidarity.core.zones import NAME_LENGTH, SLUG_LENGTH
from solidarity.lists.access import (
    access_broadcast_scoped,
    access_list_scoped,
    access_lists_group,
    broadcasts_of,
    coordinated,
    lists_of,
    subscription_for_page,
)
from solidarity.lists.announcement_lists import MAX_ZONES, do_save_list
from solidarity.lists.broadcasts import (
    BroadcastNotDraft,
    do_cancel_broadcast,
    do_compose_broadcast,
    do_send_broadcast,
    do_settle_broadcast,
    do_settle_broadcasts,
    preview,
    sms_per_minute,
)
from solidarity.lists.forms import (
    MAX_EMAIL_TEXT,
    MAX_KEY_TEXT,
    TAKEN,
    BroadcastForm,
    ListForm,
    broadcast_data,
    key_notes,
    list_data,
)
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState, Subscription
from solidarity.lists.reports import Progress, broadcast_progress, broadcast_report, queuing
from solidarity.lists.subscriptions import (
    absolute,
    confirmed_by_channel,
    do_give_key,
    do_remove_key,
    is_active,
    subscriber_counts,
    with_subscriber_counts,
)
from solidarity.messaging.address_keys import key_state
from solidarity.messaging.models import Channel
from solidarity.messaging.openpgp import EXPIRES_SOON, KeyInfo, OpenPgpError, check_recipient_key

router = Router(tags=["lists"])

GROUP_COORDINATOR = role(Role.COORDINATOR, kwarg="slug")
LIST_COORDINATOR = owner_role(Role.COORDINATOR, access=access_list_scoped, kwarg="list_slug")
BROADCAST_COORDINATOR = owner_role(Role.COORDINATOR, access=access_broadcast_scoped, kwarg="broadcast")

MAX_LISTS = 100  # lists one broadcast goes to: more than a group keeps
MAX_BROADCAST_ZONES = 200

ChannelCode = Literal["email", "sms"]
Language = Literal["en", "es"]


def one_line(name: str) -> str:
    if len(name.splitlines()) > 1:
        raise ValueError("a zone's name is one line")
    return name


ZoneSlug = Annotated[str, Field(max_length=SLUG_LENGTH)]
ZoneName = Annotated[str, Field(max_length=NAME_LENGTH), AfterValidator(one_line)]
ListSlug = Annotated[str, Field(max_length=60)]

TAKEN_ANSWER = {"responses": {409: {"description": "Another list has this slug or this SMS keyword."}}}
NOT_A_DRAFT = {"responses": {409: {"description": "The broadcast is no longer a draft."}}}
NOT_GOING_OUT = {"responses": {409: {"description": "The broadcast is neither scheduled nor being sent."}}}


# What goes out.


class ListOut(Schema):
    id: UUID = Field(alias="uuid")
    slug: str = Field(description="Its short name: the sign-up page's address and this API's.")
    name_en: str
    name_es: str
    description_en: str
    description_es: str
    has_email: bool
    has_sms: bool
    keyword: str = Field(description="What people text after JOIN (UNIRSE) to subscribe; empty: none.")
    is_public: bool = Field(description="Whether it has a public sign-up page.")
    shows_count: bool = Field(description="Whether its sign-up page shows how many are subscribed.")
    zones: list[str] = Field(description="The slugs of the zones subscribers choose from; empty: no choice.")
    sign_up_url: str | None = Field(description="Its public sign-up page, in the caller's language; null: none.")
    subscribers: dict[str, int] = Field(
        description="Confirmed subscribers by channel. Counts only: addresses are shown to nobody."
    )
    created_at: datetime

    @staticmethod
    def resolve_zones(obj: AnnouncementList) -> list[str]:
        return sorted(zone.slug for zone in obj.zones.all())

    @staticmethod
    def resolve_sign_up_url(obj: AnnouncementList) -> str | None:
        return absolute(reverse("lists:subscribe", args=[obj.slug])) if obj.is_public else None

    @staticmethod
    def resolve_subscribers(obj: AnnouncementList) -> dict[str, int]:
        return confirmed_by_channel(obj)


class ZoneCountOut(Schema):
    zone: str | None = Field(description="The zone's slug; null: subscribers who gave no zone.")
    count: int


class CountsOut(Schema):
    by_channel: dict[str, int] = Field(description="Confirmed subscribers by channel.")
    by_zone: list[ZoneCountOut] = Field(
        description="Confirmed subscribers by zone: the list's zones, then zones it no longer offers, then none "
        "given. Empty for a list without zones."
    )


class ProgressOut(Schema):
    queued: int = Field(description="Waiting in the queue.")
    sent: int
    delivered: int = Field(description="Confirmed by the phone company (SMS only).")
    failed: int
    cancelled: int = Field(description="Not sent: cancelled, or refused before leaving (an opt-out, say).")
    total: int
    done: int = Field(description="Messages that have left the queue.")
    percent: int = Field(
        description="How much has left the queue, counting the messages still to be queued while `queuing`: "
        "100 only once every message has."
    )


class ReasonOut(Schema):
    reason: str = Field(description="Why, as a stable code.")
    text: str = Field(description="Why, in the caller's language.")
    count: int


class ReportOut(Schema):
    by_channel: dict[str, ProgressOut]
    reasons: list[ReasonOut] = Field(description="Why messages failed or were not sent, most frequent first.")


class BroadcastOut(Schema):
    id: UUID = Field(alias="uuid")
    state: BroadcastState
    lists: list[str] = Field(description="The slugs of the lists it goes to.")
    channels: list[str]
    one_language: Language | None = Field(description="Everyone gets this language; null: each their own.")
    subject_en: str
    subject_es: str
    text_en: str
    text_es: str
    zones: list[str] = Field(description="Only subscribers in these zones (and those who gave none); empty: all.")
    scheduled_for: datetime | None = Field(description="When it goes; null: as soon as it is sent.")
    recipients: int = Field(description="Messages queued: when it was sent, or so far while `queuing`.")
    created_at: datetime
    sent_at: datetime | None = Field(description="When it was handed to the outbox.")
    finished_at: datetime | None

    @staticmethod
    def resolve_lists(obj: Broadcast) -> list[str]:
        return sorted(item.slug for item in obj.lists.all())

    @staticmethod
    def resolve_zones(obj: Broadcast) -> list[str]:
        return sorted(zone.slug for zone in obj.zones.all())

    @staticmethod
    def resolve_one_language(obj: Broadcast) -> str | None:
        return obj.one_language or None


def progress_out(progress: Progress) -> ProgressOut:
    return ProgressOut(
        queued=progress.queued,
        sent=progress.sent,
        delivered=progress.delivered,
        failed=progress.failed,
        cancelled=progress.cancelled,
        total=progress.total,
        done=progress.done,
        percent=progress.percent,
    )


class QueuingOut(Schema):
    done: int = Field(description="Subscriptions worked through (one message each, one for someone on two lists).")
    total: int = Field(description="Subscriptions in its audience when it was sent.")
    percent: int


class BroadcastDetailOut(BroadcastOut):
    queuing: QueuingOut | None = Field(
        description="A big broadcast's messages are queued in the background: how far that got; null once all are."
    )
    progress: ProgressOut = Field(description="Where its messages are, as its page shows.")
    report: ReportOut | None = Field(description="By channel and by reason, once it has left; null for a draft.")

    @staticmethod
    def resolve_queuing(obj: Broadcast) -> QueuingOut | None:
        found = queuing(obj)
        return None if found is None else QueuingOut(done=found.done, total=found.total, percent=found.percent)

    @staticmethod
    def resolve_progress(obj: Broadcast) -> ProgressOut:
        return progress_out(broadcast_progress(obj))

    @staticmethod
    def resolve_report(obj: Broadcast) -> ReportOut | None:
        if obj.state == BroadcastState.DRAFT:
            return None
        report = broadcast_report(obj)
        return ReportOut(
            by_channel={channel: progress_out(counts) for channel, counts in report.by_channel.items()},
            reasons=[ReasonOut(reason=row.slug, text=row.text, count=row.count) for row in report.reasons],
        )


class EmailPreviewOut(Schema):
    language: str = Field(description="en or es.")
    subject: str
    body: str = Field(description="As sent, with a sample unsubscribe link.")


class SmsPreviewOut(Schema):
    language: str = Field(description="en or es.")
    text: str = Field(description="As sent, with the footer that says how to stop.")
    characters: int
    segments: int = Field(description="SMS per person.")
    encoding: str = Field(description="GSM-7, or UCS-2 (70 characters a segment instead of 160).")
    friendlier: str = Field(description="The text without the accents GSM-7 lacks, when that makes it GSM-7; else ''.")
    friendlier_segments: int


class PreviewOut(Schema):
    recipients: dict[str, int] = Field(description="The people it would reach now, by channel.")
    emails: list[EmailPreviewOut]
    texts: list[SmsPreviewOut]
    sms_minutes: int | None = Field(description="Minutes for SMS to reach everyone; null: SMS is not configured.")
    sms_per_minute: int


# What comes in.


class ListIn(Schema):
    name_en: str = Field("", max_length=120, description="A name in English, in Spanish or both.")
    name_es: str = Field("", max_length=120)
    slug: str = Field("", max_length=60, description="The sign-up page's address; made from the name when empty.")
    description_en: str = Field("", max_length=1000, description="Shown on the sign-up page.")
    description_es: str = Field("", max_length=1000)
    has_email: bool = True
    has_sms: bool = False
    keyword: str = Field("", max_length=30, description="One word people text after JOIN (UNIRSE); SMS lists only.")
    is_public: bool = True
    shows_count: bool = False
    zones: list[ZoneSlug] = Field(
        default_factory=list, max_length=MAX_ZONES, description="The slugs of network zones subscribers choose from."
    )
    new_zones: list[ZoneName] = Field(
        default_factory=list,
        max_length=MAX_ZONES,
        description="Names of neighbourhoods the network has no zone for yet: added to its zones and to this list, "
        "named in the caller's language. Never street addresses.",
    )


class ListPatch(Schema):
    """What to change; a field left out (or null) stays as it is. `zones` replaces the list's zones."""

    name_en: str | None = Field(None, max_length=120)
    name_es: str | None = Field(None, max_length=120)
    slug: str | None = Field(None, max_length=60)
    description_en: str | None = Field(None, max_length=1000)
    description_es: str | None = Field(None, max_length=1000)
    has_email: bool | None = None
    has_sms: bool | None = None
    keyword: str | None = Field(None, max_length=30)
    is_public: bool | None = None
    shows_count: bool | None = None
    zones: list[ZoneSlug] | None = Field(None, max_length=MAX_ZONES)
    new_zones: list[ZoneName] | None = Field(None, max_length=MAX_ZONES)


class BroadcastIn(Schema):
    lists: list[ListSlug] = Field(max_length=MAX_LISTS, description="The slugs of the group's own lists.")
    channels: list[ChannelCode] = Field(max_length=2)
    one_language: Language | None = Field(
        None, description="Everyone gets this language's text; null: each their own (write both texts)."
    )
    subject_en: str = Field("", max_length=200, description="The email's subject; for email only.")
    subject_es: str = Field("", max_length=200)
    text_en: str = Field("", max_length=MAX_EMAIL_TEXT)
    text_es: str = Field("", max_length=MAX_EMAIL_TEXT)
    zones: list[ZoneSlug] = Field(
        default_factory=list,
        max_length=MAX_BROADCAST_ZONES,
        description="Only subscribers in these zones (slugs of zones the group's lists offer), and those who "
        "gave none; empty: everyone.",
    )
    scheduled_for: AwareDatetime | None = Field(
        None, description="When to send it, with an offset, within a year; null: as soon as it is sent."
    )


class BroadcastPatch(Schema):
    """What to change in a draft. A field left out stays as it is; null also leaves lists, channels, texts and
    zones as they are, and sets `one_language` (each their own) and `scheduled_for` (at once) to none."""

    lists: list[ListSlug] | None = Field(None, max_length=MAX_LISTS)
    channels: list[ChannelCode] | None = Field(None, max_length=2)
    one_language: Language | None = None
    subject_en: str | None = Field(None, max_length=200)
    subject_es: str | None = Field(None, max_length=200)
    text_en: str | None = Field(None, max_length=MAX_EMAIL_TEXT)
    text_es: str | None = Field(None, max_length=MAX_EMAIL_TEXT)
    zones: list[ZoneSlug] | None = Field(None, max_length=MAX_BROADCAST_ZONES)
    scheduled_for: AwareDatetime | None = None


NULL_MEANS_NONE = {"one_language", "scheduled_for"}  # for the rest of a patch, null means unchanged


# Refusals, in the one shape.


def refused(form: Form) -> ApiError:
    """A form's errors: 409 when all that is wrong is a slug or keyword another list has, 422 otherwise."""
    fields = form_errors(form)
    codes = {error.code for errors in form.errors.as_data().values() for error in errors}
    if codes == {TAKEN}:
        return ApiError(409, "conflict", next(iter(fields.values()))[0], fields)
    return ApiError(422, "invalid_input", _("Some values are not valid."), fields)


def refused_by_service(error: ValidationError) -> ApiError:
    """What a service refused after the form's checks: 409 when another list took the slug or keyword meanwhile."""
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        codes = {item.code for items in error.error_dict.values() for item in items}
    else:
        fields = {"__all__": error.messages}
        codes = {item.code for item in error.error_list}
    message = next(iter(fields.values()))[0]
    return ApiError(
        409 if "unique" in codes else 422, "conflict" if "unique" in codes else "invalid_input", message, fields
    )


def zones_offered(form: Form, slugs: list[str], message: str) -> None:
    """A form without a zones field (nothing to choose from) would ignore the zones asked for: refuse them."""
    if slugs and "zones" not in form.fields:
        text = message % {"slug": slugs[0]}
        raise ApiError(422, "invalid_input", text, {"zones": [text]})


def not_a_draft() -> ApiError:
    return ApiError(409, "not_a_draft", _("This broadcast has left already: it can no longer be changed."))


# Lists.


def save_list(
    group: WorkingGroup, data: dict[str, Any], *, by: User, existing: AnnouncementList | None = None
) -> AnnouncementList:
    """Check `data` as the list form does, then save it (do_save_list); ApiError for what either refuses."""
    form = ListForm(data | {"new_zones": "\n".join(data.get("new_zones") or [])}, existing=existing)
    zones_offered(form, data.get("zones") or [], _("No zone has the short name %(slug)s."))
    if not form.is_valid():
        raise refused(form)
    try:
        return do_save_list(group, form.values(), by=by, announcement_list=existing, language=get_language() or "en")
    except ValidationError as error:
        raise refused_by_service(error) from None


@router.get("/groups/{slug}/lists", response=list[ListOut], summary="A group's announcement lists")
@paginate
@api_permission(GROUP_COORDINATOR)
def group_lists(request: HttpRequest, slug: str) -> QuerySet[AnnouncementList]:
    group = access_lists_group(signed_in(request), slug)
    return with_subscriber_counts(lists_of(group)).prefetch_related("zones")


@router.post(
    "/groups/{slug}/lists",
    response={201: ListOut, 409: ErrorOut},
    summary="Create an announcement list",
    openapi_extra=TAKEN_ANSWER,
)
@api_permission(GROUP_COORDINATOR)
def create_list(request: HttpRequest, slug: str, payload: ListIn) -> Status[AnnouncementList]:
    user = signed_in(request)
    group = access_lists_group(user, slug)
    return Status(201, save_list(group, payload.model_dump(), by=user))


@router.get("/lists/{list_slug}", response=ListOut, summary="One of your groups' lists")
@api_permission(LIST_COORDINATOR)
def read_list(request: HttpRequest, list_slug: str) -> AnnouncementList:
    return coordinated(access_list_scoped(signed_in(request), list_slug))


@router.patch(
    "/lists/{list_slug}",
    response={200: ListOut, 409: ErrorOut},
    summary="Change a list: its names, channels, sign-up page, keyword or zones",
    openapi_extra=TAKEN_ANSWER,
)
@api_permission(LIST_COORDINATOR)
def update_list(request: HttpRequest, list_slug: str, payload: ListPatch) -> AnnouncementList:
    user = signed_in(request)
    found = coordinated(access_list_scoped(user, list_slug))
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return save_list(found.group, list_data(found) | changes, by=user, existing=found)


@router.get(
    "/lists/{list_slug}/counts", response=CountsOut, summary="A list's confirmed subscribers by channel and zone"
)
@api_permission(LIST_COORDINATOR)
def list_counts(request: HttpRequest, list_slug: str) -> CountsOut:
    """Counts only: subscribers' emails and numbers are shown to nobody."""
    found = coordinated(access_list_scoped(signed_in(request), list_slug))
    counts = subscriber_counts(found)
    return CountsOut(
        by_channel={channel: counts.channel.get(channel, 0) for channel in Channel.values},
        by_zone=[ZoneCountOut(zone=row.zone.slug if row.zone else None, count=row.count) for row in counts.zones],
    )


# Broadcasts.


def draft_data(values: dict[str, Any]) -> dict[str, Any]:
    """The API's fields as the broadcast form's data."""
    data = dict(values)
    if "one_language" in data:
        data["one_language"] = data["one_language"] or ""
    if "scheduled_for" in data:
        data["when"] = "later" if data["scheduled_for"] else "now"
    return data


def checked_draft(group: WorkingGroup, data: dict[str, Any], existing: Broadcast | None = None) -> BroadcastForm:
    form = BroadcastForm(draft_data(data), group=group, existing=existing)
    zones_offered(form, data.get("zones") or [], _("No list of this group offers the zone %(slug)s."))
    if not form.is_valid():
        raise refused(form)
    return form


@router.get("/groups/{slug}/broadcasts", response=list[BroadcastOut], summary="A group's broadcasts, newest first")
@paginate
@api_permission(GROUP_COORDINATOR)
def group_broadcasts(request: HttpRequest, slug: str, state: BroadcastState | None = None) -> QuerySet[Broadcast]:
    group = access_lists_group(signed_in(request), slug)
    do_settle_broadcasts(group)  # as the group's page does: what it shows is current
    found = broadcasts_of(group).prefetch_related("zones")
    return found.filter(state=state) if state else found


@router.post(
    "/groups/{slug}/broadcasts",
    response={201: BroadcastDetailOut},
    summary="Compose a draft broadcast to some of the group's lists",
)
@api_permission(GROUP_COORDINATOR)
def compose_broadcast(request: HttpRequest, slug: str, payload: BroadcastIn) -> Status[Broadcast]:
    """A draft goes nowhere until it is sent (`POST /broadcasts/{broadcast}/send`)."""
    user = signed_in(request)
    group = access_lists_group(user, slug)
    form = checked_draft(group, payload.model_dump())
    return Status(201, do_compose_broadcast(group, form.draft(), by=user))


@router.get(
    "/broadcasts/{broadcast}",
    response=BroadcastDetailOut,
    summary="A broadcast: its state, where its messages are, and its report once it has left",
)
@api_permission(BROADCAST_COORDINATOR)
def read_broadcast(request: HttpRequest, broadcast: UUID) -> Broadcast:
    found = coordinated(access_broadcast_scoped(signed_in(request), broadcast))
    do_settle_broadcast(found)  # as its page does
    return found


@router.patch(
    "/broadcasts/{broadcast}",
    response={200: BroadcastDetailOut, 409: ErrorOut},
    summary="Change a draft",
    openapi_extra=NOT_A_DRAFT,
)
@api_permission(BROADCAST_COORDINATOR)
def update_broadcast(request: HttpRequest, broadcast: UUID, payload: BroadcastPatch) -> Broadcast:
    user = signed_in(request)
    found = coordinated(access_broadcast_scoped(user, broadcast))
    if found.state != BroadcastState.DRAFT:
        raise not_a_draft()
    changes = {
        name: value
        for name, value in payload.model_dump(exclude_unset=True).items()
        if value is not None or name in NULL_MEANS_NONE
    }
    form = checked_draft(found.group, broadcast_data(found) | changes, existing=found)
    try:
        return do_compose_broadcast(found.group, form.draft(), by=user, broadcast=found)
    except BroadcastNotDraft:
        raise not_a_draft() from None


@router.get(
    "/broadcasts/{broadcast}/preview",
    response={200: PreviewOut, 409: ErrorOut},
    summary="What a draft will send: each channel's and language's text, SMS segments, how many it reaches",
    openapi_extra=NOT_A_DRAFT,
)
@api_permission(BROADCAST_COORDINATOR)
def preview_broadcast(request: HttpRequest, broadcast: UUID) -> PreviewOut:
    """Sends nothing. The texts are built by what sends them: what a script reads is what goes."""
    found = coordinated(access_broadcast_scoped(signed_in(request), broadcast))
    if found.state != BroadcastState.DRAFT:
        raise not_a_draft()
    shown = preview(found)
    return PreviewOut(
        recipients={channel: shown.counts.get(channel, 0) for channel in found.channels},
        emails=[EmailPreviewOut(language=e.language, subject=e.subject, body=e.body) for e in shown.emails],
        texts=[
            SmsPreviewOut(
                language=t.language,
                text=t.text,
                characters=t.characters,
                segments=t.segments,
                encoding=t.encoding,
                friendlier=t.friendlier,
                friendlier_segments=t.friendlier_segments,
            )
            for t in shown.texts
        ],
        sms_minutes=shown.sms_minutes,
        sms_per_minute=sms_per_minute(),
    )


@router.post(
    "/broadcasts/{broadcast}/send",
    response={200: BroadcastDetailOut, 409: ErrorOut},
    summary="Send a draft now, or at its scheduled time",
    openapi_extra=NOT_A_DRAFT,
)
@api_permission(BROADCAST_COORDINATOR)
def send_broadcast(request: HttpRequest, broadcast: UUID) -> Broadcast:
    """Sending twice sends once. An alert, or an audience of up to 500, is queued at once: `recipients` says how
    many messages. A bigger one is queued in the background: `queuing` says how far, `recipients` how many so far."""
    user = signed_in(request)
    found = coordinated(access_broadcast_scoped(user, broadcast))
    try:
        do_send_broadcast(found, by=user)
    except BroadcastNotDraft:
        raise ApiError(409, "not_a_draft", _("This broadcast was already sent or scheduled.")) from None
    return found


@router.post(
    "/broadcasts/{broadcast}/cancel",
    response={200: BroadcastDetailOut, 409: ErrorOut},
    summary="Cancel a scheduled broadcast, or stop sending what has not left yet",
    openapi_extra=NOT_GOING_OUT,
)
@api_permission(BROADCAST_COORDINATOR)
def cancel_broadcast(request: HttpRequest, broadcast: UUID) -> Broadcast:
    """Cancelling a cancelled broadcast changes nothing and answers it again."""
    user = signed_in(request)
    found = coordinated(access_broadcast_scoped(user, broadcast))
    if not do_cancel_broadcast(found, by=user):
        found.refresh_from_db()  # it may have settled or been cancelled meanwhile
    if found.state != BroadcastState.CANCELLED:
        message = _("Only a scheduled broadcast, or one still being sent, can be cancelled.")
        raise ApiError(409, "not_going_out", message)
    return found


# A subscriber's own subscription, by the token every list email's link carries: no account, no session.

NO_ACCOUNT: dict[str, Any] = {"security": []}  # OpenAPI: no authentication; the path's token is the key
KEY_REFUSED = {
    **NO_ACCOUNT,
    "responses": {
        409: {"description": "The subscription has ended, or is by SMS: it has no key."},
        422: {
            "description": "The key cannot be used; `code` says why: not_a_key, secret_key, several_keys, revoked, "
            "expired, no_encryption_key, unsupported (or invalid_input for a malformed body)."
        },
        429: {"description": "Too many keys given from this connection, or by everyone: wait and try again."},
    },
}


class KeyOut(Schema):
    fingerprint: str
    expires_at: datetime | None = Field(description="When its last encryption key expires; null: never.")
    expires_soon: bool = Field(description="It stops working within 30 days: renew it and give it again.")


class SubscriptionOut(Schema):
    list: str = Field(description="The list's slug.")
    list_name: str = Field(description="The list's name, in the caller's language.")
    channel: ChannelCode
    state: str = Field(description="pending, confirmed or unsubscribed.")
    language: Language
    openpgp_key: KeyOut | None = Field(description="The key our emails to this address are encrypted to; null: none.")
    openpgp_key_waiting: KeyOut | None = Field(
        description="A key given and waiting for its proof: the link inside the email encrypted to it."
    )


class KeyIn(Schema):
    key: str = Field(max_length=MAX_KEY_TEXT, description="An ASCII-armored OpenPGP public key. Never a secret key.")


class KeyProposalOut(Schema):
    status: Literal["waiting_for_proof"] = Field(
        description="Nothing changes until the link inside the email we encrypted to the key is followed."
    )
    key: KeyOut
    warnings: list[str] = Field(description="What the subscriber should know, in the caller's language.")


def key_out(info: KeyInfo | None) -> KeyOut | None:
    if info is None:
        return None
    ends = info.encrypts_until
    return KeyOut(
        fingerprint=info.fingerprint,
        expires_at=ends,
        expires_soon=ends is not None and ends <= timezone.now() + EXPIRES_SOON,
    )


def active_email(subscription: Subscription) -> Subscription:
    if subscription.channel != Channel.EMAIL or not is_active(subscription):
        raise ApiError(409, "not_active", _("This subscription has ended, or is by SMS: it has no OpenPGP key."))
    return subscription


def rate_limited(request: HttpRequest) -> None:
    verdict = limit(request, "lists.openpgp-key", per_client="5/m", overall="100/m")
    if verdict.refused:
        raise ApiError(429, "too_many_requests", _("Too many requests. Wait a moment and try again."))


@router.get(
    "/subscriptions/{subscription}",
    response=SubscriptionOut,
    summary="A subscriber's own subscription, by the token in every list email's link",
    auth=None,
    openapi_extra=NO_ACCOUNT,
)
@api_permission("public")
def read_subscription(request: HttpRequest, subscription: str) -> SubscriptionOut:
    """The token is the one in the links of every email the list sends (`/lists/subscriptions/{token}/`)."""
    found = subscription_for_page(subscription)
    state = key_state(str(found.address)) if found.channel == Channel.EMAIL and is_active(found) else None
    return SubscriptionOut(
        list=found.announcement_list.slug,
        list_name=text_of(found.announcement_list, "name"),
        channel=found.channel,  # type: ignore[arg-type]  # a Channel value: email or sms
        state=found.state,
        language=found.language if found.language in ("en", "es") else "en",  # type: ignore[arg-type]  # checked
        openpgp_key=key_out(state.current if state else None),
        openpgp_key_waiting=key_out(state.waiting if state else None),
    )


@router.put(
    "/subscriptions/{subscription}/openpgp-key",
    response={202: KeyProposalOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Give or replace the subscriber's OpenPGP key; it takes effect through the email encrypted to it",
    auth=None,
    openapi_extra=KEY_REFUSED,
)
@api_permission("public")
def give_key(request: HttpRequest, subscription: str, payload: KeyIn) -> Status[KeyProposalOut]:
    """Answers 202: we send an email encrypted to the key; the key is used once the link inside it is followed."""
    found = active_email(subscription_for_page(subscription))
    rate_limited(request)
    try:
        checked = check_recipient_key(payload.key, address=str(found.address))
    except OpenPgpError as error:
        raise ApiError(422, error.code, error.message, {"key": [error.message]}) from None
    if not do_give_key(found, checked):  # it ended meanwhile
        raise ApiError(409, "not_active", _("This subscription has ended, or is by SMS: it has no OpenPGP key."))
    info = key_out(checked.info)
    assert info is not None  # noqa: S101  (a checked key has its info)
    return Status(202, KeyProposalOut(status="waiting_for_proof", key=info, warnings=key_notes(checked)))


@router.delete(
    "/subscriptions/{subscription}/openpgp-key",
    response={204: None, 409: ErrorOut, 429: ErrorOut},
    summary="Remove the subscriber's OpenPGP key: emails are no longer encrypted, and a plain email says so",
    auth=None,
    openapi_extra=KEY_REFUSED,
)
@api_permission("public")
def remove_key(request: HttpRequest, subscription: str) -> Status[None]:
    """Removing a key that is not there changes nothing, and answers 204 too."""
    found = active_email(subscription_for_page(subscription))
    rate_limited(request)
    do_remove_key(found)
    return Status(204, None)
