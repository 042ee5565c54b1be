"""Calling: the next office for a caller, the outcome they report, and the live status every caller shares.

The rotation (`next_call`), for one caller at one moment:
1. Offices of a live campaign, within its window, checked by a second organiser, open now in their own
   time zone, with a number not reported wrong WRONG_AFTER times since an organiser confirmed it.
2. A number whose latest report was "busy or voicemail full" rests for REST minutes, and one that went
   unanswered NO_ANSWER_AFTER times in a row too: callers are moved away from a dead line at once, and
   come back to it after the rest. Resting numbers are given only when nothing else is open.
3. Offices this caller has not called yet come first; then the office given out least in the last
   LOAD_WINDOW (given, whether reported or not yet: callers starting together spread out); then the
   campaign's order.
4. The chosen office's best number: not resting, fewest given, first in its order.

An outcome counts once (`do_report_outcome` claims the call with a conditional update), updates the
number's streak under its row lock, and publishes the tally's change to the organisers' page (and to the
public counter when the campaign has one) after commit. The second report of a wrong number alerts the
organisers by email, once per number until they confirm it.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.mail import email_account, language_of
from solidarity.accounts.models import User
from solidarity.campaigns.hours import is_open, next_opening
from solidarity.campaigns.models import Call, Campaign, Line, Outcome, State, Target
from solidarity.core import live
from solidarity.core.permissions import Role

REST = timedelta(minutes=10)
NO_ANSWER_AFTER = 3  # unanswered calls in a row before a number rests
WRONG_AFTER = 2  # wrong-number reports before a number is no longer given, and organisers are told
LOAD_WINDOW = timedelta(hours=1)
PENDING = timedelta(minutes=15)  # a call given and not reported counts toward its office's load this long


def channel(campaign: Campaign) -> str:
    """The organisers' live channel: tallies and statuses."""
    return f"campaign:{campaign.uuid}"


def counter_channel(campaign: Campaign) -> str:
    """The public counter's channel: a total, nothing else."""
    return f"campaign-count:{campaign.uuid}"


