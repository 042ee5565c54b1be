"""Telling reporters the outcome: those who asked to hear back (`follow_up`, with a phone or an email) are
told when their report's incident is confirmed, found to be a false alarm, or could not be verified.

A correction must travel as far as the alarm: a false alarm is told as plainly as a confirmation. Each
reporter is told each outcome once (the message's key names the report and the outcome), in the language
they reported in, through the outbox. Nothing is said of who is going or where: only what the network found.
"""

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from solidarity.core.services import get_network_settings
from solidarity.incidents.models import Incident, IncidentState
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.messaging.sms.text import gsm_friendly
from solidarity.people.models import ContactKind
from solidarity.people.self_service import contact_kind

OUTCOMES = (IncidentState.CONFIRMED, IncidentState.FALSE_ALARM, IncidentState.UNVERIFIED)


def outcome_text(state: str, values: dict[str, str]) -> str:
    # Translators: one SMS each (or an email's text) to someone who reported and asked to hear back.
    if state == IncidentState.CONFIRMED:
        return _("%(network)s: about your report %(code)s: the network confirmed it and is responding. Thank you.") % (
            values
        )
    if state == IncidentState.FALSE_ALARM:
        return (
            _(
                "%(network)s: about your report %(code)s: the network checked, and it was not immigration "
                "enforcement (a false alarm). Thank you for reporting."
            )
            % values
        )
    return (
        _(
            "%(network)s: about your report %(code)s: the network could not confirm it. Thank you: keep "
            "reporting what you see."
        )
        % values
    )


def tell_reporters(incident: Incident, state: str) -> int:
    """Tell every reporter of `incident` who asked to hear back that it is now `state` (caller's transaction).

    Returns how many were told; a state that is no outcome (OUTCOMES), or a drill, tells nobody: a
    drill holds no real report, and tells the public nothing.
    """
    if state not in OUTCOMES or incident.drill:
        return 0
    network = get_network_settings().name
    told = 0
    for report in incident.reports.filter(follow_up=True).only("uuid", "code", "language", "contact"):
        contact = str(report.contact or "").strip()
        if not contact:
            continue
        language = report.language if report.language in ("en", "es") else "en"
        with translation.override(language):
            text = outcome_text(state, {"network": network, "code": report.code})
            if contact_kind(contact) == ContactKind.EMAIL:
                channel = Channel.EMAIL
                subject = _("%(network)s: your report %(code)s") % {"network": network, "code": report.code}
                content: dict[str, Any] = mail.email_content(to=contact, subject=subject, text=text, language=language)
            else:
                channel, content = Channel.SMS, {"text": gsm_friendly(text)}
        messaging.enqueue(
            messaging.Outgoing(
                channel, contact, content, idempotency_key=f"incidents.outcome:{report.uuid}:{state}", language=language
            )
        )
        told += 1
    return told
