"""Texts the hotline answers: REPORT / REPORTE from anyone; a responder's GO / VOY, NO, ARRIVED / LLEGUE, LEFT / SALI.

A report texted by someone out on an incident (a verifier who went to look, a responder on scene)
is their account of it: it joins that incident's timeline instead of starting a report. From anyone
else it is a report: kept, grouped when it names a zone, answered with its reference. A number that
texts more reports in an hour than a person would (SMS_REPORTS) has the rest kept for review, never
grouped on their own: a flood becomes a queue.

An answer with a code acts on the sender's alert of that code; a bare answer on their one open
alert, and asks which when they have several (the reply lists the codes); a real alert comes before
a drill's. A code that is not the sender's (or no alert's) is told so, plainly. Every reply about an
incident names it (`reply`), so a drill's is marked DRILL / SIMULACRO (incidents.drill_messages).
The sender is known by their phone (people's blind index); a number several people share, or
nobody's, has no alerts.
"""

import hashlib
import hmac

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from solidarity.core.bilingual import text_of
from solidarity.core.public import Rate, daily_key, hit
from solidarity.core.services import get_network_settings
from solidarity.incidents import dispatch
from solidarity.incidents.drill_messages import lane, marked
from solidarity.incidents.intake import ReportValues, do_take_report, guess_type, guess_zone
from solidarity.incidents.models import (
    ANSWERABLE,
    DISPATCHING_STATES,
    LIVE_CODE,
    Alert,
    AlertState,
    Incident,
    Purpose,
    Report,
    Source,
    Trace,
)
from solidarity.incidents.services import do_add_note, do_record_verification
from solidarity.incidents.timeline import person_actor
from solidarity.messaging.keywords import Command, Handled, InboundContext, NotMine, Outcome, Parsed, Reply, ToInbox
from solidarity.messaging.priority import Priority
from solidarity.messaging.sms.text import gsm_friendly
from solidarity.people.keywords import language_of, sender_person
from solidarity.people.models import Person

SMS_REPORTS = Rate.parse("5/h")  # reports one number texts in an hour before the rest wait for a person
MAX_LISTED = 3  # open alerts listed in a "which one?" reply: one SMS
SHARED = (Command.ARRIVED, Command.LEFT)


def reply(text: str, about: Incident | None) -> Handled:
    """An answer about an alert of `about` (None: of no incident): in the alert lane, never dropped by the
    automatic-reply limit; a drill's marked, in the direct lane (incidents.drill_messages)."""
    priority = lane(about, Priority.ALERT)
    return Handled(Reply(gsm_friendly(marked(about, text)), priority=priority, is_rate_limited=False))


def alerts_of(person: Person, states: tuple[str, ...]) -> QuerySet[Alert]:
    """The person's alerts in `states` on incidents still dispatching: real ones first, then the newest."""
    return (
        Alert.objects.filter(person=person, state__in=states, incident__state__in=DISPATCHING_STATES)
        .select_related("incident", "incident__zone", "need", "need__skill", "person")
        .order_by("incident__drill", "-asked_at")
    )


def network() -> str:
    return get_network_settings().name


def which(person: Person, context: InboundContext, parsed: Parsed, alerts: list[Alert], word: str) -> Handled:
    """Several alerts wait for this answer: list them, so the next text carries a code."""
    language = language_of(person, context, parsed)
    for alert in alerts[:MAX_LISTED]:
        traced(context, incident=alert.incident)  # the reply names each of them
    with translation.override(language):
        # Translators: SMS. %(word)s is the keyword the person texted (VOY, NO, LLEGUE, SALI).
        text = _("%(network)s: which alert? Reply %(word)s and its code: %(alerts)s.") % {
            "network": network(),
            "word": word,
            "alerts": listed(alerts, language),
        }
    drills = {alert.incident.drill for alert in alerts[:MAX_LISTED]}
    return reply(text, alerts[0].incident if drills == {True} else None)


def listed(alerts: list[Alert], language: str) -> str:
    """The first alerts' codes, each with its incident's type and zone (in the active language): one SMS."""
    return ", ".join(
        f"{alert.code} ({alert.incident.get_type_display()}, {text_of(alert.incident.zone, 'name', language)})"
        for alert in alerts[:MAX_LISTED]
    )


def no_such_alert(person: Person, context: InboundContext, parsed: Parsed) -> Handled:
    with translation.override(language_of(person, context, parsed)):
        # Translators: SMS, one segment.
        text = _("%(network)s: no open alert has the code %(code)s for this number.") % {
            "network": network(),
            "code": parsed.argument,
        }
    return reply(text, None)


def find_alert(context: InboundContext, parsed: Parsed, states: tuple[str, ...], word: str) -> Alert | Outcome:
    """The sender's alert the text answers, or the outcome to give instead (not theirs, which one, none)."""
    person = sender_person(context)
    if person is None:
        return NotMine()
    if parsed.argument:
        found = Alert.objects.filter(person=person, code=parsed.argument, state__in=LIVE_CODE).first()
        if found is not None:
            return found
        # GO and NO are the alerts' alone: a code no alert has is said so here. ARRIVED and LEFT are shared
        # (keywords.ARRIVALS, DEPARTURES): another part may own the code, and messaging says when none does.
        return NotMine() if parsed.command in SHARED else no_such_alert(person, context, parsed)
    pending = list(alerts_of(person, states))
    if not pending:
        return NotMine()
    waiting = [alert for alert in pending if alert.state != AlertState.COVERED]
    if waiting and len(waiting) < len(pending):  # an alert still asking comes before one not needed after all
        pending = waiting
    real = [alert for alert in pending if not alert.incident.drill]
    if real and len(real) < len(pending):  # a real alert comes before a drill's
        pending = real
    if len(pending) > 1:
        return which(person, context, parsed, pending, word)
    return pending[0]


