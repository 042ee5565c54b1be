"""What a screen shows, with names: the phone's and the projector's view of a meeting now, drawn on the server
(the first paint, and every paint without JavaScript). With JavaScript, a screen redraws the same from each
event's picture (live.picture) and the names it asked for once."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from solidarity.meetings.live import SHOWN_NEXT, open_side_of, picture
from solidarity.meetings.models import AgendaItem, Lane, Meeting, Participant, SideStack, Turn, TurnState
from solidarity.meetings.names import clock
from solidarity.meetings.queue import queue_of

WARN_SECONDS = 120  # the item's clock turns to a warning this long before its box ends


@dataclass(frozen=True)
class Shown:
    """One turn as the screen shows it."""

    name: str
    lane: str
    lane_label: str
    first: bool
    place: int  # 1: next


@dataclass
class Screen:
    meeting: Meeting
    item: AgendaItem | None
    side: SideStack | None
    speaking: Turn | None
    speaking_ends_at: datetime | None
    next_up: list[Shown]
    waiting: int
    item_ends_at: datetime | None
    mine: list[Shown] = field(default_factory=list)
    is_next: bool = False
    is_speaking: bool = False
    picture: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def seconds_left(self) -> int | None:
        if self.item_ends_at is None:
            return None
        return int((self.item_ends_at - timezone.now()).total_seconds())

    @property
    def left_text(self) -> str:
        """The item's time left as the clock shows it: "12:05"."""
        return clock(max(0, self.seconds_left or 0))

    @property
    def planned_end(self) -> datetime | None:
        value = self.picture.get("planned_end")
        return datetime.fromisoformat(value) if value else None

    @property
    def expected_end(self) -> datetime | None:
        """When the meeting will end at this pace: the current item's box (or now, if it is over time), then the
        boxes of the items still to come."""
        if self.meeting.state != "live":
            return None
        now = timezone.now()
        current = max(now, self.item_ends_at) if self.item_ends_at else now
        return current + timedelta(seconds=int(self.picture.get("after_seconds", 0)))

    @property
    def is_warning(self) -> bool:
        left = self.seconds_left
        return left is not None and left <= WARN_SECONDS

    @property
    def state(self) -> dict[str, Any]:
        """The picture and the names, for the page's script (json_script escapes them)."""
        return {"picture": self.picture, "names": self.names}


def screen_of(meeting: Meeting, me: Participant | None) -> Screen:
    item = meeting.current_item
    side = open_side_of(item)
    speaking = Turn.objects.filter(meeting=meeting, state=TurnState.SPEAKING).select_related("participant").first()
    waiting = queue_of(item, side) if item is not None and not item.is_break else []
    shown = [
        Shown(str(turn.participant.name), turn.lane, str(Lane(turn.lane).label), turn.first, place)  # type: ignore[attr-defined]
        for place, turn in enumerate(waiting, start=1)
    ]
    names = {str(turn.participant.uuid): str(turn.participant.name) for turn in waiting}
    if speaking is not None:
        names[str(speaking.participant.uuid)] = str(speaking.participant.name)
    ends_at = None
    if item is not None and item.started_at is not None:
        ends_at = item.started_at + timedelta(minutes=item.box_minutes)
    screen = Screen(
        meeting=meeting,
        item=item,
        side=side,
        speaking=speaking,
        speaking_ends_at=(speaking.started_at + timedelta(seconds=meeting.turn_seconds))
        if speaking is not None and speaking.started_at
        else None,
        next_up=shown[:SHOWN_NEXT],
        waiting=len(shown),
        item_ends_at=ends_at,
        picture=picture(meeting),
        names=names,
    )
    if me is not None:
        screen.mine = [each for each, turn in zip(shown, waiting, strict=True) if turn.participant_id == me.pk]
        screen.is_next = bool(waiting) and waiting[0].participant_id == me.pk
        screen.is_speaking = speaking is not None and speaking.participant_id == me.pk
    return screen
