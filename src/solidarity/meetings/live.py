"""What a meeting's screens are told, and when its people are reminded.

Every live change bumps the meeting's `version` and publishes its public picture on the channel
`meeting:<uuid>` once the transaction commits: the current item and its clock, the break, who
speaks and who comes next, by turn and participant ids and lanes. Names are never in the event
(events are kept a few minutes for reconnecting screens): a screen that meets a participant id
it does not know fetches the names once (meetings' `names` view), then redraws from events alone.

Reminders: the day before (18:00, network time) and two hours before, to every account that said
it would come, by email through the outbox.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone, translation

from solidarity.accounts.mail import email_account, language_of
from solidarity.core import live as seam
from solidarity.core.codes import is_uuid
from solidarity.core.services import network_timezone
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.meetings.models import AgendaItem, Meeting, SideStack, State, Turn, TurnState
from solidarity.meetings.queue import queue_of

DAY_BEFORE_TIMER = "meetings.day-before"
SOON_TIMER = "meetings.soon"
DAY_BEFORE_AT = time(18, 0)
SOON_BEFORE = timedelta(hours=2)
SHOWN_NEXT = 5  # the projector shows the speaker and the next five
EVENT = "meeting"


def channel(meeting: Meeting) -> str:
    return f"meeting:{meeting.uuid}"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def item_picture(item: AgendaItem | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "id": str(item.uuid),
        "kind": item.kind,
        "title_en": item.title_en,
        "title_es": item.title_es,
        "started_at": iso(item.started_at),
        "box_seconds": item.box_minutes * 60,
    }


def picture(meeting: Meeting) -> dict[str, Any]:
    """The meeting's public picture now: what every screen shows. Ids, lanes and times; no names."""
    return picture_and_queue(meeting)[0]


@dataclass(frozen=True)
class Stack:
    """The current item's stack as a service has just left it, under the meeting's lock: the picture is
    then drawn without reading it again."""

    side: SideStack | None
    speaking: Turn | None  # with its participant
    waiting: list[Turn]  # in speaking order (meetings.queue), with their participants


def picture_and_queue(meeting: Meeting, known: Stack | None = None) -> tuple[dict[str, Any], list[Turn]]:
    """The picture, and the queue it was drawn from (in speaking order), for a caller that needs both.

    A keeper's tap redraws it for every screen, so it is drawn from few queries: the item, its open side
    stack, the one speaking, the queue (meetings.queue), and the agenda's boxes in one aggregate. With
    `known` (a change to the stack alone), the item is the one the meeting was locked with, and only the
    boxes are read."""
    if known is not None:
        item = meeting.current_item
        side, speaking, waiting = known.side, known.speaking, known.waiting
    else:
        item = AgendaItem.objects.filter(pk=meeting.current_item_id).first() if meeting.current_item_id else None
        speaking = (
            Turn.objects.filter(meeting=meeting, state=TurnState.SPEAKING).select_related("participant").first()
            if meeting.state == State.LIVE
            else None
        )
        side = open_side_of(item)
        waiting = queue_of(item, side) if item is not None else []
    boxes = boxes_of(meeting, read_with_the_lock=known is not None)
    planned_minutes = meeting.planned_minutes if meeting.planned_minutes is not None else boxes["planned"] or 0
    drawn = {
        "version": meeting.version,
        "state": meeting.state,
        "stack_open": meeting.stack_open,
        "turn_seconds": meeting.turn_seconds,
        "now": timezone.now().isoformat(),
        "item": item_picture(item),
        "side": {"id": str(side.uuid), "title": side.title} if side else None,
        "speaking": turn_picture(speaking) if speaking else None,
        "queue": [turn_picture(turn) | {"first": turn.first} for turn in waiting],  # type: ignore[attr-defined]
        "next_meeting": meeting.next_meeting_id is not None,
        # The running total against the plan: the plan's end, and the boxes of the items still to come.
        "planned_end": iso(meeting.starts_at + timedelta(minutes=planned_minutes)),
        "after_seconds": 60 * (boxes["after"] or 0),
    }
    return drawn, waiting


