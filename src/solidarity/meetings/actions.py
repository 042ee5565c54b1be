"""Action items: what someone said they would do at a meeting, their reminder, and the carry to the next meeting.

An action item names what, who (an account, or just a name), a due date and perhaps a working group. An
owner with an account is reminded by email two days before the due date, at 09:00 network time (at once
when that has passed and the day has not), through a timer whose token the item keeps: marking it done,
dropping it or a new due date makes an older timer's fire do nothing. While open, it comes back on the next
meeting: closing a meeting carries its open items there (`carry_open_actions`), onto an agenda item
"Open action items" / "Tareas pendientes".

(meetings.services calls `carry_open_actions` when a meeting closes, so this module does not import it.)
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, Max, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.mail import email_account, language_of
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditAction
from solidarity.core.services import network_timezone
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.meetings import live
from solidarity.meetings.minutes import add_entry, minutes_of, record_change
from solidarity.meetings.models import (
    NAME_LENGTH,
    REASON_LENGTH,
    ActionItem,
    ActionState,
    AgendaItem,
    EntryKind,
    ItemKind,
    Meeting,
    State,
)
from solidarity.meetings.names import display_name

REMINDER_TIMER = "meetings.action-due"
REMIND_DAYS_BEFORE = 2
REMIND_AT = time(9, 0)
CARRY_TITLE_EN = "Open action items"
CARRY_TITLE_ES = "Tareas pendientes"
CARRY_MINUTES = 10


@dataclass(frozen=True)
class ActionValues:
    """What the minute taker writes: `owner` an account, or `owner_name` alone (a name the minutes show)."""

    what: str
    owner: User | None = None
    owner_name: str = ""
    due_on: date | None = None
    group: WorkingGroup | None = None
    item: AgendaItem | None = None


def clean_action(meeting: Meeting, values: ActionValues) -> tuple[str, str]:
    """The text and the owner's name as stored; ValidationError by field."""
    errors: dict[str, str] = {}
    what = values.what.strip()
    name = " ".join(values.owner_name.split()) or (display_name(values.owner) if values.owner else "")
    if not what:
        errors["what"] = _("Say what is to be done.")
    elif len(what) > REASON_LENGTH:
        errors["what"] = _("At most %(max)d characters.") % {"max": REASON_LENGTH}
    if not name:
        errors["owner_name"] = _("Say who does it: choose an account or write a name.")
    elif len(name) > NAME_LENGTH:
        errors["owner_name"] = _("At most %(max)d characters.") % {"max": NAME_LENGTH}
    if values.due_on is not None and values.due_on < timezone.localdate(timezone=network_timezone()):
        errors["due_on"] = _("Choose a date from today on.")
    if values.item is not None and values.item.meeting_id != meeting.pk:
        errors["item"] = _("Not an item of this meeting's agenda.")
    if errors:
        raise ValidationError(errors)
    return what, name


def do_add_action_item(meeting: Meeting, values: ActionValues, *, by: User | None) -> ActionItem:
    """An action item of `meeting`, in progress or closed with minutes not yet published, with its entry in the
    minutes and its owner's reminder. One added after the meeting closed is carried to the next one at once."""
    what, name = clean_action(meeting, values)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.state not in (State.LIVE, State.CLOSED) or minutes_of(locked).is_published:
            raise ValidationError(
                _("Action items are added while the meeting runs, or to its minutes before they are published.")
            )
        action = ActionItem.objects.create(
            meeting=locked,
            item=values.item,
            what=what,
            owner=values.owner,
            owner_name=name,
            due_on=values.due_on,
            group=values.group,
        )
        add_entry(locked, EntryKind.ACTION, item=values.item, action_item=action)
        set_reminder(action)
        record_change(by, [locked.uuid, action.uuid], {"action_item": "added"}, AuditAction.CREATED)
        if locked.state == State.CLOSED:
            carry_open_actions(locked, locked.next_meeting)
    action.refresh_from_db()
    return action


def do_finish_action_item(action: ActionItem, state: str, *, by: User | None) -> bool:
    """Mark an open action item done or dropped; False when it was no longer open (nothing changes)."""
    if state not in (ActionState.DONE, ActionState.DROPPED):
        raise ValueError(state)
    with transaction.atomic():
        done_at = timezone.now() if state == ActionState.DONE else None
        changed = ActionItem.objects.filter(pk=action.pk, state=ActionState.OPEN).update(
            state=state, done_at=done_at, reminder_token=None
        )
        if changed:
            cancel_timer(REMINDER_TIMER, str(action.uuid))
            record_change(by, [action.uuid], {"action_item": state})
    action.refresh_from_db()
    return bool(changed)