def is_calling_now(campaign: Campaign, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return campaign.state == State.LIVE and campaign.starts_at <= at < campaign.ends_at


def is_resting(line: Line, at: datetime) -> bool:
    if line.last_report_at is None or at - line.last_report_at >= REST:
        return False
    if line.streak_outcome == Outcome.BUSY:
        return True
    return line.streak_outcome == Outcome.NO_ANSWER and line.streak_count >= NO_ANSWER_AFTER


def is_given(line: Line) -> bool:
    return line.wrong_reports < WRONG_AFTER


def callable_targets(campaign: Campaign) -> list[Target]:
    """The campaign's checked offices, with their numbers, in its order."""
    found = campaign.targets.filter(checked_at__isnull=False).prefetch_related("lines").order_by("position", "pk")
    return [target for target in found if target.lines.all()]


@dataclass(frozen=True)
class NoneOpen:
    """No office can be called now; `opens_at`: when the next one opens within the window (None: none will)."""

    opens_at: datetime | None


def next_call(
    campaign: Campaign,
    *,
    via: str,
    language: str,
    called: Iterable[int] = (),
    credited_to: User | None = None,
    at: datetime | None = None,
) -> Call | NoneOpen:
    """The next office and number for a caller who already called the offices `called` (ids), as a new Call
    (given, not yet reported); NoneOpen when nothing can be called now. See the module's docstring."""
    at = at or timezone.now()
    if not is_calling_now(campaign, at):
        if campaign.state == State.LIVE and at < campaign.starts_at:
            return NoneOpen(campaign.starts_at)
        return NoneOpen(None)
    targets = callable_targets(campaign)
    open_now = [target for target in targets if is_open(target, at)]
    choices = [(target, [line for line in target.lines.all() if is_given(line)]) for target in open_now]
    choices = [(target, lines) for target, lines in choices if lines]
    if not choices:
        return NoneOpen(next_open(targets, at, campaign.ends_at))
    given = given_lately(campaign, at)
    done = set(called)

    def all_resting(lines: list[Line]) -> bool:
        return all(is_resting(line, at) for line in lines)

    target, lines = min(
        choices,
        key=lambda choice: (
            all_resting(choice[1]),
            choice[0].pk in done,
            sum(given[line.pk] for line in choice[1]),
            choice[0].position,
            choice[0].pk,
        ),
    )
    line = min(lines, key=lambda each: (is_resting(each, at), given[each.pk], each.position, each.pk))
    return Call.objects.create(
        campaign=campaign, target=target, line=line, via=via, language=language, offered_at=at, credited_to=credited_to
    )


def given_lately(campaign: Campaign, at: datetime) -> Counter[int]:
    """Calls given per number in the last LOAD_WINDOW: reported ones, and those given within PENDING."""
    rows = (
        Call.objects.filter(campaign=campaign, offered_at__gte=at - LOAD_WINDOW, line__isnull=False)
        .filter(Q(outcome__isnull=False) | Q(offered_at__gte=at - PENDING))
        .values("line")
        .annotate(n=Count("pk"))
    )
    return Counter({row["line"]: row["n"] for row in rows})


def next_open(targets: list[Target], at: datetime, until: datetime) -> datetime | None:
    openings = [opening for target in targets if (opening := next_opening(target, at)) is not None]
    soonest = min(openings, default=None)
    return soonest if soonest is not None and soonest < until else None


def do_report_outcome(call: Call, outcome: int, *, credited_to: User | None = None) -> bool:
    """Count the caller's outcome for `call`; False when it was already reported (it counts once) or the
    campaign has closed (its report-back is final).

    Lock: the number's row, for its streak. Publishes the change after commit."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Choose what happened on the call.")]})
    now = timezone.now()
    with transaction.atomic():
        fields: dict[str, object] = {"outcome": outcome, "reported_at": now}
        if credited_to is not None:
            fields["credited_to"] = credited_to
        unreported = Call.objects.filter(pk=call.pk, outcome__isnull=True).exclude(campaign__state=State.CLOSED)
        if not unreported.update(**fields):
            return False
        call.outcome, call.reported_at = outcome, now
        if call.line_id is not None:
            note_on_line(call.line_id, outcome, now)
        campaign = call.campaign
        transaction.on_commit(lambda: publish_tally(campaign, call.target_id))
    return True


def note_on_line(line_id: int, outcome: int, at: datetime) -> None:
    line = Line.objects.select_for_update().select_related("target__campaign__group").filter(pk=line_id).first()
    if line is None:
        return
    if line.streak_outcome == outcome:
        line.streak_count += 1
    else:
        line.streak_outcome, line.streak_count, line.streak_since = outcome, 1, at
    line.last_report_at = at
    if outcome == Outcome.WRONG:
        line.wrong_reports += 1
    line.save(update_fields=["streak_outcome", "streak_count", "streak_since", "last_report_at", "wrong_reports"])
    if outcome == Outcome.WRONG and line.wrong_reports == WRONG_AFTER:
        tell_organisers_wrong_number(line)


def organisers_of(campaign: Campaign) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__group=campaign.group, memberships__grants__role=Role.COORDINATOR
    ).distinct()


def tell_organisers_wrong_number(line: Line) -> None:
    """An email to each organiser: callers report this number wrong, and it is no longer given (once per
    number until an organiser confirms it: the outbox's key counts the confirmations)."""
    target = line.target
    campaign = target.campaign
    for user in organisers_of(campaign):
        language = language_of(user)
        with translation.override(language):
            link = str(settings.BASE_URL).rstrip("/") + reverse(
                "campaigns:campaign", kwargs={"campaign": campaign.code}
            )
        context = {
            "campaign": campaign.title(language),
            "office": target.name(language),
            "number": line.phone,
            "reports": line.wrong_reports,
            "link": link,
        }
        key = f"campaigns:wrong:{line.uuid}:{line.last_report_at:%Y%m%d%H%M%S}:{user.uuid}"
        email_account(user, "campaigns/email/wrong_number", context, key=key)


def publish_tally(campaign: Campaign, target_id: int) -> None:
    """Tell the organisers' page (and the public counter) that a count changed: ids and totals, no caller."""
    total = Call.objects.filter(campaign=campaign, outcome__isnull=False).count()
    live.publish(channel(campaign), "tally", {"target": target_id, "total": total})
    if campaign.has_public_counter:
        live.publish(counter_channel(campaign), "count", {"total": total})


# The shared status of a number, as callers and organisers read it.


def line_status(line: Line, at: datetime | None = None) -> str:
    """ "Voicemail full since 14:05", "busy or voicemail full for the last 10 calls", "wrong number reported 3
    times", "no answer for the last 4 calls", "a person answered at 14:05": "" when nothing is to say."""
    at = at or timezone.now()
    if line.wrong_reports:
        return ngettext("wrong number reported once", "wrong number reported %(count)d times", line.wrong_reports) % {
            "count": line.wrong_reports
        }
    if line.streak_outcome is None or line.streak_since is None or line.last_report_at is None:
        return ""
    since = timezone.localtime(line.streak_since).strftime("%H:%M")
    count = line.streak_count
    if line.streak_outcome == Outcome.BUSY:
        if count > 1:
            return _("busy or voicemail full for the last %(count)d calls, since %(since)s") % {
                "count": count,
                "since": since,
            }
        return _("busy or voicemail full since %(since)s") % {"since": since}
    if line.streak_outcome == Outcome.NO_ANSWER and count > 1:
        return _("no answer for the last %(count)d calls, since %(since)s") % {"count": count, "since": since}
    if line.streak_outcome == Outcome.REACHED:
        last = timezone.localtime(line.last_report_at).strftime("%H:%M")
        return _("a person answered at %(time)s") % {"time": last}
    return ""
