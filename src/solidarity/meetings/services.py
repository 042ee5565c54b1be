"""Meetings' workflows: a meeting and its agenda, its roles, who is there, running it live, and closing it.

The speaking queue's own workflows are meetings.stack's. Every live change bumps the meeting's
`version` and publishes its public picture (meetings.live) once the transaction commits.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.codes import unique_code
from solidarity.core.models import AuditAction
from solidarity.meetings import live
from solidarity.meetings.actions import carry_open_actions
from solidarity.meetings.models import (
    MAX_ITEM_MINUTES,
    NAME_LENGTH,
    AgendaItem,
    Duty,
    ItemKind,
    ItemState,
    Kind,
    Language,
    Meeting,
    MeetingRole,
    Participant,
    Rule,
    State,
    Turn,
    TurnState,
    Visibility,
)
from solidarity.meetings.names import display_name

EXTEND_MINUTES = 5
BREAK_MINUTES = 5
MAX_ITEMS = 60
CODE_TRIES = 5


def actor_of(by: User | None, actor: str = "") -> str:
    return actor or (str(by.uuid) if by is not None else audit.SYSTEM)


def record(by: User | None, action: AuditAction, ids: list[Any], detail: audit.Detail, *, actor: str = "") -> None:
    audit.record(
        actor=actor_of(by, actor), action=action, object_type="meetings.meeting", object_ids=ids, detail=detail
    )


# Meetings.


@dataclass(frozen=True)
class MeetingValues:
    """What a facilitator (or the API) writes about a meeting."""

    title_en: str
    title_es: str
    starts_at: datetime
    kind: str = Kind.GROUP
    place: str = ""
    call_link: str = ""
    language: str = Language.BOTH
    visibility: str = Visibility.MEMBERS
    is_open: bool = True
    rule: str = Rule.CONSENSUS
    fallback_percent: int = 75
    minus_blocks: int = 1
    quorum: int = 0
    turn_seconds: int = 120


FIELDS = tuple(MeetingValues.__dataclass_fields__)


def clean_meeting(values: MeetingValues) -> None:
    errors: dict[str, str] = {}
    if not values.title_en.strip() and not values.title_es.strip():
        errors["title_en"] = _("Give the meeting a title, in English or in Spanish.")
    if not values.place.strip() and not values.call_link.strip():
        errors["place"] = _("Say where it happens: a place, a call link, or both.")
    if not 51 <= values.fallback_percent <= 100:
        errors["fallback_percent"] = _("Between 51 and 100 percent.")
    if not 15 <= values.turn_seconds <= 900:
        errors["turn_seconds"] = _("Between 15 seconds and 15 minutes.")
    if errors:
        raise ValidationError(errors)


def do_create_meeting(group: WorkingGroup, values: MeetingValues, *, by: User | None, actor: str = "") -> Meeting:
    """A new scheduled meeting of `group`, with a join code. ValidationError (by field) for what does not fit."""
    clean_meeting(values)
    for attempt in range(CODE_TRIES):
        try:
            with transaction.atomic():
                meeting = Meeting(group=group, created_by=by, code=unique_code(Meeting, "code"))
                for name in FIELDS:
                    setattr(meeting, name, getattr(values, name))
                meeting.save()
                record(by, AuditAction.CREATED, [meeting.uuid], {"group": group.slug, "kind": values.kind}, actor=actor)
                live.set_reminders(meeting)
            return meeting
        except IntegrityError:  # another meeting took the code between the check and the insert
            if attempt == CODE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def check_not_over(meeting: Meeting) -> None:
    if meeting.state in (State.CLOSED, State.CANCELLED):
        raise ValidationError(_("This meeting is over: it cannot be changed."))


def do_edit_meeting(meeting: Meeting, values: MeetingValues, *, by: User | None, actor: str = "") -> list[str]:
    """Change a meeting that is not over; a new time moves the reminders. Returns the changed fields."""
    clean_meeting(values)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        check_not_over(locked)
        changed = [name for name in FIELDS if getattr(locked, name) != getattr(values, name)]
        for name in FIELDS:
            setattr(locked, name, getattr(values, name))
        locked.save()
        if "starts_at" in changed:
            live.set_reminders(locked)
        record(by, AuditAction.CHANGED, [locked.uuid], {"changed": changed}, actor=actor)
        live.changed(locked)
    meeting.refresh_from_db()
    return changed


def do_cancel_meeting(meeting: Meeting, *, by: User | None, actor: str = "") -> bool:
    """Cancel a meeting that has not begun; those who said they would come are told. False if it had begun."""
    with transaction.atomic():
        updated = Meeting.objects.filter(pk=meeting.pk, state=State.SCHEDULED).update(state=State.CANCELLED)
        if not updated:
            return False
        meeting.refresh_from_db()
        live.cancel_reminders(meeting)
        live.tell_cancelled(meeting)
        record(by, AuditAction.CHANGED, [meeting.uuid], {"state": "cancelled"}, actor=actor)
    return True


# Roles.


def do_set_role(meeting: Meeting, duty: str, user: User | None, *, by: User | None, actor: str = "") -> None:
    """Give one of the meeting's duties to `user`, or to nobody (None)."""
    if duty not in Duty.values:
        raise ValidationError({"duty": _("Not one of the meeting's roles.")})
    with transaction.atomic():
        check_not_over(meeting)
        MeetingRole.objects.filter(meeting=meeting, duty=duty).delete()
        if user is not None:
            MeetingRole.objects.create(meeting=meeting, duty=duty, user=user)
        record(by, AuditAction.CHANGED, [meeting.uuid], {"role": duty, "held": user is not None}, actor=actor)
        live.changed(meeting)


