"""Getting on stack by text: STACK / TURNO (messaging.keywords rule 12; MeetingsConfig.ready registers it).

A volunteer with a $20 phone in the room texts the code on the projector: "TURNO KQ47" (or "TURNO
KQ47 Ana María", the name the room is to see). They join the meeting as a participant known by
their number, and get on stack for the item under way. After that, "TURNO" alone gets them on
stack again (for the next item, or a second turn), "TURNO ORDEN" / "STACK PROCESS" asks for a point
of process (INFO, PREGUNTA / QUESTION for the other interrupt lanes), and "TURNO QUITAR" / "STACK
OFF" takes their waiting turn back. meetings.stack.tell_next texts them "you are next".

Invariants:
- The number is kept encrypted on the participant row, found again by its blind index within one
  meeting (`phone_index`); nothing here logs or audits a number or a name. It goes with the rest of
  a guest's data a week after the meeting (meetings.retention).
- A code is the key to the room, as on the web: anyone with it joins an open meeting (`is_open`);
  a members-only meeting's stack is not joined by text (the keeper adds them by hand).
- Someone who gives no name is "Phone 3" ("Teléfono 3"): numbered in the order numbers joined this
  meeting, in the meeting's language (the sender's for a bilingual one). Asking for a name first
  would cost a round trip and a turn's worth of time; the reply calls them by the label, and texting
  the code with a name later renames them without losing their place.
- Replies go in the word's language (TURNO: Spanish), the network's name first like every
  automatic reply, in one GSM-7 segment: the item's title is shortened to fit (`one_segment`).
- A code no meeting has, or the bare word from a number in no meeting now under way, may be
  someone's shift talk ("turno 7AM"): the text also goes to the inbox, where a person reads it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.core.fields import find_by_index
from solidarity.core.services import get_network_settings
from solidarity.meetings import stack
from solidarity.meetings.access import find_meeting
from solidarity.meetings.models import NAME_LENGTH, Lane, Language, Meeting, Participant, State, Turn, TurnState, Via
from solidarity.meetings.queue import queue_of
from solidarity.messaging.keywords import Handled, InboundContext, Outcome, Parsed, Reply, ToInbox, stack_request
from solidarity.messaging.sms.text import gsm_friendly, segments

ELLIPSIS = "..."
SHORTEST_TITLE = 8  # a title shorter than this is not worth cutting further: the reply takes two segments


def answer_stack(context: InboundContext, parsed: Parsed) -> Outcome:
    """STACK / TURNO: join the meeting with that code by this number and get on stack; alone, again; OFF, back."""
    asked = stack_request(parsed.argument)
    language = parsed.language or context.language or settings.LANGUAGE_CODE
    network = get_network_settings().name
    with translation.override(language):
        if asked.code:
            meeting = find_meeting(asked.code)
            if meeting is None:
                # Translators: SMS, one segment. Keep STACK (TURNO). No á, í, ó, ú.
                text = _("%(network)s: no meeting has the code %(code)s. Check the screen and text STACK and the code.")
                return ToInbox(reply(text % {"network": network, "code": asked.code}))
            participant = by_phone(meeting.participants.all(), context.sender)
        else:
            participant = by_phone(Participant.objects.filter(meeting__state=State.LIVE), context.sender)
            if participant is None:
                # Translators: SMS, one segment. Keep STACK (TURNO) and the example code KQ47; Ana: a first name.
                text = _(
                    "%(network)s: to get on stack, text STACK, the code on the screen and your name, "
                    "e.g. STACK KQ47 Ana"
                )
                return ToInbox(reply(text % {"network": network}))
            meeting = find_meeting(participant.meeting.code) or participant.meeting  # with its current item
        values = {"network": network, "code": meeting.code}
        if meeting.state == State.SCHEDULED:
            # Translators: SMS, one segment. Keep STACK (TURNO). No á, í, ó, ú.
            text = _("%(network)s: the meeting %(code)s has not begun. Text STACK %(code)s again once it has.")
            return Handled(reply(text % values))
        if meeting.state != State.LIVE:
            # Translators: SMS, one segment. No á, í, ó, ú.
            return Handled(reply(_("%(network)s: the meeting %(code)s is over. Thank you for coming.") % values))
        if asked.off:
            return Handled(reply(take_back(meeting, participant) % values))
        return Handled(
            get_on_stack(meeting, participant, context.sender, asked.name, asked.lane or Lane.MAIN, language)
        )


def by_phone(participants: "QuerySet[Participant]", phone: str) -> Participant | None:
    """The participant among `participants` who joined with this number; the latest to join, if several."""
    found = find_by_index(participants.select_related("meeting"), "phone_index", phone)
    return max(found, key=lambda each: (each.joined_at or each.created_at, each.pk)) if found else None


def take_back(meeting: Meeting, participant: Participant | None) -> str:
    """Withdraw the number's waiting turns at `meeting`; the reply's text (with `network` and `code` to fill)."""
    waiting = list(Turn.objects.filter(participant=participant, state=TurnState.WAITING)) if participant else []
    taken = [turn for turn in waiting if stack.do_withdraw_turn(turn)]
    if not taken:
        # Translators: SMS, one segment. Keep STACK (TURNO). No á, í, ó, ú.
        return _("%(network)s: you have no turn waiting. Text STACK to get on stack.")
    # Translators: SMS, one segment. Keep STACK (TURNO). No á, í, ó, ú.
    return _("%(network)s: done, you are off the stack. Text STACK to get back on.")


def get_on_stack(
    meeting: Meeting, participant: Participant | None, phone: str, name: str, lane: str, language: str
) -> Reply:
    """Join `meeting` by this number if not yet there (renamed if a name is given), and ask for a turn in `lane`.

    The number joins even when no turn can be taken now (a break, a closed stack): STACK alone works after."""
    values = {"network": get_network_settings().name, "code": meeting.code}
    if participant is None and not meeting.is_open:
        # Translators: SMS, one segment. "who keeps the stack": the stack keeper. No á, í, ó, ú.
        text = _("%(network)s: this meeting's stack is for members. Ask who keeps the stack to add you.")
        return reply(text % values)
    participant = joined(meeting, participant, phone, name, language)  # known here from now on: STACK alone works
    item = meeting.current_item
    if item is None:
        # Translators: SMS, one segment. Keep STACK (TURNO). No á, í, ó, ú.
        return reply(_("%(network)s: no item is under way. Text STACK again when the next one begins.") % values)
    if item.is_break:
        # Translators: SMS, one segment. Keep STACK (TURNO). No á, í, ó, ú.
        return reply(_("%(network)s: it is a break. Text STACK again after it.") % values)
    if not meeting.stack_open:
        # Translators: SMS, one segment. No á, í, ó, ú.
        return reply(_("%(network)s: the stack is closed for this item.") % values)
    try:
        with transaction.atomic():
            turn = stack.do_request_turn(meeting, participant, lane, via=Via.SMS)
    except ValidationError as refused:
        return reply(f"{values['network']}: {' '.join(refused.messages)}")
    waiting = queue_of(item, stack.open_side(item))
    place = next((index for index, each in enumerate(waiting, start=1) if each.pk == turn.pk), len(waiting))
    values |= {"name": str(participant.name), "place": str(place)}
    if lane == Lane.MAIN:
        # Translators: SMS, one segment. %(name)s: the name the room sees; %(item)s: the agenda item. Keep STACK OFF
        # (TURNO QUITAR). No á, í, ó, ú.
        text = _(
            "%(network)s: %(name)s, you are number %(place)s on stack for: %(item)s. Text STACK OFF to take it back."
        )
    else:
        values["lane"] = str(Lane(lane).label)
        # Translators: SMS, one segment. %(lane)s: point of process, of information, or clarifying question.
        # Keep STACK OFF (TURNO QUITAR). No á, í, ó, ú.
        text = _(
            "%(network)s: %(name)s, you are number %(place)s (%(lane)s) for: %(item)s. Text STACK OFF to take it back."
        )
    return Reply(one_segment(text, values, item.title(language)))


def joined(meeting: Meeting, participant: Participant | None, phone: str, name: str, language: str) -> Participant:
    """The number's participant at `meeting`: made (named, or "Phone N") or renamed; present, in `language`."""
    name = " ".join(name.split())[:NAME_LENGTH].strip()
    if participant is not None:
        participant.language = language
        fields = ["language"]
        if name:
            participant.name = name
            fields.append("name")
        if participant.joined_at is None:
            participant.joined_at = timezone.now()
            fields.append("joined_at")
        participant.save(update_fields=fields)
        return participant
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()  # one number at a time takes the next label
    if not name:
        label_language = meeting.language if meeting.language != Language.BOTH else language
        with translation.override(label_language):
            # Translators: the name the room sees for someone who got on stack by text without giving one.
            name = _("Phone %(number)d") % {"number": meeting.participants.exclude(phone_index="").count() + 1}
    return Participant.objects.create(
        meeting=meeting, name=name, phone=phone, language=language, joined_at=timezone.now()
    )


def reply(text: str) -> Reply:
    return Reply(gsm_friendly(text))


def one_segment(text: str, values: dict[str, str], title: str) -> str:
    """`text` with `values` and the item's `title`, the title shortened (at a word, with "...") to fit one SMS."""
    whole = gsm_friendly(text % (values | {"item": title}))
    if segments(whole) == 1:
        return whole
    words = title.split()
    while len(words) > 1:
        words.pop()
        cut = " ".join(words).rstrip(",;:.-") + ELLIPSIS
        shorter = gsm_friendly(text % (values | {"item": cut}))
        if segments(shorter) == 1 or len(cut) < SHORTEST_TITLE:
            return shorter
    return whole