def acknowledge(alert: Alert, what: str) -> Handled:
    language = alert.person.language if alert.person.language in ("en", "es") else "en"
    values = dispatch.message_values(alert, language)
    with translation.override(language):
        return reply(dispatch.text_for(what, values, alert.need.purpose), alert.incident)


def answer(context: InboundContext, parsed: Parsed, *, going: bool) -> Outcome:
    word = ("VOY" if going else "NO") if parsed.language == "es" else ("GO" if going else "NO")
    found = find_alert(context, parsed, ANSWERABLE, word)
    if not isinstance(found, Alert):
        return found
    result = dispatch.do_answer_alert(found, going=going)
    traced(context, incident=found.incident)
    found.refresh_from_db()
    return acknowledge(found, dispatch.acknowledgement(result))


def answer_go(context: InboundContext, parsed: Parsed) -> Outcome:
    return answer(context, parsed, going=True)


def answer_no(context: InboundContext, parsed: Parsed) -> Outcome:
    return answer(context, parsed, going=False)


def on_scene(context: InboundContext, parsed: Parsed, *, left: bool) -> Outcome:
    word = ("SALI" if left else "LLEGUE") if parsed.language == "es" else ("LEFT" if left else "ARRIVED")
    states = (AlertState.GOING, AlertState.ON_SCENE) if left else (AlertState.GOING,)
    found = find_alert(context, parsed, states, word)
    if not isinstance(found, Alert):
        return found
    result = dispatch.do_mark_arrived(found, left=left)
    traced(context, incident=found.incident)
    found.refresh_from_db()
    return acknowledge(found, dispatch.acknowledgement(result))


def answer_arrived(context: InboundContext, parsed: Parsed) -> Outcome:
    return on_scene(context, parsed, left=False)


def answer_left(context: InboundContext, parsed: Parsed) -> Outcome:
    return on_scene(context, parsed, left=True)


def answer_report(context: InboundContext, parsed: Parsed) -> Outcome:
    """REPORT and a text: a responder's account of their incident, else a report from anyone."""
    text = parsed.argument.strip()
    person = sender_person(context)
    if person is not None:
        out = alerts_of(person, (AlertState.GOING, AlertState.ON_SCENE)).first()
        if out is not None and text:
            return account(out, text, context, parsed)
    if not text:
        return ToInbox(Reply(say(context.language, "empty")))
    zone = guess_zone(text)
    values = ReportValues(type=guess_type(text), zone=zone, description=text[:2000], language=context.language or "en")
    report = do_take_report(values, source=Source.SMS, reply_to=context.sender, for_review=over_limit(context.sender))
    traced(context, report=report)
    return Handled(Reply(say(context.language, "taken", code=report.code), priority=Priority.ALERT))


def over_limit(sender: str) -> bool:
    """More reports from this number this hour than a person texts (SMS_REPORTS): the rest wait for review.

    Kept all the same, never refused: a person reads them. Keyed by an HMAC of the number under a daily key.
    """
    token = hmac.new(daily_key(b"incidents-sms-report"), sender.encode(), hashlib.sha256).hexdigest()[:32]
    count, _left = hit(f"incidents.sms-report:{token}", SMS_REPORTS)
    return count > SMS_REPORTS.count


def account(alert: Alert, text: str, context: InboundContext, parsed: Parsed) -> Outcome:
    """What a verifier or responder out on an incident texted: their account, on the incident's timeline."""
    actor = person_actor(alert.person.uuid)
    traced(context, incident=alert.incident)
    if alert.need.purpose == Purpose.VERIFY:
        do_record_verification(alert.incident, text, actor=actor)
    else:
        do_add_note(alert.incident, text, by=None, actor=actor)
    with translation.override(language_of(alert.person, context, parsed)):
        # Translators: SMS, one segment.
        text = _("%(network)s: thank you, your account is on incident %(code)s.") % {
            "network": network(),
            "code": alert.incident.code,
        }
    return reply(text, alert.incident)


def traced(context: InboundContext, *, incident: Incident | None = None, report: Report | None = None) -> None:
    """The text was about this incident or report: a purge finds it, and its reply, by this (incidents.purge)."""
    Trace.objects.create(incident=incident, report=report, inbound=context.inbound_id)


def say(language: str, what: str, **values: str) -> str:
    """A reply to a texted report, as GSM-7 as it can be (messaging.sms.text.gsm_friendly)."""
    return gsm_friendly(said(language, what, **values))


def said(language: str, what: str, **values: str) -> str:
    network_settings = get_network_settings()
    values = {"network": network_settings.name, "hotline": network_settings.hotline, **values}
    with translation.override(language if language in ("en", "es") else "en"):
        if what == "empty":
            # Translators: SMS, one segment. Keep REPORTE.
            return _("%(network)s: to report, text REPORT and what you see: what, where (a street), how many.") % values
        if network_settings.hotline:
            # Translators: SMS. The reference lets the reporter and the hotline speak of the same report.
            return (
                _(
                    "%(network)s: thank you, we got your report (ref. %(code)s). A person checks every report "
                    "before any alert. In danger? Call %(hotline)s."
                )
                % values
            )
        return (
            _(
                "%(network)s: thank you, we got your report (ref. %(code)s). "
                "A person checks every report before any alert."
            )
            % values
        )