# The agenda.


@dataclass(frozen=True)
class ItemValues:
    title_en: str
    title_es: str
    minutes: int
    kind: str = ItemKind.ITEM
    presenter: str = ""
    group: WorkingGroup | None = None


ITEM_FIELDS = tuple(ItemValues.__dataclass_fields__)


def clean_item(values: ItemValues) -> None:
    errors: dict[str, str] = {}
    if values.kind not in ItemKind.values:
        errors["kind"] = _("Not a kind of agenda item.")
    elif values.kind != ItemKind.BREAK and not values.title_en.strip() and not values.title_es.strip():
        errors["title_en"] = _("Give the item a title, in English or in Spanish.")
    if not 1 <= values.minutes <= MAX_ITEM_MINUTES:
        errors["minutes"] = _("Between 1 and %(max)d minutes.") % {"max": MAX_ITEM_MINUTES}
    if len(values.presenter) > NAME_LENGTH:
        errors["presenter"] = _("At most %(max)d characters.") % {"max": NAME_LENGTH}
    if values.kind == ItemKind.REPORT and values.group is None:
        errors["group"] = _("Say which working group reports back.")
    if errors:
        raise ValidationError(errors)


def break_values(minutes: int = BREAK_MINUTES) -> ItemValues:
    return ItemValues(title_en="Break", title_es="Descanso", minutes=minutes, kind=ItemKind.BREAK)


def report_values(group: WorkingGroup, minutes: int = 10) -> ItemValues:
    """The report-back template: a working group's item, titled for it in both languages."""
    return ItemValues(
        title_en=f"Report-back: {group.name}",
        title_es=f"Informe: {group.name}",
        minutes=minutes,
        kind=ItemKind.REPORT,
        group=group,
    )


def do_add_item(
    meeting: Meeting, values: ItemValues, *, by: User | None, after: AgendaItem | None = None, actor: str = ""
) -> AgendaItem:
    """An item at the end of the agenda, or just after `after`. ValidationError for what does not fit."""
    if values.kind == ItemKind.BREAK and not (values.title_en.strip() or values.title_es.strip()):
        values = break_values(values.minutes)
    clean_item(values)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        check_not_over(locked)
        if locked.items.count() >= MAX_ITEMS:
            raise ValidationError(_("An agenda holds at most %(max)d items.") % {"max": MAX_ITEMS})
        if after is None:
            position = (locked.items.aggregate(last=Max("position"))["last"] or 0) + 1
        else:
            position = after.position + 1
            locked.items.filter(position__gte=position).update(position=F("position") + 1)
        item = AgendaItem.objects.create(
            meeting=locked, position=position, **{name: getattr(values, name) for name in ITEM_FIELDS}
        )
        record(by, AuditAction.CHANGED, [locked.uuid], {"item": "added", "kind": values.kind}, actor=actor)
        live.changed(locked)
    return item


