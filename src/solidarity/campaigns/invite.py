"""Inviting people to call: through the group's announcement lists, or by skill and zone through the outbox, with
one reminder when an office of the campaign is open.

Invariants:
- Only a live campaign whose window has not ended invites; its organisers send (the views and API check).
- Through lists: the lists part's own broadcasts (its composer and sender, tier 3), one for the lists' texts
  and one for their emails (a text says "text CALL KQ47 to this number", an email gives the link), to the
  lists' subscribers in the zones chosen (none: everyone).
- By skill and zone: people in the network (active, or whose pause is over) who agreed to get announcements
  (Person.consent_announcements), holding one of the skills (a certification that counts now) and covering
  one of the zones (either may be left empty, not both), each in their language, at their primary phone
  (SMS) or else their email (with the link). One message per person and campaign, whatever the invitation:
  the outbox key is `campaigns.invite:<campaign uuid>:<person uuid>`, so a retry or a second invitation
  sends nobody a second one.
- A retry of one request sends once: the form and the API carry a key (`request_key`); the campaign's row
  lock makes a second call with it find the first invitation.
- No invitation names the person the campaign is for, even with consent: a text outlives the consent and the
  campaign, and a broadcast's words are kept by the lists part. The caller's page names them while it may.
- One reminder (REMINDER_TIMER), at the first moment after the invitation, within the campaign's window, when
  an office of the campaign is open with time left to call: when offices are closed as the invitation goes,
  as they open; when one is open, REMIND_AFTER later (or at the next opening). None when the campaign was
  paused or closed meanwhile. It goes to the same lists, or to the people reached (kept as `Invitee` rows,
  deleted once it went, or when the campaign closes or ends).
- Audited with ids, slugs and counts; never a person, a number or a name.
"""

import copy
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.campaigns.calling import callable_targets, is_calling_now
from solidarity.campaigns.hours import is_open, next_opening
from solidarity.campaigns.invite_models import Invitation, Invitee, InviteHow, ReminderState
from solidarity.campaigns.models import Campaign, State, Target
from solidarity.campaigns.scripts import filled
from solidarity.campaigns.services import audited, locked
from solidarity.core.bilingual import text_of
from solidarity.core.models import AuditAction, Zone
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings
from solidarity.core.timers import FiredTimer, set_timer
from solidarity.core.zones import network_zones
from solidarity.lists import broadcasts
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel, Message
from solidarity.messaging.models import State as MessageState
from solidarity.messaging.priority import Priority
from solidarity.messaging.sms.config import E164
from solidarity.messaging.sms.twilio import TwilioBackend
from solidarity.messaging.sms_settings import configured_backends
from solidarity.people.contacts import reachable_at
from solidarity.people.models import Certification, Contact, Coverage, Person, PersonState, Skill
from solidarity.people.services import local_today

log = logging.getLogger("solidarity.campaigns")

REMINDER_TIMER = "campaigns.invitation-reminder"
REMIND_AFTER = timedelta(hours=3)  # offices open as the invitation goes: people call now; remind them later
TIME_TO_CALL = timedelta(minutes=30)  # a reminder leaves at least this long before the office closes
INVITE_KEY = "campaigns.invite"
REMINDER_KEY = "campaigns.invite-reminder"
MAX_CHOICES = 50  # lists, skills or zones in one invitation


@dataclass
class InvitationValues:
    how: str = ""
    lists: list[AnnouncementList] = field(default_factory=list)
    skills: list[Skill] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    request_key: UUID | None = None


# What an organiser may choose from.


def lists_for(campaign: Campaign) -> QuerySet[AnnouncementList]:
    """The announcement lists of the campaign's group: the lists an invitation may go through."""
    return AnnouncementList.objects.filter(group=campaign.group).order_by("name_en", "name_es", "slug")


def skill_choices() -> QuerySet[Skill]:
    return Skill.objects.order_by("slug")


def zone_choices() -> QuerySet[Zone]:
    return network_zones()


