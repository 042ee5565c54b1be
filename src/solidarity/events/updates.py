"""An action's update list: an announcement list (the lists part) made for the action, by email and SMS, that
everyone signed up is on, and the updates the organisers send to it during the action.

Invariants:
- One list per action (Action.updates_list), of the action's group, made through lists' own service.
- A member who signs up to an action consents to its updates (the sign-up form says so): each of their
  contacts is subscribed, confirmed, on the channels the list has. An address that unsubscribed from the
  list stays unsubscribed; an opted-out number stays opted out (messaging's state is never changed here).
- An update is a broadcast of the lists part to that one list: it goes through the outbox.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.events.models import TAKEN_STATES, Action, SignUp
from solidarity.events.services import audited, check_not_over, locked
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.broadcasts import Draft, do_compose_broadcast, do_send_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast, SubscriptionState
from solidarity.lists.subscriptions import confirm_now, find_subscription
from solidarity.messaging.models import Channel
from solidarity.people.models import ContactKind, Person

NAME_LENGTH = 120
UPDATE_LENGTH = 600  # an update is read on a phone, in the street: a few SMS at most
SUBJECT_LENGTH = 200
CHANNEL_OF = {ContactKind.PHONE: Channel.SMS, ContactKind.EMAIL: Channel.EMAIL}


def list_slug(action: Action) -> str:
    return f"action-{action.code.lower()}"


def subscribe_person(announcement_list: AnnouncementList, person: Person) -> int:
    """Each of the person's contacts on the list, confirmed (their sign-up is their consent); how many were
    added. In the caller's transaction; audited by lists' own record (uuids, list, channel, state)."""
    added = 0
    language = person.language if person.language in ("en", "es") else "en"
    for contact in person.contacts.all():
        channel = CHANNEL_OF.get(contact.kind)  # type: ignore[call-overload]  # a ContactKind value, as stored
        if channel is None or channel not in announcement_list.channels:
            continue
        found = find_subscription(announcement_list, channel, str(contact.value))
        if found is not None and found.state in (SubscriptionState.CONFIRMED, SubscriptionState.UNSUBSCRIBED):
            continue  # on it already, or left it: a choice kept
        confirm_now(announcement_list, channel, str(contact.value), language, found=found, actor=audit.SYSTEM)
        added += 1
    return added


def do_open_update_list(action: Action, *, by: User) -> AnnouncementList:
    """The action's update list, made now if it has none, with everyone signed up on it. Idempotent.
    ValidationError once the action is over. Lock: the action's row."""
    with transaction.atomic():
        row = locked(action)
        if row.updates_list is not None:
            return row.updates_list
        check_not_over(row)
        with override("en"):
            name_en = (_("Updates: %(title)s") % {"title": row.title_en or row.title_es})[:NAME_LENGTH]
        with override("es"):
            name_es = (_("Updates: %(title)s") % {"title": row.title_es or row.title_en})[:NAME_LENGTH]
        values = ListValues(
            slug=list_slug(row), name_en=name_en, name_es=name_es, has_email=True, has_sms=True, is_public=True
        )
        made = AnnouncementList.objects.filter(slug=values.slug, group=row.group).first()
        made = do_save_list(row.group, values, by=by, announcement_list=made)
        row.updates_list = made
        row.save(update_fields=["updates_list", "updated_at"])
        people = Person.objects.filter(
            action_sign_ups__slot__action=row, action_sign_ups__state__in=TAKEN_STATES
        ).distinct()
        added = sum(subscribe_person(made, person) for person in people.prefetch_related("contacts"))
        audited(by, row, AuditAction.CHANGED, "events.action", [made.uuid], {"updates_list": True, "added": added})
    action.refresh_from_db()
    return made


def do_post_update(action: Action, text_en: str, text_es: str, *, by: User) -> Broadcast:
    """An update to everyone on the action's list, by email and SMS, now: a broadcast of the lists part.
    ValidationError by field for no text or one too long, and when the action has no update list."""
    errors: dict[str, list[str]] = {}
    if not text_en.strip() and not text_es.strip():
        errors["text_en"] = [_("Write the update, in English or in Spanish.")]
    for name, value in (("text_en", text_en), ("text_es", text_es)):
        if len(value) > UPDATE_LENGTH:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": UPDATE_LENGTH}]
    if errors:
        raise ValidationError(errors)
    announcement_list = action.updates_list
    if announcement_list is None:
        raise ValidationError(_("Open the update list first."), code="no_update_list")
    one_language = "" if text_en.strip() and text_es.strip() else ("en" if text_en.strip() else "es")
    with override("en"):
        subject_en = (_("Update: %(title)s") % {"title": action.title_en or action.title_es})[:SUBJECT_LENGTH]
    with override("es"):
        subject_es = (_("Update: %(title)s") % {"title": action.title_es or action.title_en})[:SUBJECT_LENGTH]
    draft = Draft(
        lists=[announcement_list],
        subject_en=subject_en,
        subject_es=subject_es,
        text_en=text_en.strip(),
        text_es=text_es.strip(),
        one_language=one_language,
        channels=[Channel.EMAIL, Channel.SMS],
    )
    with transaction.atomic():
        broadcast = do_compose_broadcast(action.group, draft, by=by)
        do_send_broadcast(broadcast, by=by, inline=True)  # the organiser is told how many it reached
        audited(by, action, AuditAction.CHANGED, "events.update", [broadcast.uuid], {"messages": broadcast.recipients})
    return broadcast


def signed_up_count(action: Action) -> int:
    return SignUp.objects.filter(slot__action=action, state__in=TAKEN_STATES).values("person").distinct().count()