def do_reopen_action_item(action: ActionItem, *, by: User | None) -> bool:
    """Back to open (marked done by mistake); its reminder is set again."""
    with transaction.atomic():
        changed = (
            ActionItem.objects.filter(pk=action.pk)
            .exclude(state=ActionState.OPEN)
            .update(state=ActionState.OPEN, done_at=None)
        )
        if changed:
            action.refresh_from_db()
            set_reminder(action)
            record_change(by, [action.uuid], {"action_item": "reopened"})
    return bool(changed)


# Reminders.


def reminder_due(due_on: date, now: datetime) -> datetime | None:
    """When to remind: two days before at 09:00 network time; at once when that has passed and the due day's
    09:00 has not; never after that."""
    tz = network_timezone()
    at = datetime.combine(due_on - timedelta(days=REMIND_DAYS_BEFORE), REMIND_AT, tzinfo=tz)
    if at > now:
        return at
    return now if now < datetime.combine(due_on, REMIND_AT, tzinfo=tz) else None


def set_reminder(action: ActionItem) -> None:
    """Set (or cancel) the owner's reminder for an open item; its new token goes on the row."""
    due = reminder_due(action.due_on, timezone.now()) if action.due_on and action.owner_id else None
    if due is None or action.state != ActionState.OPEN:
        cancel_timer(REMINDER_TIMER, str(action.uuid))
        ActionItem.objects.filter(pk=action.pk).update(reminder_token=None)
        return
    token = set_timer(REMINDER_TIMER, str(action.uuid), due)
    ActionItem.objects.filter(pk=action.pk).update(reminder_token=token)


def my_tasks_link(language: str) -> str:
    with translation.override(language):
        return str(settings.BASE_URL).rstrip("/") + reverse("meetings-record:my-tasks")


def remind_owner(fired: FiredTimer) -> None:
    """REMINDER_TIMER: one email to the owner of an item still open, if this is its current timer (idempotent)."""
    action = (
        ActionItem.objects.filter(uuid=fired.key, state=ActionState.OPEN, reminder_token=fired.token)
        .select_related("owner", "meeting")
        .first()
    )
    if action is None or action.owner is None or action.due_on is None:
        return
    language = language_of(action.owner)
    context = {
        "what": action.what,
        "due_on": action.due_on,
        "meeting": action.meeting.title(language),
        "met_on": action.meeting.starts_at,
        "link": my_tasks_link(language),
    }
    key = f"{REMINDER_TIMER}:{action.uuid}:{action.due_on.isoformat()}"
    email_account(action.owner, "meetings/record/email/action_due", context, key=key)


# The next meeting.


def open_actions_of(meeting: Meeting) -> QuerySet[ActionItem]:
    """Open items that belong to `meeting` now: made there and not carried on, or carried to it."""
    here = Q(meeting=meeting, carried_to__isnull=True) | Q(carried_to=meeting)
    return ActionItem.objects.filter(here, state=ActionState.OPEN)


def carry_open_actions(meeting: Meeting, following: Meeting | None) -> int:
    """Carry `meeting`'s open action items to `following`, onto its agenda item "Open action items" (added once,
    at the end of its agenda). Nothing when there is no following meeting to come. Returns how many moved.
    Idempotent: items already carried are not carried again."""
    if following is None or following.state != State.SCHEDULED:
        return 0
    waiting = open_actions_of(meeting)
    if not waiting.exists():
        return 0
    with transaction.atomic():
        target = Meeting.objects.select_for_update().get(pk=following.pk)
        item = target.items.filter(kind=ItemKind.ITEM, title_en=CARRY_TITLE_EN).first()
        if item is None:
            position = (target.items.aggregate(last=Max("position"))["last"] or 0) + 1
            item = AgendaItem.objects.create(
                meeting=target,
                position=position,
                kind=ItemKind.ITEM,
                title_en=CARRY_TITLE_EN,
                title_es=CARRY_TITLE_ES,
                minutes=CARRY_MINUTES,
            )
            live.changed(target)
        ids = list(waiting.values_list("uuid", flat=True))
        moved = ActionItem.objects.filter(uuid__in=ids).update(carried_to=target, carried_item=item)
        record_change(None, [meeting.uuid, target.uuid], {"action_items": "carried", "count": moved})
    return moved


# Lists.


def actions_of(meeting: Meeting) -> QuerySet[ActionItem]:
    """The items made at `meeting` and those carried to it, open first, then by due date."""
    return ordered(ActionItem.objects.filter(Q(meeting=meeting) | Q(carried_to=meeting)))


def tasks_of(user: User) -> QuerySet[ActionItem]:
    """An account's own action items, open first, soonest due first."""
    return ordered(ActionItem.objects.filter(owner=user))


def ordered(found: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    rank = Case(When(state=ActionState.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    due = F("due_on").asc(nulls_last=True)
    return found.select_related("meeting", "group", "item", "carried_to").order_by(rank, due, "created_at", "pk")