def chosen(
    campaign: Campaign, how: str, lists: Iterable[str], skills: Iterable[str], zones: Iterable[str]
) -> InvitationValues:
    """The values a form or the API names by slug; ValidationError by field for a slug the network lacks."""
    wanted = {"lists": sorted(set(lists)), "skills": sorted(set(skills)), "zones": sorted(set(zones))}
    found: dict[str, list[Any]] = {
        "lists": list(lists_for(campaign).filter(slug__in=wanted["lists"])),
        "skills": list(skill_choices().filter(slug__in=wanted["skills"])),
        "zones": list(zone_choices().filter(slug__in=wanted["zones"])),
    }
    errors: dict[str, list[str]] = {}
    for name, slugs in wanted.items():
        missing = sorted(set(slugs) - {item.slug for item in found[name]})
        if missing:
            errors[name] = [_("Not one of the choices: %(found)s.") % {"found": ", ".join(missing)}]
    if errors:
        raise ValidationError(errors)
    return InvitationValues(how=how, lists=found["lists"], skills=found["skills"], zones=found["zones"])


def check_invitation(campaign: Campaign, values: InvitationValues, now: datetime) -> None:
    """ValidationError by field, or with the code "state" when the campaign may not invite now."""
    if campaign.state != State.LIVE or campaign.ends_at <= now:
        raise ValidationError(_("Only a live campaign whose calls have not ended invites people."), code="state")
    errors: dict[str, list[str]] = {}
    if values.how not in InviteHow.values:
        errors["how"] = [_("Choose how to invite: through lists, or by skill and zone.")]
    elif values.how == InviteHow.LISTS:
        if not values.lists:
            errors["lists"] = [_("Choose at least one list.")]
        elif any(item.group_id != campaign.group_id for item in values.lists):
            errors["lists"] = [_("Choose lists of the campaign's own group.")]
    elif not (values.skills or values.zones):
        errors["skills"] = [_("Choose a skill or a zone (or both): to invite everyone, use a list.")]
    for name in ("lists", "skills", "zones"):
        if len(getattr(values, name)) > MAX_CHOICES:
            errors[name] = [_("At most %(count)d at once.") % {"count": MAX_CHOICES}]
    if errors:
        raise ValidationError(errors)


# Sending.


def do_invite(campaign: Campaign, values: InvitationValues, *, by: User | None) -> Invitation:
    """Invite through lists or by skill and zone (module docstring), and plan the reminder.

    A second call with the same `request_key` returns the first invitation and sends nothing. Lock: the
    campaign's row (services.locked)."""
    now = timezone.now()
    check_invitation(campaign, values, now)
    with transaction.atomic():
        campaign = locked(campaign)
        if values.request_key is not None:
            earlier = Invitation.objects.filter(campaign=campaign, request_key=values.request_key).first()
            if earlier is not None:
                return earlier
        check_invitation(campaign, values, now)
        invitation = Invitation.objects.create(
            campaign=campaign, how=values.how, request_key=values.request_key, sent_by=by, sent_at=now
        )
        if values.how == InviteHow.LISTS:  # what the other way would choose is not kept (a form sends it all)
            invitation.lists.set(values.lists)
        else:
            invitation.skills.set(values.skills)
        invitation.zones.set(values.zones)
        if values.how == InviteHow.LISTS:
            if by is None:
                raise ValueError("a list invitation is sent by an organiser's account")
            made = send_through_lists(invitation, values.lists, values.zones, reminder=False, by=by)
            invitation.broadcasts.set(made)
            reached = sum(broadcast.recipients for broadcast in made)
        else:
            reached = invite_people(invitation, values.skills, values.zones, now)
        due = reminder_due(campaign, now)
        invitation.reached = reached
        invitation.reminder = ReminderState.PLANNED if due else ReminderState.NONE
        invitation.remind_at = due
        invitation.save(update_fields=["reached", "reminder", "remind_at"])
        if due is not None:
            set_timer(REMINDER_TIMER, str(invitation.uuid), due)
        detail: dict[str, str | int | bool | list[str]] = {
            "how": values.how,
            "lists": sorted(item.slug for item in values.lists) if values.how == InviteHow.LISTS else [],
            "skills": sorted(item.slug for item in values.skills) if values.how == InviteHow.PEOPLE else [],
            "zones": sorted(item.slug for item in values.zones),
            "reached": reached,
            "reminder": due is not None,
        }
        audited(by, campaign, AuditAction.CREATED, "campaigns.invitation", [invitation.uuid], detail)
    return invitation


