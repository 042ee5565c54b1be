"""The speaking queue's workflows: getting on stack, the next speaker, the keeper's hand, side stacks.

Every change locks the meeting's row (one writer at a time per meeting: two taps never take the
same place), bumps its version and tells the screens (meetings.live). The person next in line
who joined by text is told by SMS, once per turn.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings
from solidarity.meetings import live
from solidarity.meetings.models import (
    AgendaItem,
    Lane,
    Meeting,
    Participant,
    SideStack,
    Turn,
    TurnState,
    Via,
)
from solidarity.meetings.names import clock
from solidarity.meetings.queue import once_called, queue_of
from solidarity.meetings.services import clean_name, end_speaking, live_meeting, record
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.messaging.sms.text import gsm_friendly

SIDE_TITLE_LENGTH = 80


def open_side(item: AgendaItem) -> SideStack | None:
    return live.open_side_of(item)


def open_side_locked(locked: Meeting) -> SideStack | None:
    """The current item's open side stack, as live_meeting read it with the lock: no query when there is none
    (most of the time)."""
    if not hasattr(locked, "open_side_pk"):  # a row read otherwise than by live_meeting
        return live.open_side_of(locked.current_item)
    return None if locked.open_side_pk is None else SideStack.objects.get(pk=locked.open_side_pk)


def stack_item(meeting: Meeting) -> AgendaItem:
    """The item whose queue takes turns now; ValidationError when there is none (a break, or no item)."""
    item = meeting.current_item
    if item is None:
        raise ValidationError(_("No item is under way: the speaking queue opens with the next item."))
    if item.is_break:
        raise ValidationError(_("It is a break: the speaking queue opens again after it."))
    return item


def queue_of_item(item: AgendaItem) -> list[Turn]:
    """The current queue of `item` (its open side stack's, if any), in speaking order."""
    return queue_of(item, open_side(item))


def place_in_lane(turn: Turn) -> int:
    """Where a waiting turn stands among its lane's (0: first)."""
    lane = [each.pk for each in queue_of(turn.item, turn.side) if each.lane == turn.lane]
    return lane.index(turn.pk) if turn.pk in lane else 0


def after_change(meeting: Meeting, known: live.Stack | None = None) -> None:
    tell_next(meeting, live.changed(meeting, known))


def do_request_turn(meeting: Meeting, participant: Participant, lane: str = Lane.MAIN, via: str = Via.WEB) -> Turn:
    """`participant` gets on stack for the current item, in `lane`. Asking again in the same lane keeps
    the place already held (that turn is returned). ValidationError when the stack is closed."""
    if lane not in Lane.values:
        raise ValidationError({"lane": _("Not a kind of turn.")})
    with transaction.atomic():
        locked = live_meeting(meeting)
        if participant.meeting_id != locked.pk:
            raise ValidationError(_("Join this meeting first."))
        item = stack_item(locked)
        if not locked.stack_open:
            raise ValidationError(_("The speaking queue is closed for this item."))
        side = open_side(item)
        held = Turn.objects.filter(
            item=item, side=side, participant=participant, lane=lane, state=TurnState.WAITING
        ).first()
        if held is not None:
            return held
        try:
            with transaction.atomic():
                turn = Turn.objects.create(
                    meeting=locked, item=item, side=side, participant=participant, lane=lane, via=via
                )
        except IntegrityError:  # the same tap twice at once: the first one holds the place
            return Turn.objects.get(item=item, side=side, participant=participant, lane=lane, state=TurnState.WAITING)
        if via == Via.SMS and queue_of(item, side)[0].pk == turn.pk:
            # The answer to their text already says they are number 1: no second text to say they are next.
            Turn.objects.filter(pk=turn.pk).update(told_next=True)
        after_change(locked)
    return turn


def do_withdraw_turn(turn: Turn) -> bool:
    """The person takes their turn back (or the keeper removes it). False if it was no longer waiting."""
    with transaction.atomic():
        locked = live_meeting(turn.meeting)
        updated = Turn.objects.filter(pk=turn.pk, state=TurnState.WAITING).update(
            state=TurnState.WITHDRAWN, ended_at=timezone.now()
        )
        if updated:
            after_change(locked)
    return bool(updated)


def do_next_speaker(meeting: Meeting, *, by: User | None) -> Turn | None:
    """The one speaking is done; the first in the queue speaks now. None when nobody waits."""
    with transaction.atomic():
        locked = live_meeting(meeting)
        now = timezone.now()
        end_speaking(locked, now)
        item = locked.current_item
        following, known = None, None
        if item is not None and not item.is_break:
            side = open_side_locked(locked)
            waiting = queue_of(item, side)
            if waiting:
                following = waiting[0]
                following.state, following.started_at = TurnState.SPEAKING, now
                following.save(update_fields=["state", "started_at"])
            known = live.Stack(side, following, once_called(waiting) if waiting else [])
        after_change(locked, known)
    return following


def do_end_turn(meeting: Meeting, *, by: User | None) -> None:
    """The one speaking is done, and nobody is called yet."""
    with transaction.atomic():
        locked = live_meeting(meeting)
        end_speaking(locked, timezone.now())
        after_change(locked)


def do_move_turn(turn: Turn, index: int, *, by: User | None) -> None:
    """The keeper places a turn at `index` (0: first) among the waiting turns of its lane. The turns above
    it, and any the keeper placed before, keep their places: they are pinned in this order."""
    with transaction.atomic():
        locked = live_meeting(turn.meeting)
        if turn.state != TurnState.WAITING:
            raise ValidationError(_("This turn is no longer waiting."))
        item = stack_item(locked)
        lane = [each for each in queue_of(item, turn.side) if each.lane == turn.lane]
        moved = next((each for each in lane if each.pk == turn.pk), None)
        if moved is None:
            raise ValidationError(_("This turn is no longer waiting."))
        lane.remove(moved)
        index = max(0, min(index, len(lane)))
        lane.insert(index, moved)
        last = max([index, *(i for i, each in enumerate(lane) if each.pin is not None)])
        for position, each in enumerate(lane):
            pin = position + 1 if position <= last else None
            if each.pin != pin:
                Turn.objects.filter(pk=each.pk).update(pin=pin)
        record(by, AuditAction.CHANGED, [locked.uuid], {"turn": "moved"})
        after_change(locked)


def do_to_main_lane(turn: Turn, *, by: User | None) -> None:
    """The keeper sends a mislabelled interrupt back to the main queue (where it waits as if asked now
    there; someone already waiting there keeps that place, and this turn ends)."""
    with transaction.atomic():
        locked = live_meeting(turn.meeting)
        if turn.state != TurnState.WAITING or turn.lane == Lane.MAIN:
            return
        already = Turn.objects.filter(
            item=turn.item, side=turn.side, participant=turn.participant, lane=Lane.MAIN, state=TurnState.WAITING
        ).exists()
        if already:
            Turn.objects.filter(pk=turn.pk).update(state=TurnState.WITHDRAWN, ended_at=timezone.now())
        else:
            Turn.objects.filter(pk=turn.pk).update(lane=Lane.MAIN, pin=None)
        record(by, AuditAction.CHANGED, [locked.uuid], {"turn": "to_main"})
        after_change(locked)


def do_set_stack_open(meeting: Meeting, is_open: bool, *, by: User | None) -> None:
    """Open or close the stack: closed, nobody new gets on it; those waiting keep their places."""
    with transaction.atomic():
        locked = live_meeting(meeting)
        if locked.stack_open != is_open:
            locked.stack_open = is_open
            locked.save(update_fields=["stack_open"])
            record(by, AuditAction.CHANGED, [locked.uuid], {"stack_open": is_open})
            after_change(locked)


def do_open_side_stack(meeting: Meeting, title: str, *, by: User | None) -> SideStack:
    """A side stack on the current item: while it is open, turns go to it and it is heard first."""
    title = " ".join(title.split())
    if not title or len(title) > SIDE_TITLE_LENGTH:
        raise ValidationError({"title": _("Say in a few words what the side stack is about.")})
    with transaction.atomic():
        locked = live_meeting(meeting)
        item = stack_item(locked)
        if open_side(item) is not None:
            raise ValidationError(_("A side stack is already open: close it first."))
        side = SideStack.objects.create(item=item, title=title)
        record(by, AuditAction.CHANGED, [locked.uuid], {"side_stack": "opened"})
        after_change(locked)
    return side


def do_close_side_stack(meeting: Meeting, *, by: User | None) -> bool:
    """Back to the item's main queue; turns still waiting on the side stack are withdrawn."""
    with transaction.atomic():
        locked = live_meeting(meeting)
        item = locked.current_item
        side = open_side(item) if item is not None else None
        if side is None:
            return False
        now = timezone.now()
        Turn.objects.filter(side=side, state=TurnState.WAITING).update(state=TurnState.WITHDRAWN, ended_at=now)
        side.closed_at = now
        side.save(update_fields=["closed_at"])
        record(by, AuditAction.CHANGED, [locked.uuid], {"side_stack": "closed"})
        after_change(locked)
    return True


def do_add_speaker(
    meeting: Meeting, name: str, lane: str = Lane.MAIN, *, by: User | None, participant: Participant | None = None
) -> Turn:
    """The keeper puts someone on stack who raised a hand (or called in): someone already here, or a
    new participant with the name the keeper writes."""
    if participant is None:
        name = clean_name(name)
        participant = Participant.objects.create(meeting=meeting, name=name, joined_at=timezone.now())
    turn = do_request_turn(meeting, participant, lane, via=Via.KEEPER)
    with transaction.atomic():
        record(by, AuditAction.CHANGED, [meeting.uuid], {"turn": "added_by_keeper", "lane": lane})
    return turn


# Telling the next speaker.


def next_text(meeting: Meeting, language: str) -> str:
    with translation.override(language):
        # Translators: SMS. No á, í, ó, ú.
        text = _("%(network)s: you are next to speak at %(title)s.")
        return gsm_friendly(text % {"network": get_network_settings().name, "title": meeting.title(language)})


def tell_next(meeting: Meeting, waiting: list[Turn]) -> None:
    """The first in line who joined by text hears "you are next", once per turn (in the caller's transaction).
    `waiting`: the current item's queue, in speaking order."""
    item = meeting.current_item
    if item is None or item.is_break or not waiting:
        return
    first = waiting[0]
    participant = first.participant
    if first.told_next or not participant.phone:
        return
    claimed = Turn.objects.filter(pk=first.pk, told_next=False).update(told_next=True)
    if not claimed:
        return
    language = participant.language if participant.language in ("en", "es") else "en"
    messaging.enqueue(
        messaging.Outgoing(
            Channel.SMS,
            str(participant.phone),
            {"text": next_text(meeting, language)},
            idempotency_key=f"meetings.next:{first.uuid}",
            language=language,
        )
    )


# What the keeper sees of each person.


@dataclass(frozen=True)
class Tally:
    participant: Participant
    turns: int
    on_item: int
    seconds: int

    @property
    def clock(self) -> str:
        return clock(self.seconds)


def tallies(meeting: Meeting) -> list[Tally]:
    """Each participant who spoke: their turns at this meeting, on the current item, and their speaking time."""
    item_id = meeting.current_item_id or 0
    rows = (
        meeting.participants.all()
        .annotate(
            spoke=Count("turns", filter=Q(turns__state=TurnState.SPOKE)),
            on_item=Count("turns", filter=Q(turns__state=TurnState.SPOKE, turns__item_id=item_id)),
            seconds=Sum("turns__spoken_seconds", filter=Q(turns__state=TurnState.SPOKE)),
        )
        .filter(spoke__gt=0)
        .order_by("-seconds", "pk")
    )
    return [Tally(row, row.spoke, row.on_item, row.seconds or 0) for row in rows]
