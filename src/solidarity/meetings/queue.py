"""The order of a speaking queue: who speaks next.

1. Interrupts first, each lane in its order: point of process, then point of information, then
   clarifying question (models.LANE_ORDER); within a lane, first come first served.
2. Then the main lane: turns the keeper placed by hand (`pin`), in the keeper's order; then
   people who have not spoken yet on this item before those who have (a second turn waits);
   then first come first served.

Nothing about who a person is enters the order: only their turns on this item.
"""

from collections.abc import Sequence

from django.db.models import Exists, OuterRef, QuerySet

from solidarity.meetings.models import LANE_ORDER, AgendaItem, Lane, SideStack, Turn, TurnState

SPOKEN = (TurnState.SPEAKING, TurnState.SPOKE)


def waiting_in(item: AgendaItem, side: SideStack | None) -> QuerySet[Turn]:
    turns = Turn.objects.filter(item=item, state=TurnState.WAITING).select_related("participant")
    return turns.filter(side=side) if side is not None else turns.filter(side__isnull=True)


def sort_key(turn: Turn, spoken: set[int]) -> tuple[int, int, int, int, float, int]:
    lane = LANE_ORDER[Lane(turn.lane)]
    pinned = 0 if turn.pin is not None else 1
    second = 1 if turn.lane == Lane.MAIN and turn.participant_id in spoken else 0
    return (lane, pinned, turn.pin or 0, second, turn.requested_at.timestamp(), turn.pk)


def ordered(turns: Sequence[Turn], spoken: set[int]) -> list[Turn]:
    """`turns` in speaking order; each gets `first`: whether it would be the person's first on the item."""
    result = sorted(turns, key=lambda turn: sort_key(turn, spoken))
    for turn in result:
        turn.first = turn.participant_id not in spoken  # type: ignore[attr-defined]  # shown, not stored
    return result


def queue_of(item: AgendaItem, side: SideStack | None = None) -> list[Turn]:
    """The waiting turns of `item`'s queue (or of its open side stack), in speaking order.

    One query: each waiting turn says whether its person has spoken on the item (a keeper's tap draws the
    queue under the meeting's lock, and every round trip there is time before the screens hear of it)."""
    has_spoken = Turn.objects.filter(item=OuterRef("item"), participant=OuterRef("participant"), state__in=SPOKEN)
    turns = list(waiting_in(item, side).annotate(has_spoken=Exists(has_spoken)))
    return ordered(turns, {turn.participant_id for turn in turns if turn.has_spoken})


def once_called(waiting: list[Turn]) -> list[Turn]:
    """The queue once its first turn (`waiting`, in speaking order, from `ordered`) is called to speak: the
    caller has spoken now, so a second turn of theirs waits behind the first turns of others."""
    called, rest = waiting[0], waiting[1:]
    spoken = {turn.participant_id for turn in rest if not turn.first} | {called.participant_id}  # type: ignore[attr-defined]
    return ordered(rest, spoken)