def invitable_people(skills: Sequence[Skill], zones: Sequence[Zone], now: datetime) -> QuerySet[Person]:
    """People in the network who agreed to get announcements, holding one of `skills` (a certification that
    counts now) and covering one of `zones`; an empty choice does not narrow. Their contacts come prefetched."""
    found = Person.objects.filter(consent_announcements=True).filter(
        Q(state=PersonState.ACTIVE) | Q(state=PersonState.PAUSED, paused_until__lte=local_today(now))
    )
    if skills:
        current = Q(lapses_at__gt=now) & (Q(signed_off_at__isnull=False) | Q(skill__needs_sign_off=False))
        holders = Certification.objects.filter(current, skill__in=skills).values("person_id")
        found = found.filter(pk__in=holders)
    if zones:
        found = found.filter(pk__in=Coverage.objects.filter(zone__in=zones).values("person_id"))
    return found.prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("pk"))).order_by("pk")


def invite_key(campaign: Campaign, person: Person) -> str:
    return f"{INVITE_KEY}:{campaign.uuid}:{person.uuid}"


def invite_people(invitation: Invitation, skills: Sequence[Skill], zones: Sequence[Zone], now: datetime) -> int:
    """Queue the invitation for each person chosen who was not invited to this campaign before; keep those it
    reached (Invitee) for the reminder. Returns how many messages the outbox queued (an address that opted
    out is not reached)."""
    campaign = invitation.campaign
    people = [person for person in invitable_people(skills, zones, now) if reachable_at(person) is not None]
    keys = {person.pk: invite_key(campaign, person) for person in people}
    keyed = list(keys.values())
    sent = set(Message.objects.filter(idempotency_key__in=keyed).values_list("idempotency_key", flat=True))
    # Reached by an earlier invitation whose reminder has not gone yet (its message may have been purged).
    waiting = set(
        Invitee.objects.filter(invitation__campaign=campaign, person__in=people).values_list("person_id", flat=True)
    )
    fresh = [person for person in people if keys[person.pk] not in sent and person.pk not in waiting]
    batch = f"campaigns.invitation:{invitation.uuid}"
    items = [message_for(campaign, person, keys[person.pk], batch, reminder=False) for person in fresh]
    messaging.enqueue_many([item for item in items if item is not None])
    queued = set(
        Message.objects.filter(
            idempotency_key__in=[keys[person.pk] for person in fresh], state=MessageState.QUEUED
        ).values_list("idempotency_key", flat=True)
    )
    reached = [person for person in fresh if keys[person.pk] in queued]
    Invitee.objects.bulk_create(Invitee(invitation=invitation, person=person) for person in reached)
    return len(reached)


def send_through_lists(
    invitation: Invitation, lists: Sequence[AnnouncementList], zones: Sequence[Zone], *, reminder: bool, by: User
) -> list[Broadcast]:
    """The lists part's broadcasts of the invitation (or its reminder), sent: one to the lists' texts, one to
    their emails (each when a list offers it)."""
    campaign = invitation.campaign
    made = []
    for channel in (Channel.SMS, Channel.EMAIL):
        chosen_lists = [item for item in lists if channel in item.channels]
        if not chosen_lists:
            continue
        texts = {language: words(campaign, language, channel, reminder=reminder) for language in ("en", "es")}
        draft = broadcasts.Draft(
            lists=chosen_lists,
            subject_en=texts["en"][0],
            subject_es=texts["es"][0],
            text_en=texts["en"][1],
            text_es=texts["es"][1],
            channels=[channel],
            zones=list(zones),
        )
        broadcast = broadcasts.do_compose_broadcast(campaign.group, draft, by=by)
        broadcasts.do_send_broadcast(broadcast, by=by, inline=True)  # the invitation counts whom it reached
        made.append(broadcast)
    return made


# The reminder.


def opening_with_time_to_call(target: Target, after: datetime) -> datetime | None:
    """The first moment from `after` when the office is open and stays open TIME_TO_CALL (None: never, within
    a week)."""
    moment = next_opening(target, after)
    for _tries in range(3):  # past a closing, the next opening is a new day: it has time
        if moment is None or is_open(target, moment + TIME_TO_CALL):
            return moment
        moment = next_opening(target, moment + TIME_TO_CALL)
    return moment


