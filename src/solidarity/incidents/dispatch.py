"""Dispatch: who is asked for each role an incident needs, the alerts, the answers, and escalation.

Quota dispatch. A need ("2 legal observers") asks more people than it needs (the hotline's
`over_ask_percent`), each with an alert of their own code. A NO, or an alert that could not be
delivered, asks the next person at once; a GO counts towards the places; when every place is taken
the need is filled, the alerts still queued are cancelled and the people already asked are told
"covered, thank you: no need to go". Nothing stops at the first answer.

The ranking (`candidates`), in order:

1. Rings of zones: ring 0 is the incident's zone, ring 1 its neighbours, ring 2 theirs, up to the
   need's current ring.
2. The on-call query (people.oncall) for the need's skill (for verifying, any verifier skill) in
   those zones: active, vetted, agreed to alerts, holding the skill currently, on call now.
3. Left out: anyone this incident has asked already, and anyone going to or on scene at another
   incident still being verified or responded to. A drill holds nobody back: for a real incident,
   being out on a drill leaves no one out; for a drill, being asked for a real one does too.
4. Ordered by: the nearest ring the person covers; then who was asked least recently, by day (never
   asked first; a drill's alerts do not count), to spread the load; then language fit (their
   language is the incident's); then who has been in the network longest (a stable order).
5. When asking, anyone with no phone or email, or whose phone or email opted out (STOP), is passed
   over (`reachable`), in rank order, only for the few about to be asked.

Escalation. A need still open after the hotline's `ring_minutes` asks the next ring out (and again,
up to `max_rings`); after `page_minutes` the dispatchers and the coordinators of their groups are
paged, once. Both are durable timers (core.timers): the ring timer's token is kept on the need, so a
stale or duplicate fire does nothing; the page is claimed with a conditional update of `paged_at`.

Locks: every change to a need, its alerts and its asking holds the need's row, taken first: answers,
timers and delivery failures for one need are serialised; two needs never wait for each other. Rows
are locked FOR NO KEY UPDATE of their own table only (PostgreSQL): a timeline entry or an alert
inserted meanwhile (a foreign key to the incident takes KEY SHARE) never waits for a dispatcher's lock
on the incident, so an answer and a stand-down of one incident cannot deadlock.
"""

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.models import RoleGrant, User
from solidarity.core.bilingual import text_of
from solidarity.core.codes import unique_code
from solidarity.core.models import Zone
from solidarity.core.permissions import Role
from solidarity.core.services import get_network_settings
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.incidents import drill_messages
from solidarity.incidents.drill_messages import marked
from solidarity.incidents.models import (
    ANSWERABLE,
    BUSY,
    COUNTED,
    DISPATCHING_STATES,
    LIVE_CODE,
    Alert,
    AlertState,
    EntryKind,
    Incident,
    Need,
    NeedState,
    Purpose,
)
from solidarity.incidents.timeline import SYSTEM, add, hotline_settings, person_actor
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel, State
from solidarity.messaging.outcomes import Fate
from solidarity.messaging.priority import Priority
from solidarity.messaging.sms.text import gsm_friendly
from solidarity.people.contacts import reachable_at
from solidarity.people.models import Coverage, Person, Skill
from solidarity.people.oncall import on_call_ids

log = logging.getLogger("solidarity.incidents")

RING_TIMER = "incidents.next-ring"
PAGE_TIMER = "incidents.page"
OUTCOME = "incidents.alert"
LINK_SALT = "incidents.alert-link"
HEAD_FACTOR = 3  # when asking n people, the reachability of the first 3n ranked is looked up


# 1. Rings of zones.


def zone_rings(zone_id: int, rings: int) -> list[list[int]]:
    """[[the zone], [its neighbours], [theirs]...], `rings` rings out, each zone in the nearest ring only."""
    through = Zone.neighbours.through
    touching: dict[int, set[int]] = {}
    for a, b in through.objects.values_list("from_zone_id", "to_zone_id"):
        touching.setdefault(a, set()).add(b)
    found = [[zone_id]]
    seen = {zone_id}
    for _ring in range(rings):
        outer = sorted({n for z in found[-1] for n in touching.get(z, ())} - seen)
        if not outer:
            break
        seen.update(outer)
        found.append(outer)
    return found