def with_what_a_redraw_reads(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """`meetings`, each with what a redraw after a change to the stack alone reads besides the stack: the
    current item's open side stack (its id) and the agenda's boxes. meetings.services.live_meeting locks the
    row with them, so a keeper's tap does not ask for them again under the lock."""
    items = AgendaItem.objects.filter(meeting=OuterRef("pk")).values("meeting")
    open_sides = SideStack.objects.filter(item=OuterRef("current_item"), closed_at=None).order_by("-opened_at")
    return meetings.annotate(
        open_side_pk=Subquery(open_sides.values("pk")[:1]),
        planned_box=Subquery(items.annotate(total=Sum("minutes")).values("total")),
        after_box=Subquery(items.filter(state="waiting").annotate(total=Sum("minutes")).values("total")),
    )


def boxes_of(meeting: Meeting, *, read_with_the_lock: bool = False) -> dict[str, int | None]:
    """The agenda's minutes: planned in all, and still to come. `read_with_the_lock`: as live_meeting read them
    (true only while nothing has changed the agenda since)."""
    if read_with_the_lock and hasattr(meeting, "planned_box") and hasattr(meeting, "after_box"):
        return {"planned": meeting.planned_box, "after": meeting.after_box}
    return AgendaItem.objects.filter(meeting=meeting).aggregate(
        planned=Sum("minutes"), after=Sum("minutes", filter=Q(state="waiting"))
    )


def open_side_of(item: AgendaItem | None) -> SideStack | None:
    """The item's open side stack, if any: while open, it is the queue."""
    if item is None:
        return None
    return SideStack.objects.filter(item=item, closed_at=None).order_by("-opened_at").first()


def turn_picture(turn: Turn) -> dict[str, Any]:
    return {
        "turn": str(turn.uuid),
        "who": str(turn.participant.uuid),
        "lane": turn.lane,
        "started_at": iso(turn.started_at),
    }


def changed(meeting: Meeting, known: Stack | None = None) -> list[Turn]:
    """Bump the version and tell every screen, once the caller's transaction commits. Returns the queue now.
    `known`: the stack as the caller has just left it, if it knows it whole."""
    with connection.cursor() as cursor:  # the new version in the same statement (RETURNING: SQLite too)
        cursor.execute(
            f"UPDATE {Meeting._meta.db_table} SET version = version + 1 WHERE id = %s RETURNING version",  # noqa: S608
            [meeting.pk],
        )
        meeting.version = cursor.fetchone()[0]
    drawn, waiting = picture_and_queue(meeting, known)
    seam.publish(channel(meeting), EVENT, drawn)
    return waiting


def closed(meeting: Meeting) -> None:
    """After closing: nothing to remind of any more."""
    cancel_reminders(meeting)


# Reminders.


def set_reminders(meeting: Meeting) -> None:
    key = str(meeting.uuid)
    now = timezone.now()
    tz = network_timezone()
    day_before = datetime.combine(meeting.starts_at.astimezone(tz).date() - timedelta(days=1), DAY_BEFORE_AT, tzinfo=tz)
    for kind, due in ((DAY_BEFORE_TIMER, day_before), (SOON_TIMER, meeting.starts_at - SOON_BEFORE)):
        if due > now:
            set_timer(kind, key, due)
        else:
            cancel_timer(kind, key)


def cancel_reminders(meeting: Meeting) -> None:
    for kind in (DAY_BEFORE_TIMER, SOON_TIMER):
        cancel_timer(kind, str(meeting.uuid))


def link(meeting: Meeting, language: str) -> str:
    with translation.override(language):
        return str(settings.BASE_URL).rstrip("/") + reverse("meetings:meeting", args=[meeting.code])


def tell_coming(meeting: Meeting, what: str, template: str) -> int:
    """One email to each account that said it would come. Idempotent (the outbox's key). Returns how many."""
    told = 0
    for participant in meeting.participants.filter(is_coming=True, user__isnull=False).select_related("user"):
        user = participant.user
        assert user is not None  # noqa: S101  (filtered above)
        language = language_of(user)
        context = {
            "title": meeting.title(language),
            "starts_at": meeting.starts_at,
            "place": meeting.place,
            "call_link": meeting.call_link,
            "link": link(meeting, language),
            "code": meeting.code,
        }
        key = f"meetings.{what}:{meeting.uuid}:{user.uuid}:{meeting.starts_at.timestamp():.0f}"
        told += email_account(user, template, context, key=key)
    return told


def remind_day_before(fired: FiredTimer) -> None:
    meeting = Meeting.objects.filter(uuid=fired.key, state=State.SCHEDULED).first()
    if meeting is not None:
        tell_coming(meeting, "day-before", "meetings/email/reminder")


def remind_soon(fired: FiredTimer) -> None:
    meeting = Meeting.objects.filter(uuid=fired.key, state=State.SCHEDULED).first()
    if meeting is not None:
        tell_coming(meeting, "soon", "meetings/email/reminder")


def tell_cancelled(meeting: Meeting) -> int:
    return tell_coming(meeting, "cancelled", "meetings/email/cancelled")


def names_on_stack(meeting: Meeting, wanted: list[str]) -> dict[str, str]:
    """The names of those of `wanted` (participant uuids) who wait or speak on the current item's stack."""
    if meeting.current_item_id is None or not wanted:
        return {}
    valid = [each for each in wanted if is_uuid(each)]
    turns = Turn.objects.filter(
        item_id=meeting.current_item_id,
        state__in=(TurnState.WAITING, TurnState.SPEAKING),
        participant__uuid__in=valid,
    ).select_related("participant")
    return {str(turn.participant.uuid): str(turn.participant.name) for turn in turns}