def next_calling_time(campaign: Campaign, after: datetime) -> datetime | None:
    """The first moment from `after`, within the campaign's window, when one of its offices is open with time
    left to call; None when none opens again before the campaign ends."""
    start = max(after, campaign.starts_at)
    found = [
        moment
        for target in callable_targets(campaign)
        if (moment := opening_with_time_to_call(target, start)) is not None
    ]
    due = min(found, default=None)
    return due if due is not None and due + TIME_TO_CALL <= campaign.ends_at else None


def reminder_due(campaign: Campaign, sent_at: datetime) -> datetime | None:
    """When an invitation sent at `sent_at` is reminded of (module docstring)."""
    if sent_at >= campaign.starts_at and any(is_open(target, sent_at) for target in callable_targets(campaign)):
        return next_calling_time(campaign, sent_at + REMIND_AFTER)
    return next_calling_time(campaign, sent_at)


def remind(fired: FiredTimer) -> None:
    """REMINDER_TIMER: the invitation's one reminder (module docstring). Idempotent: the reminder is claimed by
    a conditional update; a campaign paused or closed meanwhile gets none. When no office is open at the due
    time (its hours changed since), the reminder waits for the next opening within the window."""
    invitation = (
        Invitation.objects.select_related("campaign__group", "sent_by")
        .filter(uuid=fired.key, reminder=ReminderState.PLANNED)
        .first()
    )
    if invitation is None:
        return
    campaign = invitation.campaign
    now = timezone.now()
    if not is_calling_now(campaign, now) or (invitation.how == InviteHow.LISTS and invitation.sent_by is None):
        end_reminder(invitation, ReminderState.SKIPPED)
        return
    later = next_calling_time(campaign, now)
    if later is None or later > now:  # the offices' hours changed since it was planned
        if later is None:
            end_reminder(invitation, ReminderState.SKIPPED)
        else:
            Invitation.objects.filter(pk=invitation.pk).update(remind_at=later)
            set_timer(REMINDER_TIMER, str(invitation.uuid), later)
        return
    if not Invitation.objects.filter(pk=invitation.pk, reminder=ReminderState.PLANNED).update(
        reminder=ReminderState.SENT, reminded_at=now
    ):
        return
    if invitation.how == InviteHow.LISTS and invitation.sent_by is not None:
        lists = list(invitation.lists.filter(group=campaign.group))
        made = send_through_lists(invitation, lists, list(invitation.zones.all()), reminder=True, by=invitation.sent_by)
        invitation.broadcasts.add(*made)
        reached = sum(broadcast.recipients for broadcast in made)
    else:
        reached = remind_people(invitation, now)
    Invitation.objects.filter(pk=invitation.pk).update(reminder_reached=reached)
    Invitee.objects.filter(invitation=invitation).delete()
    audited(None, campaign, AuditAction.CHANGED, "campaigns.invitation", [invitation.uuid], {"reminded": reached})


def end_reminder(invitation: Invitation, state: ReminderState) -> None:
    Invitation.objects.filter(pk=invitation.pk, reminder=ReminderState.PLANNED).update(reminder=state)
    Invitee.objects.filter(invitation=invitation).delete()


def remind_people(invitation: Invitation, now: datetime) -> int:
    """The reminder to the people the invitation reached who are still in the network and still agree."""
    campaign = invitation.campaign
    people = invitable_people([], [], now).filter(
        pk__in=Invitee.objects.filter(invitation=invitation).values("person_id")
    )
    batch = f"campaigns.invitation:{invitation.uuid}"
    items = [
        message_for(campaign, person, f"{REMINDER_KEY}:{campaign.uuid}:{person.uuid}", batch, reminder=True)
        for person in people
    ]
    return messaging.enqueue_many([item for item in items if item is not None])


def forget_invitees(campaign: Campaign) -> int:
    """The campaign closes: the people its invitations reached are forgotten (in the caller's transaction)."""
    deleted, _by_model = Invitee.objects.filter(invitation__campaign=campaign).delete()
    return deleted


# The words. SMS: GSM-7 where the language allows (the Spanish avoids á, í, ó, ú), and short.