# 2-4. The ranking.


@dataclass(frozen=True)
class Candidate:
    """One person dispatch may ask, with why they rank where they do (no contact, no name)."""

    person_id: int
    ring: int
    zone_id: int  # the nearest zone of theirs
    last_asked_at: datetime | None
    language_fit: bool

    def reasons(self, now: datetime) -> dict[str, Any]:
        days = (now - self.last_asked_at).days if self.last_asked_at else None
        return {"ring": self.ring, "zone": self.zone_id, "last_asked_days": days, "language_fit": self.language_fit}

    def key(self, now: datetime) -> tuple[int, int, int, int]:
        days = (now - self.last_asked_at).days if self.last_asked_at else 1_000_000
        return (self.ring, -days, not self.language_fit, self.person_id)


def skills_for(need: Need) -> list[Skill | str]:
    if need.skill_id is not None:
        return [need.skill] if need.skill else []
    return list(hotline_settings().verifier_skills.all())


def candidates(need: Need, *, now: datetime | None = None, upto: int | None = None) -> list[Candidate]:
    """Everyone dispatch may ask for `need` now, best first (the module's steps 1 to 4).

    `upto`: look only this many rings out (at most the need's own ring): everyone it finds ranks before
    anyone further out, so asking needs no more than the nearest rings that hold enough people.
    """
    now = now or timezone.now()
    incident = need.incident
    rings = zone_rings(incident.zone_id, need.ring if upto is None else min(upto, need.ring))
    ring_of = {zone: ring for ring, zones in enumerate(rings) for zone in zones}
    ids: set[int] = set()
    for skill in skills_for(need):
        ids.update(on_call_ids(skill, ring_of, now=now))
    if not ids:
        return []
    # Asked already for this incident: left out, but for who was asked for another of its needs and not
    # needed after all (a verifier covered when another went to look can still be asked to go).
    asked = Alert.objects.filter(incident=incident).filter(Q(need=need) | ~Q(state=AlertState.COVERED))
    ids -= set(asked.values_list("person_id", flat=True))
    busy = Alert.objects.filter(person_id__in=ids, incident__state__in=DISPATCHING_STATES).filter(busy_with(incident))
    ids -= set(busy.values_list("person_id", flat=True))
    if not ids:
        return []
    nearest: dict[int, tuple[int, int]] = {}
    for person_id, zone_id in Coverage.objects.filter(person_id__in=ids, zone_id__in=ring_of).values_list(
        "person_id", "zone_id"
    ):
        here = (ring_of[zone_id], zone_id)
        if person_id not in nearest or here < nearest[person_id]:
            nearest[person_id] = here
    last = dict(
        Alert.objects.filter(person_id__in=ids, incident__drill=False)
        .values("person_id")
        .annotate(last=Max("asked_at"))
        .values_list("person_id", "last")
    )
    languages = dict(Person.objects.filter(pk__in=ids).values_list("pk", "language"))
    found = [
        Candidate(
            person_id=pk,
            ring=nearest[pk][0],
            zone_id=nearest[pk][1],
            last_asked_at=last.get(pk),
            language_fit=languages.get(pk) == incident.language,
        )
        for pk in ids
        if pk in nearest
    ]
    found.sort(key=lambda candidate: candidate.key(now))
    return found


def busy_with(incident: Incident) -> Q:
    """The alerts that keep their person from being asked for `incident` (on incidents still dispatching).

    Going or on scene at a real incident; for a drill also at another drill, or asked for a real one and
    yet to answer. A drill's alerts never keep anyone from a real incident.
    """
    if not incident.drill:
        return Q(state__in=BUSY, incident__drill=False)
    return Q(state__in=BUSY) | Q(state=AlertState.ASKED, incident__drill=False)