def do_edit_item(item: AgendaItem, values: ItemValues, *, by: User | None, actor: str = "") -> None:
    clean_item(values)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
        check_not_over(meeting)
        for name in ITEM_FIELDS:
            setattr(item, name, getattr(values, name))
        item.save()
        record(by, AuditAction.CHANGED, [meeting.uuid], {"item": "changed"}, actor=actor)
        live.changed(meeting)


def do_remove_item(item: AgendaItem, *, by: User | None, actor: str = "") -> None:
    """Take an item off the agenda; not the current one, nor one already done."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
        check_not_over(meeting)
        if item.state != ItemState.WAITING:
            raise ValidationError(_("This item has begun: it stays on the agenda."))
        item.delete()
        renumber(meeting)
        record(by, AuditAction.CHANGED, [meeting.uuid], {"item": "removed"}, actor=actor)
        live.changed(meeting)


def renumber(meeting: Meeting) -> None:
    for position, item in enumerate(meeting.items.order_by("position", "pk"), start=1):
        if item.position != position:
            AgendaItem.objects.filter(pk=item.pk).update(position=position)


def do_move_item(item: AgendaItem, offset: int, *, by: User | None, actor: str = "") -> None:
    """Move an item up (offset -1) or down (+1) the agenda, past items still to come only."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
        check_not_over(meeting)
        items = list(meeting.items.order_by("position", "pk"))
        index = next(i for i, each in enumerate(items) if each.pk == item.pk)
        target = index + (1 if offset > 0 else -1)
        if not 0 <= target < len(items):
            return
        if items[target].state != ItemState.WAITING or items[index].state != ItemState.WAITING:
            raise ValidationError(_("Only items still to come can change places."))
        items[index], items[target] = items[target], items[index]
        for position, each in enumerate(items, start=1):
            AgendaItem.objects.filter(pk=each.pk).update(position=position)
        record(by, AuditAction.CHANGED, [meeting.uuid], {"item": "moved"}, actor=actor)
        live.changed(meeting)


def planned_minutes(meeting: Meeting) -> int:
    return sum(item.minutes for item in meeting.items.all())


def schedule_of(meeting: Meeting, items: list[AgendaItem]) -> list[tuple[AgendaItem, datetime]]:
    """Each item with when it is planned to begin: the meeting's start plus the boxes before it."""
    at, planned = meeting.starts_at, []
    for item in items:
        planned.append((item, at))
        at += timedelta(minutes=item.minutes)
    return planned


# Running it.


def do_start_meeting(meeting: Meeting, *, by: User | None, actor: str = "") -> None:
    """The meeting begins with the first item of its agenda. ValidationError if it has none or is over."""
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.state != State.SCHEDULED:
            raise ValidationError(_("This meeting has already begun, or is over."))
        first = locked.items.order_by("position", "pk").first()
        if first is None:
            raise ValidationError(_("Add at least one item to the agenda first."))
        now = timezone.now()
        locked.state, locked.started_at = State.LIVE, now
        locked.planned_minutes = planned_minutes(locked)
        locked.save(update_fields=["state", "started_at", "planned_minutes"])
        begin_item(locked, first, now)
        record(by, AuditAction.CHANGED, [locked.uuid], {"state": "live"}, actor=actor)
        live.changed(locked)
    meeting.refresh_from_db()


def begin_item(meeting: Meeting, item: AgendaItem, now: datetime) -> None:
    """End the current item (its waiting turns are withdrawn: a stack belongs to its item) and begin `item`."""
    current = meeting.current_item
    if current is not None and current.pk != item.pk:
        AgendaItem.objects.filter(pk=current.pk).update(state=ItemState.DONE, ended_at=now)
        end_speaking(meeting, now)
        Turn.objects.filter(item=current, state=TurnState.WAITING).update(state=TurnState.WITHDRAWN, ended_at=now)
    AgendaItem.objects.filter(pk=item.pk).update(state=ItemState.CURRENT, started_at=now, ended_at=None)
    meeting.current_item = item
    meeting.save(update_fields=["current_item"])


