"""A volunteer's own state by SMS alone: PAUSE / PAUSA, BACK / VUELVO and STATUS / ESTADO (PeopleConfig.ready).

The words (messaging.keywords.WORDS; rows for GLOSSARY.md's SMS keyword table):

| pause (no alerts) for some days | PAUSE, PAUSE 7 (alone: 7 days) | PAUSA, PAUSA 7 |
| back from a pause               | BACK                           | VUELVO (also VOLVÍ) |
| my state, next shift, skills lapsing soon | STATUS               | ESTADO |

Invariants:
- The sender is the one person, not left, with a phone contact equal to the number (blind index).
  A number that is nobody's, or more than one person's (a shared phone: a person sorts it out),
  is `NotMine`: the router puts the text in the inbox with the reply any stranger gets, so no
  answer tells whether a number belongs to a volunteer.
- State changes go through people.services (do_pause, do_come_back), in the router's savepoint,
  audited there with the actor PUBLIC: the texter is known by the number alone, not signed in.
  Nothing here logs or audits a number or a text's words.
- Replies are in the person's language (Person.language, else the keyword's), in the DIRECT lane
  and rate-limited like every automatic reply (a few per number an hour): a volunteer's own STATUS
  is an ordinary answer, not an alert's, and a robot echoing it must not loop. Each fits one GSM-7
  SMS where the names allow: the Spanish avoids á, í, ó and ú, and skill names are sent without
  them (messaging.sms.text.gsm_friendly).
- Times are the network's local time; a weekly window starts as people.oncall reads it on a
  daylight-saving night (the first of a repeated time; a skipped time with the offset before).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from solidarity.core import audit
from solidarity.core.bilingual import LANGUAGES, text_of
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.messaging.keywords import Handled, InboundContext, NotMine, Outcome, Parsed, Reply
from solidarity.messaging.sms.text import gsm_friendly
from solidarity.people.models import Certification, ContactKind, Person, PersonState, Shift
from solidarity.people.services import do_come_back, do_pause, find_people_by_contact, local_midnight, local_today

DEFAULT_PAUSE_DAYS = 7  # PAUSE alone: a week, said in the reply, so nobody stays out of the pool by forgetting
MAX_PAUSE_DAYS = 365
LAPSING_WITHIN = timedelta(days=30)
MAX_SKILLS_LISTED = 3  # then "+N": one SMS
HORIZON_DAYS = 8  # weekly windows looked at ahead: every weekday once, and a window that starts on the eighth
OPEN_ENDED = timedelta(days=7)  # a stretch on call this long is shown without its end (windows back to back)
MAX_CHANGES = 100


def sender_person(context: InboundContext) -> Person | None:
    """The one person (not left) whose phone this is; None for a stranger or a phone several people share."""
    people = find_people_by_contact(ContactKind.PHONE, context.sender)
    return people[0] if len(people) == 1 else None


def language_of(person: Person, context: InboundContext, parsed: Parsed) -> str:
    for language in (person.language, parsed.language, context.language):
        if language in LANGUAGES:
            return language
    return settings.LANGUAGE_CODE


def answer_pause(context: InboundContext, parsed: Parsed) -> Outcome:
    """PAUSE / PAUSA, alone (DEFAULT_PAUSE_DAYS) or with a number of days: no alerts until today + days (local)."""
    person = sender_person(context)
    if person is None:
        return NotMine()
    network = get_network_settings().name
    days = int(parsed.argument) if parsed.argument else DEFAULT_PAUSE_DAYS
    with translation.override(language_of(person, context, parsed)):
        if not 1 <= days <= MAX_PAUSE_DAYS:
            # Translators: SMS, one segment. Keyword: PAUSA. No á, í, ó, ú (they make an SMS 2.3 times as long).
            text = _("%(network)s: for a two-week pause, text PAUSE 14 (up to PAUSE %(max)d).")
            return Handled(Reply(text % {"network": network, "max": MAX_PAUSE_DAYS}))
        until = local_today() + timedelta(days=days)
        do_pause(person, until, by=None, actor=audit.PUBLIC)
        # Translators: SMS, one segment. %(date)s: the day alerts start again ("Mon 3/16"). Keyword: VUELVO.
        text = _("%(network)s: paused. You will get no alerts until %(date)s. Text BACK to come back sooner.")
        return Handled(Reply(text % {"network": network, "date": day_text(until)}))


def answer_back(context: InboundContext, parsed: Parsed) -> Outcome:
    """BACK / VUELVO: a paused person is active again now; the answer says their next shift."""
    person = sender_person(context)
    if person is None:
        return NotMine()
    network = get_network_settings().name
    with translation.override(language_of(person, context, parsed)):
        if do_come_back(person, by=None, actor=audit.PUBLIC):
            # Translators: SMS, one segment with the next shift after it.
            text = _("%(network)s: welcome back. You can get alerts again.")
        else:
            # Translators: SMS, one segment with the next shift after it.
            text = _("%(network)s: you were not paused.")
        return Handled(Reply(f"{text % {'network': network}} {shift_text(person)}"))


def answer_status(context: InboundContext, parsed: Parsed) -> Outcome:
    """STATUS / ESTADO: their state, their next on-call shift, and the skills that lapse within 30 days."""
    person = sender_person(context)
    if person is None:
        return NotMine()
    network = get_network_settings().name
    language = language_of(person, context, parsed)
    with translation.override(language):
        paused_until = paused_until_of(person)
        if paused_until is not None:
            # Translators: SMS, the start of one segment. %(date)s: the day the pause ends ("Mon 3/16").
            head = _("%(network)s: paused until %(date)s.") % {"network": network, "date": day_text(paused_until)}
        else:
            # Translators: SMS, the start of one segment: the volunteer can get alerts.
            head = _("%(network)s: you are active.") % {"network": network}
        parts = [head, shift_text(person), lapsing_text(person, language)]
        return Handled(Reply(" ".join(part for part in parts if part)))


def paused_until_of(person: Person, now: datetime | None = None) -> date | None:
    """The day a pause ends, while it lasts (a pause whose day has come is over, before its timer tidies the row)."""
    if person.state == PersonState.PAUSED and person.paused_until and person.paused_until > local_today(now):
        return person.paused_until
    return None


# The next shift: weekly windows and one-off changes, as people.oncall counts them (a one-off "on"
# covers; a weekly window covers where no one-off "off" does), merged into stretches on call.


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


def weekly_spans(shifts: list[Shift], first: date, last: date, tz: ZoneInfo) -> list[Span]:
    """Each weekly window's occurrences that start on a local day from `first` to `last`, in real time.

    `datetime.combine(..., tzinfo=tz)` has fold=0: a repeated time is its first occurrence, and a
    skipped time is read with the offset before the change (02:30 on spring-forward night is 03:30
    summer time), as people.oncall reads them; a window then lasts its minutes of real time.
    """
    spans = []
    day = first
    while day <= last:
        for shift in shifts:
            if shift.weekday == day.weekday():
                start = datetime.combine(day, shift.starts, tzinfo=tz).astimezone(UTC)
                spans.append(Span(start, start + timedelta(minutes=shift.duration_minutes)))
        day += timedelta(days=1)
    return spans


def without(spans: list[Span], holes: list[Span]) -> list[Span]:
    """The parts of `spans` that no hole covers."""
    for hole in holes:
        kept = []
        for span in spans:
            if hole.end <= span.start or hole.start >= span.end:
                kept.append(span)
                continue
            if span.start < hole.start:
                kept.append(Span(span.start, hole.start))
            if hole.end < span.end:
                kept.append(Span(hole.end, span.end))
        spans = kept
    return spans


def merged(spans: list[Span]) -> list[Span]:
    """Overlapping or touching spans as one, in order."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda span: (span.start, span.end)):
        if out and span.start <= out[-1].end:
            out[-1] = Span(out[-1].start, max(out[-1].end, span.end))
        else:
            out.append(span)
    return out


