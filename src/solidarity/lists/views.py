"""Public sign-up, confirmation and unsubscribe pages; a group's lists and the broadcast composer for coordinators.

Subscribers' addresses are shown to nobody: a coordinator sees counts by channel and zone.
"""

from uuid import UUID

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import live
from solidarity.core.bilingual import in_order
from solidarity.core.permissions import Role, permission, role
from solidarity.core.public import Verdict, limit, public_form, slow_down
from solidarity.core.views import last_event_id
from solidarity.lists.access import (
    access_broadcast,
    access_list,
    access_lists_group,
    broadcasts_of,
    lists_of,
    public_list,
    subscription_for_page,
    subscription_to_confirm,
    subscription_to_unsubscribe,
)
from solidarity.lists.announcement_lists import do_save_list
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
from solidarity.lists.forms import BroadcastForm, KeyForm, ListForm, SubscribeForm, key_notes, sms_configured
from solidarity.lists.models import AnnouncementList, BroadcastState, Subscription, SubscriptionState
from solidarity.lists.reports import broadcast_progress, broadcast_report, queuing
from solidarity.lists.subscriptions import (
    confirmed_by_channel,
    do_confirm,
    do_give_key,
    do_remove_key,
    do_subscribe,
    do_unsubscribe,
    is_active,
    page_link,
    subscriber_counts,
    subscriptions_of_address,
    unsubscribe_token,
    with_subscriber_counts,
)
from solidarity.messaging import progress as batch_progress
from solidarity.messaging.address_keys import key_state, spaced
from solidarity.messaging.models import Channel

COORDINATOR = role(Role.COORDINATOR)

# The public pages.


@require_http_methods(["GET", "POST"])
@permission("public")
def subscribe(request: HttpRequest, list_slug: str) -> HttpResponse:
    """A public list's sign-up form: works without JavaScript, and answers alike whoever is already subscribed."""
    form_class = SubscribeForm.for_list(public_list(list_slug))
    view = public_form(form_class, scope="lists.subscribe", template="lists/subscribe.html")(signed_up)
    return view(request)


