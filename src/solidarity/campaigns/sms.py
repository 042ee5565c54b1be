"""Calling by text: CALL / LLAMAR, then 1 to 5 for what happened (messaging.keywords rule 13; CampaignsConfig.ready
registers both), for callers with no account and no data plan.

1. "CALL KQ47" / "LLAMAR KQ47": the campaign with that code. "CALL" alone: the campaign this number is calling
   (it was given an office within PENDING_FOR), else the one campaign open to it now, else a short list of
   codes to choose from; with none open, the text goes to the inbox (someone texting "Llamar" may want a call).
2. The answer: the network's name, the campaign's intro (shortened to INTRO_CHARACTERS) the first time the
   number calls in this campaign (in a text of its own just before, when that takes fewer segments), the
   office's name and number (written the national way, to tap), its
   script filled for text ({place} is "[your city]" for the caller to say aloud), and what to reply: "1
   reached, 2 voicemail, 3 no answer, 4 busy/full, 5 wrong number" (models.Outcome, by its number).
3. "1" to "5" (also "1.", " 2 ", "#3") from a number given an office within PENDING_FOR, by a campaign still
   live, counts that outcome (calling.do_report_outcome: once; a busy line or full voicemail rests at once,
   a second wrong-number report stops the number and tells the organisers) and answers with the next office:
   "Thanks! Next: ...". Offices the number already called come last (calling.next_call). A digit from any
   other number is not this part's: it goes to the inbox like any text.
4. Nothing to call now: the answer says why (not begun, paused, ended, no office open) and, when an office
   opens later in the window, when (in the network's time zone, with its abbreviation: "Mon 12/7 9 a.m. EST").

Who may call by text. A public campaign: anyone with its code. A members' campaign: a number that is the
phone of a person of the network (people part) who has not left and is vetted or has an account. To anyone
else, a members' campaign does not exist: its code gets the answer of a code no campaign has. A campaign
being prepared that never went live does not exist either.

What is kept. The caller's number only in models.SmsCaller (encrypted, found again by its blind index),
with their language, the office they were given last and the offices given to them; a call itself says
nothing of who made it. Nothing here logs or audits a number or a text's words. Rows go a day after the
number last texted (campaigns.retention), or when the campaign closes. STOP / ALTO is the router's: the
number is opted out and gets nothing more; its SmsCaller rows stay until retention removes them (messaging
has no hook to tell a part of an opt-out), and a CALL from an opted-out number gives nothing and goes to the
inbox, unanswered (START first).

Replies. In the keyword's language (CALL: English, LLAMAR: Spanish; the number's language for a digit). Our
own words are GSM-7 (gsm_friendly; the Spanish avoids á, í, ó, ú); the campaign's texts (its intro, an
office's name, a script) are sent as the organisers wrote them, so a letter outside GSM-7 there turns the
whole text into UCS-2. The figures, counted in tests/test_campaigns_sms.py with the seed's campaign. An
answer to an outcome is not held back by the router's automatic-reply limit (a caller may report ten calls
an hour) up to CALLER_REPLIES per number; beyond it, it is limited like any other.
"""

import hashlib
import hmac
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solidarity.campaigns.access import find_campaign
from solidarity.campaigns.calling import NoneOpen, do_report_outcome, next_call
from solidarity.campaigns.models import Call, Campaign, SmsCaller, State, Via, Visibility
from solidarity.campaigns.scripts import filled
from solidarity.core.fields import find_by_index
from solidarity.core.phones import dialable
from solidarity.core.public import Rate, daily_key, hit
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.messaging import services as messaging
from solidarity.messaging.keywords import Handled, InboundContext, NotMine, Outcome, Parsed, Reply, ToInbox
from solidarity.messaging.models import Channel
from solidarity.messaging.sms.text import encoding, gsm_friendly, segments
from solidarity.people.keywords import day_text
from solidarity.people.models import ContactKind
from solidarity.people.services import find_people_by_contact, vetted