def end_speaking(meeting: Meeting, now: datetime) -> None:
    for turn in Turn.objects.filter(meeting=meeting, state=TurnState.SPEAKING):
        started = turn.started_at or now
        turn.state, turn.ended_at = TurnState.SPOKE, now
        turn.spoken_seconds = max(0, int((now - started).total_seconds()))
        turn.save(update_fields=["state", "ended_at", "spoken_seconds"])


def live_meeting(meeting: Meeting) -> Meeting:
    """The meeting's row, locked, if it is in progress; ValidationError otherwise."""
    meetings = Meeting.objects.select_for_update(of=("self",)).select_related("current_item")
    locked = live.with_what_a_redraw_reads(meetings).get(pk=meeting.pk)
    if locked.state != State.LIVE:
        raise ValidationError(_("This meeting is not in progress."))
    return locked


def do_next_item(meeting: Meeting, *, by: User | None, actor: str = "") -> AgendaItem | None:
    """The current item is done; the next one still to come begins. None when the agenda is through."""
    with transaction.atomic():
        locked = live_meeting(meeting)
        now = timezone.now()
        following = locked.items.filter(state=ItemState.WAITING).order_by("position", "pk").first()
        if following is None:
            if locked.current_item is not None:
                AgendaItem.objects.filter(pk=locked.current_item.pk).update(state=ItemState.DONE, ended_at=now)
                end_speaking(locked, now)
                Turn.objects.filter(item=locked.current_item, state=TurnState.WAITING).update(
                    state=TurnState.WITHDRAWN, ended_at=now
                )
                locked.current_item = None
                locked.save(update_fields=["current_item"])
        else:
            begin_item(locked, following, now)
        record(by, AuditAction.CHANGED, [locked.uuid], {"item": "next"}, actor=actor)
        live.changed(locked)
    return following


def do_begin_item(item: AgendaItem, *, by: User | None, actor: str = "") -> None:
    """Go to `item` now, out of order (one still to come, or back to one done)."""
    with transaction.atomic():
        locked = live_meeting(item.meeting)
        if locked.current_item_id == item.pk:
            return
        begin_item(locked, item, timezone.now())
        record(by, AuditAction.CHANGED, [locked.uuid], {"item": "begun"}, actor=actor)
        live.changed(locked)


def do_extend_item(meeting: Meeting, minutes: int = EXTEND_MINUTES, *, by: User | None, actor: str = "") -> None:
    """ "Five more minutes?": the current item's box grows."""
    if not 1 <= minutes <= 60:
        raise ValidationError({"minutes": _("Between 1 and 60 minutes.")})
    with transaction.atomic():
        locked = live_meeting(meeting)
        if locked.current_item is None:
            raise ValidationError(_("No item is under way."))
        AgendaItem.objects.filter(pk=locked.current_item.pk).update(extended_minutes=F("extended_minutes") + minutes)
        record(by, AuditAction.CHANGED, [locked.uuid], {"item": "extended", "minutes": minutes}, actor=actor)
        live.changed(locked)


def do_take_break(meeting: Meeting, minutes: int = BREAK_MINUTES, *, by: User | None, actor: str = "") -> AgendaItem:
    """A break now: a break item goes in after the current one and begins; the agenda resumes after it."""
    if not 1 <= minutes <= 60:
        raise ValidationError({"minutes": _("Between 1 and 60 minutes.")})
    with transaction.atomic():
        locked = live_meeting(meeting)
        current = locked.current_item
        position = (current.position + 1) if current is not None else 1
        locked.items.filter(position__gte=position).update(position=F("position") + 1)
        pause = AgendaItem.objects.create(meeting=locked, position=position, **vars_of(break_values(minutes)))
        begin_item(locked, pause, timezone.now())
        record(by, AuditAction.CHANGED, [locked.uuid], {"item": "break", "minutes": minutes}, actor=actor)
        live.changed(locked)
    return pause


def vars_of(values: ItemValues) -> dict[str, Any]:
    return {name: getattr(values, name) for name in ITEM_FIELDS}