def signed_up(request: HttpRequest, form: SubscribeForm, verdict: Verdict) -> HttpResponse:
    data = form.cleaned_data
    list_, channel = form.announcement_list, form.channel
    do_subscribe(list_, channel, data["address"], data["language"], data.get("zone"), key=form.checked)
    context = {
        "announcement_list": list_,
        "channel": channel,
        "gave_key": form.checked is not None,
        "notes": key_notes(form.checked),
    }
    return render(request, "lists/subscribe_sent.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The email's link opens this page; only its button confirms (mail scanners open links)."""
    subscription = subscription_to_confirm(token)
    if subscription is None:
        return render(request, "lists/link_invalid.html", status=404)
    if request.method == "POST":
        do_confirm(subscription)
        return redirect(request.path)
    confirmed = subscription.state == SubscriptionState.CONFIRMED
    context = {
        "announcement_list": subscription.announcement_list,
        "confirmed": confirmed,
        "page": page_link(subscription) if confirmed and subscription.channel == Channel.EMAIL else "",
    }
    return render(request, "lists/confirm.html", context)


@csrf_exempt  # RFC 8058: a mail program's one-click POST has no session and no token; the link's signature is the key
@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button; a POST (the button, or a mail program's one-click) unsubscribes at once."""
    subscription = subscription_to_unsubscribe(token)
    if subscription is None:  # removed for good since: nothing more goes to it
        return render(request, "lists/unsubscribe.html", {"done": True})
    if request.method == "POST":
        do_unsubscribe(subscription)
    done = subscription.state == SubscriptionState.UNSUBSCRIBED
    return render(
        request, "lists/unsubscribe.html", {"announcement_list": subscription.announcement_list, "done": done}
    )


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def subscription_page(request: HttpRequest, subscription: str) -> HttpResponse:
    """A subscriber's own page, the link in every list email: their lists, their OpenPGP key, unsubscribe.

    Opening it changes nothing. Its form gives or replaces the key (POST, rate-limited as public forms
    are); the key takes effect only through the link inside the email encrypted to it.
    """
    found = subscription_for_page(subscription)
    form = KeyForm(request.POST if request.method == "POST" else None, address=str(found.address))
    if request.method != "POST":
        return render(request, "lists/subscription.html", page_context(found, form))
    verdict = limit(request, "lists.openpgp-key", per_client="5/m", overall="100/m")
    if verdict.refused:
        form.is_valid()  # keep what they typed, with its messages
        form.add_error(None, slow_down(form, verdict))
        return render(request, "lists/subscription.html", page_context(found, form), status=429)
    if form.is_valid() and form.checked is not None and do_give_key(found, form.checked):
        context = page_context(found, KeyForm(address=str(found.address))) | {"sent": True}
        return render(request, "lists/subscription.html", context | {"notes": key_notes(form.checked)})
    return render(request, "lists/subscription.html", page_context(found, form), status=400)


@require_POST
@never_cache
@permission("public")
def remove_key(request: HttpRequest, subscription: str) -> HttpResponse:
    """The page's other button: stop encrypting; a plain email tells the address."""
    found = subscription_for_page(subscription)
    removed = do_remove_key(found)
    context = page_context(found, KeyForm(address=str(found.address))) | {"removed": removed}
    return render(request, "lists/subscription.html", context)


def page_context(subscription: Subscription, form: KeyForm) -> dict[str, object]:
    active = is_active(subscription)
    email = subscription.channel == Channel.EMAIL
    state = key_state(str(subscription.address)) if email and active else None
    return {
        "subscription": subscription,
        "announcement_list": subscription.announcement_list,
        "active": active,
        "lists": subscriptions_of_address(subscription) if active else [],
        "key": state,
        "current_fingerprint": spaced(state.current.fingerprint) if state and state.current else "",
        "waiting_fingerprint": spaced(state.waiting.fingerprint) if state and state.waiting else "",
        "form": form if email and active else None,
        "token": unsubscribe_token(subscription),
    }


# A group's lists, for its coordinators.


@require_GET
@permission(COORDINATOR)
def group_lists(request: HttpRequest, group: str) -> HttpResponse:
    found = access_lists_group(signed_in(request), group)
    do_settle_broadcasts(found)  # the periodic job does it within a minute; here, so the page shows it now
    lists = [(item, confirmed_by_channel(item)) for item in with_subscriber_counts(lists_of(found))]
    context = {"group": found, "lists": lists, "broadcasts": broadcasts_of(found)[:20]}
    return render(request, "lists/group_lists.html", context)


@require_http_methods(["GET", "POST"])
@permission(COORDINATOR)
def create_list(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    found = access_lists_group(user, group)
    form = ListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = save_list(form, found, user)
        if saved is not None:
            messages.success(request, _("The list was created."))
            return redirect("lists:list", group=found.slug, list_slug=saved.slug)
    return render(request, "lists/list_form.html", {"group": found, "form": form})


def save_list(
    form: ListForm, group: WorkingGroup, user: User, announcement_list: AnnouncementList | None = None
) -> AnnouncementList | None:
    """The form's list saved, new zones and all; None when the service refused it (its reasons go on the form)."""
    try:
        return do_save_list(
            group, form.values(), by=user, announcement_list=announcement_list, language=get_language() or "en"
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None


@require_GET
@permission(COORDINATOR)
def list_detail(request: HttpRequest, group: str, list_slug: str) -> HttpResponse:
    announcement_list = access_list(signed_in(request), group, list_slug)
    context = {
        "group": announcement_list.group,
        "announcement_list": announcement_list,
        "counts": subscriber_counts(announcement_list),
        "zones": announcement_list.zones.order_by(in_order("name"), "slug"),
        "sms_configured": sms_configured(),
    }
    return render(request, "lists/list_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission(COORDINATOR)
def edit_list(request: HttpRequest, group: str, list_slug: str) -> HttpResponse:
    user = signed_in(request)
    announcement_list = access_list(user, group, list_slug)
    form = ListForm(request.POST or None, existing=announcement_list)
    if request.method == "POST" and form.is_valid():
        saved = save_list(form, announcement_list.group, user, announcement_list)
        if saved is not None:
            messages.success(request, _("The list was saved."))
            return redirect("lists:list", group=saved.group.slug, list_slug=saved.slug)
    context = {"group": announcement_list.group, "form": form, "announcement_list": announcement_list}
    return render(request, "lists/list_form.html", context)


# Broadcasts.


@require_http_methods(["GET", "POST"])
@permission(COORDINATOR)
def compose(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    found = access_lists_group(user, group)
    chosen = lists_of(found).filter(slug__in=request.GET.getlist("list"))  # "Write to this list" links
    form = BroadcastForm(request.POST or None, group=found, initial={"lists": list(chosen), "channels": ["email"]})
    if request.method == "POST" and form.is_valid():
        broadcast = do_compose_broadcast(found, form.draft(), by=user)
        return redirect("lists:broadcast", group=found.slug, broadcast=broadcast.uuid)
    return render(request, "lists/broadcast_form.html", {"group": found, "form": form})


@require_http_methods(["GET", "POST"])
@permission(COORDINATOR)
def edit_broadcast(request: HttpRequest, group: str, broadcast: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_broadcast(user, group, broadcast)
    if found.state != BroadcastState.DRAFT:
        messages.error(request, _("This broadcast has left already: it can no longer be changed."))
        return redirect("lists:broadcast", group=found.group.slug, broadcast=found.uuid)
    form = BroadcastForm(request.POST or None, group=found.group, existing=found)
    if request.method == "POST" and form.is_valid():
        try:
            do_compose_broadcast(found.group, form.draft(), by=user, broadcast=found)
        except BroadcastNotDraft:
            messages.error(request, _("This broadcast has left already: it can no longer be changed."))
        return redirect("lists:broadcast", group=found.group.slug, broadcast=found.uuid)
    return render(request, "lists/broadcast_form.html", {"group": found.group, "form": form, "broadcast": found})


@require_GET
@permission(COORDINATOR)
def broadcast_page(request: HttpRequest, group: str, broadcast: UUID) -> HttpResponse:
    """A draft's preview and its Send button; then its progress (live, see broadcast_live) and its report.

    htmx asks for the progress alone (lists/_progress.html) when the live stream says it moved.
    """
    found = access_broadcast(signed_in(request), group, broadcast)
    do_settle_broadcast(found)
    context = {
        "group": found.group,
        "broadcast": found,
        "progress": broadcast_progress(found),
        "queuing": queuing(found),
        "report": broadcast_report(found) if found.state != BroadcastState.DRAFT else None,
        "preview": preview(found) if found.state == BroadcastState.DRAFT else None,
        "sms_per_minute": sms_per_minute(),
    }
    template = "lists/_progress.html" if getattr(request, "htmx", False) else "lists/broadcast.html"
    return render(request, template, context)


@require_GET
@permission(COORDINATOR)
async def broadcast_live(request: HttpRequest, group: str, broadcast: UUID) -> HttpResponseBase:
    """Server-Sent Events while the broadcast goes out: its messages moved, or it settled. Ids only, no counts.

    The page then asks broadcast_page for the fresh progress, a big one's enqueue too. 204 when it is not
    going out nor being queued (a draft, one scheduled for later, one done): nothing will move, and the
    browser stops asking.
    """
    batch = await sync_to_async(batch_going_out)(request, group, broadcast)
    if batch is None:
        return HttpResponse(status=204)
    channel = batch_progress.channel(batch)
    return live.sse_response(channel, user=await request.auser(), last_event_id=last_event_id(request))


def batch_going_out(request: HttpRequest, group: str, broadcast: UUID) -> str | None:
    found = access_broadcast(signed_in(request), group, broadcast)
    return found.batch if found.is_live else None


@require_POST
@permission(COORDINATOR)
def send_broadcast(request: HttpRequest, group: str, broadcast: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_broadcast(user, group, broadcast)
    try:
        count = do_send_broadcast(found, by=user)
    except BroadcastNotDraft:
        messages.error(request, _("This broadcast was already sent or scheduled."))
    else:
        if found.enqueuing:  # a big audience: its messages are queued in the background, the first leave at once
            count = found.enqueue_total
            if found.state == BroadcastState.SCHEDULED:
                text = ngettext(
                    "Scheduled: the message to %(count)d subscription is being queued to go at the time chosen.",
                    "Scheduled: the messages to %(count)d subscriptions are being queued to go at the time chosen.",
                    count,
                )
            else:
                text = ngettext(
                    "Sending: the message to %(count)d subscription is being queued; the first leave at once.",
                    "Sending: the messages to %(count)d subscriptions are being queued; the first leave at once.",
                    count,
                )
        elif found.state == BroadcastState.SCHEDULED:
            text = ngettext(
                "Scheduled: %(count)d message will go at the time chosen.",
                "Scheduled: %(count)d messages will go at the time chosen.",
                count,
            )
        else:
            text = ngettext("Sending %(count)d message.", "Sending %(count)d messages.", count)
        messages.success(request, text % {"count": count})
    return redirect("lists:broadcast", group=found.group.slug, broadcast=found.uuid)


@require_POST
@permission(COORDINATOR)
def cancel_broadcast(request: HttpRequest, group: str, broadcast: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_broadcast(user, group, broadcast)
    if do_cancel_broadcast(found, by=user) or found.state == BroadcastState.CANCELLED:
        messages.success(request, _("Cancelled: what had not left yet will not be sent."))
    else:
        messages.error(request, _("Only a scheduled broadcast, or one still being sent, can be cancelled."))
    return redirect("lists:broadcast", group=found.group.slug, broadcast=found.uuid)