def next_on_call(person: Person, since: datetime) -> Span | None:
    """The first stretch on call that ends after `since`, started no earlier than `since`; None when there is none.

    Two queries: the weekly windows, and the one-off changes that end after `since`.
    """
    tz = network_timezone()
    today = since.astimezone(tz).date()
    weekly = weekly_spans(
        list(person.shifts.all()), today - timedelta(days=7), today + timedelta(days=HORIZON_DAYS), tz
    )
    changes = list(person.one_off_shifts.filter(ends_at__gt=since).order_by("starts_at")[:MAX_CHANGES])
    ons = [Span(change.starts_at, change.ends_at) for change in changes if change.is_on_call]
    offs = [Span(change.starts_at, change.ends_at) for change in changes if not change.is_on_call]
    for span in merged(without(weekly, offs) + ons):
        if span.end > since:
            return Span(max(span.start, since), span.end)
    return None


def shift_text(person: Person, now: datetime | None = None) -> str:
    """The next shift in one sentence, in the active language: after the pause, for a paused person."""
    return one_stop(next_shift_sentence(person, now or timezone.now()))


def one_stop(sentence: str) -> str:
    """A sentence whose last word ends in a stop of its own ("... 5 p.m.") ends in one stop."""
    return sentence[:-1] if sentence.endswith("..") else sentence