def reason_text(reasons: dict[str, Any], zone_names: dict[int, str]) -> str:
    """Why someone was asked, in the page's language: "on call in Walltown, last asked 9 days ago"."""
    zone = zone_names.get(reasons.get("zone") or 0, "?")
    ring = int(reasons.get("ring") or 0)
    where = (
        _("on call in %(zone)s") % {"zone": zone}
        if ring == 0
        else ngettext("on call in %(zone)s, %(ring)d zone away", "on call in %(zone)s, %(ring)d zones away", ring)
        % {"zone": zone, "ring": ring}
    )
    days = reasons.get("last_asked_days")
    if days is None:
        when = _("never asked before")
    elif days == 0:
        when = _("last asked today")
    else:
        when = ngettext("last asked %(days)d day ago", "last asked %(days)d days ago", days) % {"days": days}
    parts = [where, when]
    if reasons.get("language_fit"):
        parts.append(_("speaks the reporters' language"))
    return ", ".join(parts)


def zone_names(ids: Iterable[int]) -> dict[int, str]:
    return {zone.pk: text_of(zone, "name") for zone in Zone.objects.filter(pk__in=set(ids))}


# 5. Who can be reached.


def reachable(people: list[Person]) -> dict[int, tuple[str, str]]:
    """{person id: (channel, address)} for those with a contact that did not opt out or fail for good."""
    targets = {person.pk: found for person in people if (found := reachable_at(person)) is not None}
    blocked: set[int] = set()
    for channel in {channel for channel, _address in targets.values()}:
        addresses = [messaging.normalise(channel, address) for c, address in targets.values() if c == channel]
        states = messaging.addresses_for(channel, addresses)
        for pk, (c, address) in targets.items():
            if c == channel and messaging.is_blocked(states.get(messaging.normalise(channel, address))):
                blocked.add(pk)
    return {pk: target for pk, target in targets.items() if pk not in blocked}


# Asking.


def places(need: Need) -> int:
    """How many people the need takes: its count, made even when they go in pairs."""
    return need.count + (need.count % 2 if need.in_pairs else 0)


def counted(need: Need) -> int:
    return need.alerts.filter(state__in=COUNTED).count()


def lock_need(need: Need | int) -> Need:
    pk = need.pk if isinstance(need, Need) else need
    # The need's row alone (of=self): a verifying need has no skill, and PostgreSQL refuses FOR UPDATE on the
    # nullable side of the outer join; nor should a need lock its incident's or zone's row.
    locked = Need.objects.select_for_update(of=("self",), no_key=True)
    return locked.select_related("incident", "incident__zone", "skill").get(pk=pk)


def open_need(
    incident: Incident,
    *,
    purpose: Purpose,
    skill: Skill | None,
    count: int,
    within_minutes: int | None = None,
    in_pairs: bool = False,
) -> Need:
    """Open one need of `incident` and ask the first people (in the caller's transaction), with its timers."""
    now = timezone.now()
    need = Need.objects.create(
        incident=incident,
        purpose=purpose,
        skill=skill,
        count=count,
        within_minutes=within_minutes,
        in_pairs=in_pairs,
        opened_at=now,
    )
    need = lock_need(need)
    ask_more(need)
    hotline = hotline_settings()
    set_ring_timer(need, now + timedelta(minutes=hotline.ring_minutes))
    set_timer(PAGE_TIMER, str(need.uuid), now + timedelta(minutes=hotline.page_minutes))
    return need


def set_ring_timer(need: Need, due: datetime) -> None:
    need.timer_token = set_timer(RING_TIMER, str(need.uuid), due)
    Need.objects.filter(pk=need.pk).update(timer_token=need.timer_token)