def do_set_next_meeting(
    meeting: Meeting, starts_at: datetime, *, by: User | None, place: str = "", actor: str = ""
) -> Meeting:
    """Set the next meeting before leaving: a new scheduled meeting like this one (its group, kind, rule,
    place and language; roles rotate, so none are copied). Setting it again moves that meeting."""
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Choose a time in the future.")})
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        check_not_over(locked)
        following = locked.next_meeting
        if following is not None and following.state == State.SCHEDULED:
            following.starts_at = starts_at
            if place.strip():
                following.place = place.strip()
            following.save(update_fields=["starts_at", "place"])
            live.set_reminders(following)
        else:
            values = MeetingValues(**{name: getattr(locked, name) for name in FIELDS} | {"starts_at": starts_at})
            if place.strip():
                values = MeetingValues(**vars(values) | {"place": place.strip()})
            following = do_create_meeting(locked.group, values, by=by, actor=actor)
            locked.next_meeting = following
            locked.save(update_fields=["next_meeting"])
        record(by, AuditAction.CHANGED, [locked.uuid, following.uuid], {"next": "set"}, actor=actor)
        live.changed(locked)
    meeting.refresh_from_db()
    return following


def do_close_meeting(meeting: Meeting, *, by: User | None, actor: str = "") -> None:
    """Close the meeting. Not before the next one is set: the assembly sets it before anyone leaves."""
    with transaction.atomic():
        locked = live_meeting(meeting)
        if locked.next_meeting_id is None:
            raise ValidationError(_("Set the date of the next meeting before closing this one."))
        now = timezone.now()
        if locked.current_item is not None:
            AgendaItem.objects.filter(pk=locked.current_item.pk).update(state=ItemState.DONE, ended_at=now)
        end_speaking(locked, now)
        Turn.objects.filter(meeting=locked, state=TurnState.WAITING).update(state=TurnState.WITHDRAWN, ended_at=now)
        locked.state, locked.closed_at, locked.current_item = State.CLOSED, now, None
        locked.save(update_fields=["state", "closed_at", "current_item"])
        carry_open_actions(locked, locked.next_meeting)  # open action items come back on the next meeting's agenda
        record(by, AuditAction.CHANGED, [locked.uuid], {"state": "closed"}, actor=actor)
        live.changed(locked)
        live.closed(locked)
    meeting.refresh_from_db()


# Who is there.


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Write the name you want the room to see.")})
    if len(name) > NAME_LENGTH:
        raise ValidationError({"name": _("At most %(max)d characters.") % {"max": NAME_LENGTH}})
    return name


def do_join_with_code(meeting: Meeting, name: str, language: str) -> tuple[Participant, str]:
    """Someone in the room joins an open meeting with a name of their choosing: the participant and the
    token their browser keeps (only its hash is stored)."""
    name = clean_name(name)
    if not meeting.is_open:
        raise ValidationError(_("This meeting's speaking queue is for members: sign in to join it."))
    check_not_over(meeting)
    token = secrets.token_urlsafe(24)
    participant = Participant.objects.create(
        meeting=meeting, name=name, language=language, token_hash=hash_token(token), joined_at=timezone.now()
    )
    return participant, token


def participant_by_token(meeting: Meeting, token: str) -> Participant | None:
    if not token:
        return None
    return Participant.objects.filter(meeting=meeting, token_hash=hash_token(token)).first()


def participant_for(meeting: Meeting, user: User, *, joining: bool = True) -> Participant:
    """The account's participant row at this meeting (made on first use). `joining` marks them present."""
    participant, _created = Participant.objects.get_or_create(
        meeting=meeting, user=user, defaults={"name": display_name(user), "language": user.language or "en"}
    )
    if joining and participant.joined_at is None:
        participant.joined_at = timezone.now()
        participant.save(update_fields=["joined_at"])
    return participant


def do_say_coming(meeting: Meeting, user: User, coming: bool) -> Participant:
    """An account says it will come (reminders go to it) or that it will not."""
    check_not_over(meeting)
    participant = participant_for(meeting, user, joining=False)
    participant.is_coming = coming
    participant.save(update_fields=["is_coming"])
    return participant


def present_count(meeting: Meeting) -> int:
    return meeting.participants.filter(joined_at__isnull=False).count()


def meeting_extends(meeting: Meeting) -> timedelta:
    return timedelta(minutes=planned_minutes(meeting))