PENDING_FOR = timedelta(hours=2)  # a digit answers the office given within this long
INTRO_CHARACTERS = 160  # the intro, shortened to its first sentences within this (a sentence cut with "...")
CALLER_REPLIES = Rate.parse("30/h")  # answers to outcomes a number gets past the automatic-reply limit
LISTED = 4  # campaigns named in the answer to CALL alone
OUTCOME_TEXT = re.compile(r"\s*#?\s*([1-5])\s*[.)!]?\s*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
ELLIPSIS = "..."
LIST_SEGMENTS = 2  # the answer to CALL alone names the campaigns with their titles if it fits in this many

# Translators: SMS. No á, í, ó, ú.
ENDED = gettext_lazy("Calls for %(code)s have ended. Thank you for calling.")
# Translators: SMS. Keep CALL (LLAMAR). No á, í, ó, ú.
PAUSED = gettext_lazy("Calls for %(code)s are paused for now. Text CALL %(code)s again later.")


# CALL / LLAMAR.


def answer_call(context: InboundContext, parsed: Parsed) -> Outcome:
    """CALL / LLAMAR, with a campaign's code or alone: the next office to call (the module's rules 1, 2, 4)."""
    if context.is_opted_out:
        return ToInbox()  # its STOP holds: nothing is sent to it, and a person sees the text
    language = parsed.language or context.language or settings.LANGUAGE_CODE
    with translation.override(language):
        if parsed.argument:
            campaign = find_campaign(parsed.argument)
            if campaign is None or not may_call(campaign, context.sender):
                # Translators: SMS. Keep CALL (LLAMAR). No á, í, ó, ú.
                text = _("No campaign has the code %(code)s. Check it and text CALL and the code.")
                return ToInbox(reply(said(text, code=parsed.argument)))
        else:
            chosen = campaign_for(context.sender)
            if not isinstance(chosen, Campaign):
                return chosen
            campaign = chosen
        return Handled(reply(offer(campaign, context, language)))


def campaign_for(phone: str) -> Campaign | Outcome:
    """CALL alone: the campaign this number is calling, else the one open to it; else what to answer."""
    now = timezone.now()
    callers = SmsCaller.objects.filter(
        campaign__state=State.LIVE, campaign__ends_at__gt=now, last_seen_at__gte=now - PENDING_FOR
    )
    mine: list[SmsCaller] = find_by_index(callers.select_related("campaign__group"), "phone_index", phone)
    if mine:
        return max(mine, key=lambda each: (each.last_seen_at, each.pk)).campaign
    live = (
        Campaign.objects.filter(state=State.LIVE, ends_at__gt=now).select_related("group").order_by("starts_at", "pk")
    )
    public = [campaign for campaign in live if campaign.is_public]
    members = [campaign for campaign in live if not campaign.is_public]
    open_to = public + members if members and is_member(phone) else public
    if len(open_to) == 1:
        return open_to[0]
    if not open_to:
        # Translators: SMS. No á, í, ó, ú. The text also goes to the inbox: someone may want a call back.
        return ToInbox(reply(said(_("No call-in campaign is open now. A person will read your message."))))
    # Translators: SMS. Keep CALL (LLAMAR). %(codes)s: "KQ47 (its title), HX38 (its title)". No á, í, ó, ú.
    text = _("Text CALL and a campaign's code: %(codes)s")
    named = said(text, codes=", ".join(f"{each.code} ({each.title()})" for each in open_to[:LISTED]))
    if segments(named) > LIST_SEGMENTS:
        named = said(text, codes=", ".join(each.code for each in open_to[:LISTED]))
    return Handled(reply(named))


def may_call(campaign: Campaign, phone: str) -> bool:
    """Whether this number may call `campaign` by text (the module's "Who may call by text")."""
    if campaign.state == State.DRAFT and campaign.went_live_at is None:
        return False
    return campaign.visibility == Visibility.PUBLIC or is_member(phone)


def is_member(phone: str) -> bool:
    """The number is the phone of a person of the network who has not left, vetted or with an account."""
    needed = get_network_settings().vouches_needed
    people = find_people_by_contact(ContactKind.PHONE, phone)
    return any(vetted(person, needed) or (person.user is not None and person.user.is_active) for person in people)


def offer(campaign: Campaign, context: InboundContext, language: str) -> str:
    """The next office of `campaign` for this number, as the answer's text; why none, when none can be given.

    The first time the number calls in this campaign, the intro comes first: in the same text, or in a text of
    its own just before when that takes fewer segments (an intro with a letter outside GSM-7 would turn a
    GSM-7 answer into UCS-2)."""
    if campaign.state == State.CLOSED:
        return said(str(ENDED), code=campaign.code)
    if campaign.state == State.DRAFT:
        return said(str(PAUSED), code=campaign.code)
    phone = context.sender
    found: list[SmsCaller] = find_by_index(SmsCaller.objects.filter(campaign=campaign), "phone_index", phone)
    caller = max(found, key=lambda each: (each.last_seen_at, each.pk)) if found else None
    call = next_call(campaign, via=Via.SMS, language=language, called=caller.called_targets if caller else ())
    if isinstance(call, NoneOpen):
        return said(none_open(campaign, call))
    keep_calling(campaign, caller, phone, language, call)
    body = given(campaign, call, language)
    answer = said_as_is(body)
    if caller is not None:
        return answer
    intro = short(filled(campaign.intro(language) or campaign.title(language), campaign, language))
    alone, whole = said_as_is(intro), said_as_is(f"{intro}\n{body}")
    if encoding(whole) == "GSM-7" or segments(alone) + segments(answer) >= segments(whole):
        return whole
    messaging.enqueue(
        messaging.Outgoing(Channel.SMS, phone, {"text": alone}, idempotency_key=f"campaigns.intro:{context.inbound_id}")
    )
    return answer


def keep_calling(campaign: Campaign, caller: SmsCaller | None, phone: str, language: str, call: Call) -> SmsCaller:
    """The number's row in `campaign`, made or updated: `call` pending, its office given, seen now."""
    now = timezone.now()
    if caller is None:
        return SmsCaller.objects.create(
            campaign=campaign,
            phone=phone,
            language=language,
            call=call,
            called_targets=[call.target_id],
            last_seen_at=now,
        )
    caller.language, caller.call, caller.last_seen_at = language, call, now
    caller.called_targets = [*caller.called_targets, call.target_id]
    caller.save(update_fields=["language", "call", "called_targets", "last_seen_at"])
    return caller


# 1 to 5.


def read_outcome(context: InboundContext, parsed: Parsed) -> Outcome:
    """A text of one digit, 1 to 5, from a number with an office pending: count it, and give the next office."""
    found = OUTCOME_TEXT.fullmatch(parsed.argument)
    if found is None or context.is_opted_out:
        return NotMine()
    caller = pending(context.sender)
    if caller is None or caller.call is None:
        return NotMine()
    campaign, call = caller.campaign, caller.call
    call.campaign = campaign
    if not do_report_outcome(call, int(found.group(1))):
        return NotMine()  # counted already (the same digit twice at once): a person sees the second
    language = caller.language
    with translation.override(language):
        following = next_call(campaign, via=Via.SMS, language=language, called=caller.called_targets)
        if isinstance(following, NoneOpen):
            caller.call, caller.last_seen_at = None, timezone.now()
            caller.save(update_fields=["call", "last_seen_at"])
            why = gsm_friendly(none_open(campaign, following))
            # Translators: SMS, before why no office can be called now and when the next opens. No á, í, ó, ú.
            thanks = _("Thanks!")
            # With no office opening later, `why` thanks them already ("Thank you for calling.").
            text = said_as_is(why) if following.opens_at is None else said(f"{thanks} {why}")
        else:
            keep_calling(campaign, caller, context.sender, language, following)
            text = said_as_is(given(campaign, following, language, thanks=True))
    return Handled(Reply(text, is_rate_limited=not may_answer_past_limit(context.sender)))


def pending(phone: str) -> SmsCaller | None:
    """The number's row with an office given within PENDING_FOR, not yet reported, in a live campaign (the latest)."""
    since = timezone.now() - PENDING_FOR
    rows = SmsCaller.objects.filter(
        campaign__state=State.LIVE, call__isnull=False, call__outcome__isnull=True, call__offered_at__gte=since
    ).select_related("campaign__group", "call")
    found: list[SmsCaller] = find_by_index(rows, "phone_index", phone)
    return max(found, key=lambda each: (each.call.offered_at if each.call else since, each.pk)) if found else None


def may_answer_past_limit(phone: str) -> bool:
    """Whether this answer to an outcome still passes the automatic-reply limit (CALLER_REPLIES an hour)."""
    token = hmac.new(daily_key(b"campaigns-sms-caller"), phone.encode(), hashlib.sha256).hexdigest()[:32]
    count, _left = hit(f"campaigns-sms-caller:{token}", CALLER_REPLIES)
    return count <= CALLER_REPLIES.count


# The answers' texts.


def given(campaign: Campaign, call: Call, language: str, *, thanks: bool = False) -> str:
    """The office to call, its number and script, and what to reply (without the network's name)."""
    target, line = call.target, call.line
    phone = line.phone if line is not None else ""
    number = dialable(phone, get_network_settings().phone_region)
    parts = []
    if thanks:
        # Translators: SMS, before the next office to call. No á, í, ó, ú.
        parts.append(gsm_friendly(_("Thanks! Next:")))
    # Translators: SMS. %(office)s: the office's name; %(number)s: its phone number. The script follows. No á, í, ó, ú.
    call_at = gsm_friendly(_("Call %(office)s at %(number)s and say:"))
    parts.append(call_at % {"office": target.name(language), "number": number.text if number else phone} + "\n")
    parts.append(filled(target.script(language), campaign, language) + "\n")
    # Translators: SMS. What the caller texts back, by number: 1 reached a person, 2 left a voicemail, 3 no answer,
    # 4 busy or voicemail full, 5 wrong number. Keep it short. No á, í, ó, ú.
    parts.append(gsm_friendly(_("Then reply 1 reached, 2 voicemail, 3 no answer, 4 busy/full, 5 wrong number.")))
    return " ".join(parts).replace("\n ", "\n")


def none_open(campaign: Campaign, none: NoneOpen) -> str:
    """Why no office of `campaign` is given now, and when one opens (in the active language, unprefixed)."""
    values = {"code": campaign.code}
    now = timezone.now()
    if now >= campaign.ends_at:
        return str(ENDED) % values
    if none.opens_at is None:
        # Translators: SMS. No á, í, ó, ú.
        return _("No office of %(code)s can be called now. Thank you for calling.") % values
    values["when"] = when(none.opens_at)
    if now < campaign.starts_at:
        # Translators: SMS. %(when)s: a day and time, "Mon 12/7 9 a.m. EST". Keep CALL (LLAMAR). No á, í, ó, ú.
        return _("Calls for %(code)s begin %(when)s. Text CALL %(code)s then.") % values
    # Translators: SMS. %(when)s: a day and time, "Mon 12/7 9 a.m. EST". Keep CALL (LLAMAR). No á, í, ó, ú.
    return _("No office of %(code)s is open now. The next opens %(when)s: text CALL %(code)s then.") % values


def when(moment: datetime) -> str:
    """A day and time in the network's time zone, with its abbreviation: "Mon 12/7 9 a.m. EST"."""
    local = moment.astimezone(network_timezone())
    clock = formats.time_format(local.time(), "TIME_FORMAT")
    return f"{day_text(local.date())} {clock} {local.tzname() or ''}".strip()


def short(text: str) -> str:
    """`text` (a campaign's intro, as written) shortened to its first sentences within INTRO_CHARACTERS."""
    text = " ".join(text.split())
    if len(text) <= INTRO_CHARACTERS:
        return text
    kept = ""
    for sentence in SENTENCE_END.split(text):
        longer = f"{kept} {sentence}".strip()
        if len(longer) > INTRO_CHARACTERS:
            break
        kept = longer
    if kept:
        return kept
    cut = text[: INTRO_CHARACTERS - len(ELLIPSIS)].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.-") + ELLIPSIS


def said(text: str, **values: str) -> str:
    """One of our answers (translated already), the network's name first, GSM-7 friendly; `values` as given."""
    network = gsm_friendly(get_network_settings().name)
    return f"{network}: " + (gsm_friendly(text) % values if values else gsm_friendly(text))


def said_as_is(text: str) -> str:
    """A campaign's own text (as its organisers wrote it), the network's name first."""
    return f"{gsm_friendly(get_network_settings().name)}: {text}"


def reply(text: str) -> Reply:
    return Reply(text)