def ask_more(need: Need) -> int:
    """Ask enough people that the open places are covered `over_ask_percent` over; how many were asked.

    Holds: the need's row (lock_need). When nobody is left to ask in the rings asked so far and
    nobody asked is still to answer, the next ring out is asked at once rather than at the timer.
    """
    if need.state != NeedState.OPEN or need.incident.state not in DISPATCHING_STATES:
        return 0
    hotline = hotline_settings()
    remaining = places(need) - counted(need)
    if remaining <= 0:
        return 0
    outstanding = need.alerts.filter(state=AlertState.ASKED).count()
    wanted = math.ceil(remaining * hotline.over_ask_percent / 100) - outstanding
    if wanted <= 0:
        return 0
    now = timezone.now()
    while True:
        chosen, people, reach = choose(need, wanted, now)
        if chosen or outstanding or need.ring >= hotline.max_rings:
            break
        if len(zone_rings(need.incident.zone_id, need.ring + 1)) <= need.ring + 1:
            break  # no zone further out
        need.ring += 1
        Need.objects.filter(pk=need.pk).update(ring=need.ring)
        add(need.incident, EntryKind.RING, need=str(need.uuid), ring=need.ring, reason="nobody left to ask")
    return ask(need, chosen, people, reach, now)


def choose(
    need: Need, wanted: int, now: datetime
) -> tuple[list[Candidate], dict[int, Person], dict[int, tuple[str, str]]]:
    """The first `wanted` reachable candidates in rank order, with their records and where they are reached.

    One ring further at a time (the on-call query over many zones is the costliest step, and the
    nearest ring usually holds enough); within a ranking, reachability is looked up for the first
    few first (step 5), further down only when too few of them can be reached.
    """
    people: dict[int, Person] = {}
    reach: dict[int, tuple[str, str]] = {}
    chosen: list[Candidate] = []
    for upto in range(need.ring + 1):
        ranked = candidates(need, now=now, upto=upto)
        unseen = [candidate for candidate in ranked if candidate.person_id not in people]
        step = max(wanted * HEAD_FACTOR, 1)
        for start in range(0, len(unseen), step):
            found = with_contacts(unseen[start : start + step])
            people.update(found)
            reach.update(reachable(list(found.values())))
            chosen = [candidate for candidate in ranked if candidate.person_id in reach][:wanted]
            if len(chosen) >= wanted:
                return chosen, people, reach
    return chosen, people, reach


def with_contacts(ranked: list[Candidate]) -> dict[int, Person]:
    found = Person.objects.filter(pk__in=[candidate.person_id for candidate in ranked]).prefetch_related("contacts")
    return {person.pk: person for person in found}


def ask(
    need: Need, chosen: list[Candidate], people: dict[int, Person], reach: dict[int, tuple[str, str]], now: datetime
) -> int:
    """Alert each chosen candidate, and say so on the timeline in one entry; how many were asked."""
    if chosen and not need.incident.drill:
        drill_messages.yield_to_real()  # a real alert goes: what a drill still has queued does not
    asked = [make_alert(need, one, people[one.person_id], reach[one.person_id], now) for one in chosen]
    if asked:
        add(need.incident, EntryKind.ASKED, need=str(need.uuid), ring=need.ring, alerts=[a.code for a in asked])
    return len(asked)


def make_alert(need: Need, candidate: Candidate, person: Person, target: tuple[str, str], now: datetime) -> Alert:
    """One alert row (its code unique among live alerts) and its message through the outbox, at alert priority."""
    rank = need.alerts.count()
    while True:
        code = unique_code(Alert.objects.filter(state__in=LIVE_CODE), "code")
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    need=need,
                    incident=need.incident,
                    person=person,
                    code=code,
                    ring=candidate.ring,
                    rank=rank,
                    reasons=candidate.reasons(now),
                    channel=target[0],
                    asked_at=now,
                )
            break
        except IntegrityError:
            if Alert.objects.filter(need=need, person=person).exists():
                raise  # asked already: the ranking left them out, so this is a race the caller must not hide
    send(alert, person, target, "alert", priority=Priority.ALERT, outcome=True)
    return alert


# Messages.


def link_token(alert: Alert) -> str:
    return signing.Signer(salt=LINK_SALT, sep=".").sign(alert.uuid.hex)