def unnamed(campaign: Campaign) -> Campaign:
    """The campaign as an invitation speaks of it: never naming the person (module docstring)."""
    shown = copy.copy(campaign)
    shown.subject_name = ""
    shown.subject_identifiers = ""
    return shown


def call_link(campaign: Campaign, language: str) -> str:
    """The callers' page of the campaign, in `language`."""
    with translation.override(language):
        return str(settings.BASE_URL).rstrip("/") + reverse("campaigns:call", kwargs={"campaign": campaign.code})


def sms_number() -> str:
    """The network's number for texts, as people dial it; "" when it has none we can tell (a Twilio sender that
    is a phone number is one; a Messaging Service SID, or a phone running an SMS gateway, is not)."""
    for backend in configured_backends():
        if isinstance(backend, TwilioBackend) and E164.fullmatch(backend.sender):
            found = dialable(backend.sender, get_network_settings().phone_region)
            return found.text if found else backend.sender
    return ""


def values_of(campaign: Campaign, language: str) -> dict[str, str]:
    shown = unnamed(campaign)
    return {
        "network": get_network_settings().name,
        "title": filled(text_of(campaign, "title", language), shown, language),
        "goal": filled(text_of(campaign, "goal", language), shown, language),
        "code": campaign.code,
    }


def sms_text(values: dict[str, str], *, reminder: bool) -> str:
    if reminder:
        # Translators: SMS, a reminder that the offices of a call-in campaign are open. Keep LLAMAR and the code
        # together; avoid á, í, ó, ú.
        text = _('%(network)s: the offices are open now for "%(title)s". Text CALL %(code)s to this number to call.')
    else:
        # Translators: SMS, an invitation to a call-in campaign. Keep LLAMAR and the code together; avoid á, í, ó, ú.
        text = _(
            '%(network)s: join the call-in "%(title)s". Text CALL %(code)s to this number for an office to call '
            "and what to say."
        )
    return text % values


def email_words(campaign: Campaign, language: str, *, reminder: bool) -> tuple[str, str]:
    """(subject, body) of the email invitation or reminder in `language`: the words, the link, and the text."""
    with translation.override(language):
        values = values_of(campaign, language) | {"link": call_link(campaign, language), "number": sms_number()}
        name = "reminder" if reminder else "invitation"
        subject = render_to_string(f"campaigns/email/{name}_subject.txt", values).strip()
        body = render_to_string(f"campaigns/email/{name}_body.txt", values)
    return subject, body


def words(campaign: Campaign, language: str, channel: str, *, reminder: bool) -> tuple[str, str]:
    """(subject, text) on `channel` in `language`: a text message's subject is "" (a broadcast's texts show
    none)."""
    if channel == Channel.EMAIL:
        return email_words(campaign, language, reminder=reminder)
    with translation.override(language):
        return "", sms_text(values_of(campaign, language), reminder=reminder)


def message_for(
    campaign: Campaign, person: Person, key: str, batch: str, *, reminder: bool
) -> messaging.Outgoing | None:
    """One person's invitation or reminder, in their language, at their primary phone or else their email."""
    address = reachable_at(person)
    if address is None:
        return None
    channel, to = address
    language = person.language if person.language in ("en", "es") else settings.LANGUAGE_CODE
    subject, text = words(campaign, language, channel, reminder=reminder)
    if channel == Channel.EMAIL:
        content: dict[str, Any] = mail.email_content(to=to, subject=subject, text=text, language=language)
    else:
        content = {"text": text}
    return messaging.Outgoing(
        channel, to, content, idempotency_key=key, language=language, priority=Priority.ANNOUNCEMENT, batch=batch
    )


# Reading.


def invitations_of(campaign: Campaign) -> QuerySet[Invitation]:
    """The campaign's invitations, newest first, with what they chose (four queries, however many)."""
    return (
        Invitation.objects.filter(campaign=campaign)
        .select_related("sent_by")
        .prefetch_related(
            Prefetch("lists", queryset=AnnouncementList.objects.order_by("slug")),
            Prefetch("skills", queryset=Skill.objects.order_by("slug")),
            Prefetch("zones", queryset=Zone.objects.order_by("slug")),
        )
        .order_by("-sent_at", "-pk")
    )