def next_shift_sentence(person: Person, now: datetime) -> str:
    paused_until = paused_until_of(person, now)
    since = local_midnight(paused_until) if paused_until is not None else now
    span = next_on_call(person, since)
    if span is None:
        # Translators: SMS, part of one segment: the volunteer has no weekly or one-off shift ahead.
        return _("No on-call shifts.")
    is_open_ended = span.end - span.start >= OPEN_ENDED
    if span.start <= now:
        if is_open_ended:
            # Translators: SMS, part of one segment.
            return _("On call now.")
        # Translators: SMS, part of one segment. %(end)s: "5 p.m." today, else "Sat 3/14 5 p.m.".
        return _("On call now until %(end)s.") % {"end": moment_text(span.end, after=now)}
    if is_open_ended:
        # Translators: SMS, part of one segment. %(start)s: "Sat 3/14 9 p.m.".
        return _("Next shift from %(start)s.") % {"start": moment_text(span.start)}
    # Translators: a shift in an SMS, start to end: "Sat 3/14 9 p.m. to 5 a.m.".
    when = _("%(start)s to %(end)s") % {
        "start": moment_text(span.start),
        "end": moment_text(span.end, after=span.start),
    }
    # Translators: SMS, part of one segment. %(when)s: "Sat 3/14 9 p.m. to 5 a.m.".
    return _("Next shift: %(when)s.") % {"when": when}


def lapsing_text(person: Person, language: str, now: datetime | None = None) -> str:
    """The skills that lapse within LAPSING_WITHIN, soonest first, with the day each lapses; "" when none."""
    now = now or timezone.now()
    lapsing = list(
        Certification.objects.filter(person=person, lapses_at__gt=now, lapses_at__lte=now + LAPSING_WITHIN)
        .select_related("skill")
        .order_by("lapses_at", "skill__slug")
    )
    if not lapsing:
        return ""
    tz = network_timezone()
    items = [
        # Translators: a skill and the day it lapses, in an SMS: "Naloxone on 4/2".
        _("%(skill)s on %(date)s")
        % {
            "skill": gsm_friendly(text_of(certification.skill, "name", language)),
            "date": short_date(certification.lapses_at.astimezone(tz).date()),
        }
        for certification in lapsing[:MAX_SKILLS_LISTED]
    ]
    more = len(lapsing) - MAX_SKILLS_LISTED
    listed = ", ".join(items) + (f" +{more}" if more > 0 else "")
    # Translators: SMS, part of one segment. %(skills)s: "Naloxone on 4/2, Tourniquet on 4/9".
    return _("Lapsing soon: %(skills)s.") % {"skills": listed}


# Days and times, short, in the active language: "Sat 3/14 9 p.m." / "sab 14/3 21:00".


def weekday_text(day: date) -> str:
    # Translators: short weekdays in an SMS. Spanish without á, í, ó, ú (GSM-7): "sab", not "sáb".
    names = (
        pgettext("short weekday in an SMS", "Mon"),
        pgettext("short weekday in an SMS", "Tue"),
        pgettext("short weekday in an SMS", "Wed"),
        pgettext("short weekday in an SMS", "Thu"),
        pgettext("short weekday in an SMS", "Fri"),
        pgettext("short weekday in an SMS", "Sat"),
        pgettext("short weekday in an SMS", "Sun"),
    )
    return names[day.weekday()]


def short_date(day: date) -> str:
    # Translators: a date in an SMS, month/day: "3/14". Spanish: day/month, "14/3".
    return _("%(month)d/%(day)d") % {"month": day.month, "day": day.day}


def day_text(day: date) -> str:
    # Translators: a day in an SMS: weekday and date, "Sat 3/14".
    return _("%(weekday)s %(date)s") % {"weekday": weekday_text(day), "date": short_date(day)}


def moment_text(moment: datetime, *, after: datetime | None = None) -> str:
    """A local day and time ("Sat 3/14 9 p.m."); the time alone when it is within a day of `after`."""
    tz = network_timezone()
    local = moment.astimezone(tz)
    clock = formats.time_format(local.time(), "TIME_FORMAT")
    if after is not None and moment - after < timedelta(days=1):
        return clock
    return f"{day_text(local.date())} {clock}"