def alert_from_token(token: str) -> Alert | None:
    try:
        wanted = UUID(hex=signing.Signer(salt=LINK_SALT, sep=".").unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return Alert.objects.select_related("incident", "incident__zone", "need", "need__skill").filter(uuid=wanted).first()


def message_values(alert: Alert, language: str) -> dict[str, str]:
    incident, need = alert.incident, alert.need
    with translation.override(language):
        return {
            "network": get_network_settings().name,
            "type": str(incident.get_type_display()),
            "zone": text_of(incident.zone, "name", language),
            "where": f" ({incident.where})" if incident.where else "",
            "role": text_of(need.skill, "name", language) if need.skill else str(_("verifier")),
            "within": (
                str(_(" within %(minutes)d min") % {"minutes": need.within_minutes}) if need.within_minutes else ""
            ),
            "code": alert.code,
        }


def text_for(what: str, values: dict[str, str], purpose: str) -> str:
    # Translators: every text below is one SMS. Keep the keywords of GLOSSARY.md with the code: VOY, NO, LLEGUE,
    # SALI, REPORTE. The Spanish avoids á, í, ó and ú where it can (they make a text shorter).
    if what == "alert" and purpose == Purpose.VERIFY:
        return (
            _(
                "%(network)s VERIFY: a report of a %(type)s in %(zone)s%(where)s. Can you go and see? "
                "Reply GO %(code)s if you can, NO %(code)s if not."
            )
            % values
        )
    if what == "alert":
        return (
            _(
                "%(network)s ALERT: %(type)s in %(zone)s%(where)s. Needed: %(role)s%(within)s. "
                "Reply GO %(code)s if you can go, NO %(code)s if not."
            )
            % values
        )
    if what == "going" and purpose == Purpose.VERIFY:
        return (
            _(
                "%(network)s: thank you. When you see it, text REPORT and what you see (how many agents, "
                "what they do, uniforms, vehicles), even if it is nothing."
            )
            % values
        )
    if what == "going":
        return (
            _(
                "%(network)s: thank you, you are going: %(type)s in %(zone)s%(where)s. "
                "Text ARRIVED %(code)s when you get there, LEFT %(code)s when you leave."
            )
            % values
        )
    if what == "declined":
        return _("%(network)s: thank you for answering. We will ask someone else.") % values
    if what == "covered":
        return _("%(network)s: covered, thank you: no need to go (%(code)s).") % values
    if what == "over":
        return _("%(network)s: this alert is over, thank you: no need to go (%(code)s).") % values
    if what == "already":
        return _("%(network)s: we already have your answer to %(code)s, thank you.") % values
    if what == "arrived":
        return _("%(network)s: thank you. Stay safe, and text LEFT %(code)s when you leave.") % values
    if what == "left":
        return _("%(network)s: thank you for going. Take care.") % values
    if what == "stood_down":
        return (
            _(
                "%(network)s: the dispatchers are standing down (%(code)s). Thank you. "
                "Text LEFT %(code)s when you leave."
            )
            % values
        )
    raise ValueError(what)


def send(
    alert: Alert,
    person: Person,
    target: tuple[str, str] | None,
    what: str,
    *,
    priority: Priority = Priority.ALERT,
    outcome: bool = False,
) -> None:
    """One message about `alert` to its person, in their language, through the outbox (caller's transaction)."""
    target = target or reachable_at(person)
    if target is None:
        return
    channel, address = target
    language = person.language if person.language in ("en", "es") else settings.LANGUAGE_CODE
    values = message_values(alert, language)
    incident = alert.incident
    with translation.override(language):
        text = text_for(what, values, alert.need.purpose)
        if channel == Channel.SMS:
            # "está" as "esta": one GSM-7 SMS, not two.
            content: dict[str, Any] = {"text": gsm_friendly(marked(incident, text))}
        else:
            link = str(settings.BASE_URL).rstrip("/") + reverse("incidents:alert-link", args=[link_token(alert)])
            subject = marked(incident, text.split(":", 1)[0] if what == "alert" else values["network"])
            body = render_to_string(
                "incidents/email/alert_body.txt", {"text": marked(incident, text), "link": link, "what": what}
            )
            content = mail.email_content(to=address, subject=subject, text=body, language=language)
    messaging.enqueue(
        drill_messages.outgoing(
            incident,
            channel,
            address,
            content,
            key=message_key(alert, what),
            language=language,
            priority=priority,
            on_outcome=OUTCOME if outcome else "",
            reference=str(alert.uuid) if outcome else "",
        )
    )


def message_key(alert: Alert, what: str) -> str:
    return f"incidents.{what}:{alert.uuid}"


# Answers.


class Answer:
    GOING = "going"
    DECLINED = "declined"
    COVERED = "covered"  # GO after the need was filled: thank you, no need to go
    ALREADY = "already"
    OVER = "over"  # the incident is closed or stood down
    ARRIVED = "arrived"
    LEFT = "left"


def do_answer_alert(alert: Alert, *, going: bool, actor: str = "", reply: bool = False) -> str:
    """GO or NO to `alert` (by text, the link's button, the web or the API); returns an `Answer`.

    Invariants: a need never counts more than its places (a GO that finds it filled is told it is
    covered); a NO asks the next person at once; the last place taken fills the need, cancels the
    alerts still queued and tells those already asked they are not needed. Idempotent: the same
    answer twice changes nothing the second time. `reply`: also send the answer's acknowledgement
    (a page or the API; a text's is the keyword handler's reply). Lock: the need's row.
    """
    with transaction.atomic():
        need = lock_need(alert.need_id)
        alert = Alert.objects.select_related("person").get(pk=alert.pk)
        actor = actor or person_actor(alert.person.uuid)
        if need.incident.state not in DISPATCHING_STATES or need.state == NeedState.CANCELLED:
            result = Answer.OVER
        elif alert.state not in ANSWERABLE:
            result = Answer.ALREADY
        elif not going:
            mark(alert, AlertState.DECLINED, answered_at=timezone.now())
            add(need.incident, EntryKind.ANSWER, actor=actor, alert=alert.code, answer="no")
            ask_more(need)
            result = Answer.DECLINED
        elif need.state == NeedState.FILLED:
            mark(alert, AlertState.COVERED)
            result = Answer.COVERED
        else:
            mark(alert, AlertState.GOING, answered_at=timezone.now())
            add(need.incident, EntryKind.ANSWER, actor=actor, alert=alert.code, answer="go")
            if counted(need) >= places(need):
                fill(need)
            result = Answer.GOING
        if reply:
            send(alert, alert.person, None, acknowledgement(result), priority=Priority.ALERT)
    return result


def acknowledgement(result: str) -> str:
    return {Answer.ALREADY: "already", Answer.OVER: "over"}.get(result, result)


def mark(alert: Alert, state: str, **values: Any) -> None:
    Alert.objects.filter(pk=alert.pk).update(state=state, **values)
    alert.state = state
    for name, value in values.items():
        setattr(alert, name, value)


def fill(need: Need) -> None:
    """Every place is taken: the need is filled; queued alerts are cancelled, those asked told they are not needed."""
    now = timezone.now()
    Need.objects.filter(pk=need.pk).update(state=NeedState.FILLED, filled_at=now)
    need.state = NeedState.FILLED
    release_asked(need, AlertState.COVERED, "covered")
    cancel_timer(RING_TIMER, str(need.uuid))
    cancel_timer(PAGE_TIMER, str(need.uuid))
    add(need.incident, EntryKind.FILLED, need=str(need.uuid), going=counted(need))


def release_asked(need: Need, state: str, what: str) -> int:
    """Those asked and not yet answered: the alert still queued is cancelled (nothing to say), else they are told."""
    released = 0
    for alert in need.alerts.filter(state=AlertState.ASKED).select_related("person", "incident", "need"):
        mark(alert, state)
        if not messaging.cancel(message_key(alert, "alert")):
            send(alert, alert.person, None, what)
        released += 1
    return released


def do_mark_arrived(alert: Alert, *, left: bool = False, actor: str = "") -> str:
    """A responder on scene (ARRIVED), or gone (LEFT); returns an `Answer`. Lock: the need's row."""
    with transaction.atomic():
        need = lock_need(alert.need_id)
        alert = Alert.objects.select_related("person").get(pk=alert.pk)
        actor = actor or person_actor(alert.person.uuid)
        now = timezone.now()
        if left and alert.state in (AlertState.GOING, AlertState.ON_SCENE, AlertState.STOOD_DOWN):
            mark(alert, AlertState.LEFT, left_at=now)
            add(need.incident, EntryKind.LEFT, actor=actor, alert=alert.code)
            return Answer.LEFT
        if not left and alert.state == AlertState.GOING:
            mark(alert, AlertState.ON_SCENE, arrived_at=now)
            add(need.incident, EntryKind.ARRIVED, actor=actor, alert=alert.code)
            return Answer.ARRIVED
    return Answer.ALREADY if alert.state in (AlertState.ON_SCENE, AlertState.LEFT) else Answer.OVER


def stand_down(incident: Incident, *, actor: str = SYSTEM) -> int:
    """Every need of `incident` ends: those asked or on the way are told they are not needed, those on scene
    that the dispatchers are standing down; timers cancelled. Returns how many people were told or released.
    Locks: each need's row in turn (the caller holds the incident's)."""
    told = 0
    for pk in list(incident.needs.exclude(state=NeedState.CANCELLED).values_list("pk", flat=True)):
        need = lock_need(pk)
        told += release_asked(need, AlertState.STOOD_DOWN, "over")
        for alert in need.alerts.filter(state__in=(AlertState.GOING, AlertState.ON_SCENE)).select_related("person"):
            if alert.state == AlertState.GOING:  # on the way: no need to go
                mark(alert, AlertState.STOOD_DOWN)
                send(alert, alert.person, None, "over")
            else:  # on scene: they stay on scene until they text LEFT
                send(alert, alert.person, None, "stood_down")
            told += 1
        Need.objects.filter(pk=need.pk).update(state=NeedState.CANCELLED)
        cancel_timer(RING_TIMER, str(need.uuid))
        cancel_timer(PAGE_TIMER, str(need.uuid))
    if told:
        add(incident, EntryKind.STOOD_DOWN, actor=actor, told=told)
    return told


# Timers and outcomes (registered in incidents.apps).


def next_ring(fired: FiredTimer) -> None:
    """RING_TIMER: the need is still open after `ring_minutes`: ask one ring further out, then set the timer again."""
    need = Need.objects.filter(uuid=fired.key).first()
    if need is None:
        return
    need = lock_need(need)
    if need.timer_token != fired.token or need.state != NeedState.OPEN:
        return  # stale: set again since, or filled, or stood down
    hotline = hotline_settings()
    if need.incident.state not in DISPATCHING_STATES:
        return
    if need.ring < hotline.max_rings and len(zone_rings(need.incident.zone_id, need.ring + 1)) > need.ring + 1:
        need.ring += 1
        Need.objects.filter(pk=need.pk).update(ring=need.ring)
        add(need.incident, EntryKind.RING, need=str(need.uuid), ring=need.ring, reason="not filled in time")
        ask_wider(need)
        set_ring_timer(need, timezone.now() + timedelta(minutes=hotline.ring_minutes))


def ask_wider(need: Need) -> int:
    """After the ring timer: ask as many of the new ring as the open places call for, on top of those outstanding.

    The people asked earlier did not answer in time: they stay asked (an answer still counts), and the
    new ring is asked as if they had not been.
    """
    hotline = hotline_settings()
    remaining = places(need) - counted(need)
    if remaining <= 0:
        return 0
    wanted = math.ceil(remaining * hotline.over_ask_percent / 100)
    now = timezone.now()
    chosen, people, reach = choose(need, wanted, now)
    return ask(need, chosen, people, reach, now)


def page(fired: FiredTimer) -> None:
    """PAGE_TIMER: the need is still open after `page_minutes`: the dispatchers and coordinators are paged, once."""
    now = timezone.now()
    if not Need.objects.filter(uuid=fired.key, state=NeedState.OPEN, paged_at__isnull=True).update(paged_at=now):
        return  # filled, stood down, or paged already
    need = lock_need(Need.objects.get(uuid=fired.key).pk)
    if need.incident.state not in DISPATCHING_STATES:
        return
    paged = 0
    for user in pageable():
        paged += page_one(need, user)
    add(need.incident, EntryKind.PAGED, need=str(need.uuid), paged=paged, missing=places(need) - counted(need))


def pageable() -> list[User]:
    """The dispatchers, and the coordinators of the groups they dispatch for: active accounts."""
    hotline_groups = RoleGrant.objects.filter(role=str(Role.DISPATCHER)).values("membership__group_id")
    grants = RoleGrant.objects.filter(
        Q(role=str(Role.DISPATCHER)) | Q(role=str(Role.COORDINATOR), membership__group_id__in=hotline_groups),
        membership__user__is_active=True,
    )
    ids = set(grants.values_list("membership__user_id", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def page_one(need: Need, user: User) -> int:
    """One page to one dispatcher: by text to their own record's phone if they have one, else by email."""
    person = Person.objects.filter(user=user).prefetch_related("contacts").first()
    target = reachable_at(person) if person is not None else None
    language = (person.language if person else "") or getattr(user, "language", "") or settings.LANGUAGE_CODE
    if target is None and user.email:
        target = (Channel.EMAIL, str(user.email))
    if target is None:
        return 0
    channel, address = target
    incident = need.incident
    with translation.override(language if language in ("en", "es") else settings.LANGUAGE_CODE):
        values = {
            "network": get_network_settings().name,
            "code": incident.code,
            "type": str(incident.get_type_display()),
            "zone": text_of(incident.zone, "name"),
            "role": text_of(need.skill, "name") if need.skill else str(_("verifier")),
            "missing": places(need) - counted(need),
        }
        # Translators: SMS to a dispatcher, one segment.
        text = _("%(network)s PAGE: incident %(code)s (%(type)s, %(zone)s) still needs %(missing)d %(role)s.") % values
        text = marked(incident, text)
        if channel == Channel.SMS:
            content: dict[str, Any] = {"text": gsm_friendly(text)}  # "está" as "esta": one GSM-7 SMS, not two
        else:
            link = str(settings.BASE_URL).rstrip("/") + reverse("incidents:incident", args=[incident.code])
            content = mail.email_content(to=address, subject=text, text=f"{text}\n\n{link}\n", language=language)
    messaging.enqueue(
        drill_messages.outgoing(
            incident,
            channel,
            address,
            content,
            key=f"incidents.page:{need.uuid}:{user.uuid}",
            language=language,
            priority=Priority.ALERT,
        )
    )
    return 1


def alert_outcome(fate: Fate) -> None:
    """An alert's message was not delivered (a failure, a cancellation, an opt-out): ask the next person at once."""
    if fate.state in ("delivered", "sent"):
        return
    alert = Alert.objects.filter(uuid=fate.reference).first()
    if alert is None:
        return
    need = lock_need(alert.need_id)
    if Alert.objects.filter(pk=alert.pk, state=AlertState.ASKED).update(state=AlertState.UNDELIVERED):
        # A drill's alert cancelled while queued (drill_messages.yield_to_real: a real alert went): nobody in its place.
        yielded = need.incident.drill and fate.state == State.CANCELLED and fate.reason == "cancelled"
        reason = "real_alert" if yielded else fate.reason
        add(need.incident, EntryKind.ANSWER, alert=alert.code, answer="undelivered", reason=reason)
        if not yielded:
            ask_more(need)
