"""Proposals and decisions: putting a proposal to the meeting, deciding it under the meeting's rule, and the
consent calendar.

How a proposal is decided (`outcome_of`, a pure function of the counts and the rule):

1. Consensus: it passes when nobody blocks. Stand-asides do not stop it. When someone blocks, consensus has
   failed, and a fallback vote may be held: it passes when the "yes" votes are at least `fallback_percent`
   of the votes cast (abstentions are not votes cast). Without a vote, a blocked proposal does not pass.
2. Consensus minus N: it passes when there are at most `minus_blocks` blocks.
3. Majority: it passes when there are more "yes" than "no" votes; abstentions do not count.
4. Quorum: when the meeting has one, fewer people present than the quorum means nothing can pass. The
   decision is then not recorded at all (the proposal stays open for when the room is full): a refusal
   with the code "no_quorum". Present is who joined the meeting, unless the facilitator enters the count.

Under either consensus rule a block needs its reason (the grounds for blocking are limited: a block says
which principle or agreement the proposal breaks); a stand-aside's reason is optional.

A consent calendar is an agenda item of kind "consent": its proposals pass together, in one action, unless
someone asks to pull one out; a pulled proposal is decided on its own like any other.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.meetings import live
from solidarity.meetings.minutes import add_entry, record_change
from solidarity.meetings.models import (
    NAME_LENGTH,
    REASON_LENGTH,
    TEXT_LENGTH,
    AgendaItem,
    Decision,
    EntryKind,
    How,
    ItemKind,
    Meeting,
    Objection,
    ObjectionKind,
    Proposal,
    ProposalState,
    Rule,
    State,
)
from solidarity.meetings.services import present_count

MAX_COUNT = 100_000
MAX_OBJECTIONS = 200
MAX_PROPOSALS = 100  # on one agenda item


# The outcome: a pure function.


@dataclass(frozen=True)
class Tally:
    """What the room said about one proposal, and the rule it is decided under."""

    rule: str
    present: int
    fallback_percent: int = 75
    minus_blocks: int = 1
    quorum: int = 0
    agree: int | None = None
    stand_asides: int = 0
    blocks: int = 0
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None


@dataclass(frozen=True)
class Outcome:
    passed: bool
    how: How
    reason: str  # consensus, blocked, fallback_passed, fallback_failed, within_blocks, too_many_blocks,
    # majority, no_majority, no_quorum

    @property
    def lacks_quorum(self) -> bool:
        return self.reason == "no_quorum"


def outcome_of(tally: Tally) -> Outcome:
    """Whether the proposal passes under `tally.rule`, how, and why (see the module's docstring)."""
    if tally.rule == Rule.CONSENSUS:
        if tally.blocks == 0:
            found = Outcome(True, How.CONSENSUS, "consensus")
        elif tally.yes is None or tally.no is None:
            found = Outcome(False, How.CONSENSUS, "blocked")
        else:
            cast = tally.yes + tally.no
            passes = cast > 0 and tally.yes * 100 >= tally.fallback_percent * cast
            found = Outcome(passes, How.FALLBACK, "fallback_passed" if passes else "fallback_failed")
    elif tally.rule == Rule.CONSENSUS_MINUS:
        passes = tally.blocks <= tally.minus_blocks
        found = Outcome(passes, How.CONSENSUS_MINUS, "within_blocks" if passes else "too_many_blocks")
    elif tally.rule == Rule.MAJORITY:
        passes = (tally.yes or 0) > (tally.no or 0)
        found = Outcome(passes, How.MAJORITY, "majority" if passes else "no_majority")
    else:
        raise ValueError(f"unknown decision rule {tally.rule!r}")
    if found.passed and tally.quorum and tally.present < tally.quorum:
        return Outcome(False, found.how, "no_quorum")
    return found


def explain(outcome: Outcome, tally: Tally) -> str:
    """The outcome in words, in the active language."""
    words = {
        "consensus": _("Passed by consensus: nobody blocked."),
        "blocked": _("Blocked: consensus failed and no fallback vote was held."),
        "fallback_passed": _("Consensus failed; the fallback vote passed it (%(percent)d%% needed).")
        % {"percent": tally.fallback_percent},
        "fallback_failed": _("Consensus failed, and the fallback vote did not reach %(percent)d%%.")
        % {"percent": tally.fallback_percent},
        "within_blocks": _("Passed: no more blocks than the %(allowed)d allowed.") % {"allowed": tally.minus_blocks},
        "too_many_blocks": _("Did not pass: more blocks than the %(allowed)d allowed.")
        % {"allowed": tally.minus_blocks},
        "majority": _("Passed by majority: more yes than no."),
        "no_majority": _("Did not pass: no more yes than no."),
        "no_quorum": _(
            "No quorum: %(present)d present, %(quorum)d needed. The meeting cannot pass a proposal without quorum."
        )
        % {"present": tally.present, "quorum": tally.quorum},
    }
    return words[outcome.reason]


# Proposals.


@dataclass(frozen=True)
class ProposalValues:
    text_en: str
    text_es: str
    proposed_by: str = ""


def clean_proposal(values: ProposalValues) -> ProposalValues:
    errors: dict[str, str] = {}
    text_en, text_es, who = values.text_en.strip(), values.text_es.strip(), " ".join(values.proposed_by.split())
    if not text_en and not text_es:
        errors["text_en"] = _("Write the proposal, in English or in Spanish.")
    for name, text in (("text_en", text_en), ("text_es", text_es)):
        if len(text) > TEXT_LENGTH:
            errors[name] = _("At most %(max)d characters.") % {"max": TEXT_LENGTH}
    if len(who) > NAME_LENGTH:
        errors["proposed_by"] = _("At most %(max)d characters.") % {"max": NAME_LENGTH}
    if errors:
        raise ValidationError(errors)
    return ProposalValues(text_en, text_es, who)


def do_add_proposal(item: AgendaItem, values: ProposalValues, *, by: User | None) -> Proposal:
    """A proposal on `item` (not a break), before or during the meeting: a consent calendar is prepared ahead."""
    values = clean_proposal(values)
    if item.kind == ItemKind.BREAK:
        raise ValidationError({"item": _("A break takes no proposals.")})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
        if meeting.state in (State.CLOSED, State.CANCELLED):
            raise ValidationError(_("This meeting is over: it takes no more proposals."))
        if item.proposals.count() >= MAX_PROPOSALS:
            raise ValidationError(_("An agenda item holds at most %(max)d proposals.") % {"max": MAX_PROPOSALS})
        position = (item.proposals.aggregate(last=Max("position"))["last"] or 0) + 1
        proposal = Proposal.objects.create(
            meeting=meeting,
            item=item,
            position=position,
            text_en=values.text_en,
            text_es=values.text_es,
            proposed_by=values.proposed_by,
        )
        record_change(by, [meeting.uuid, proposal.uuid], {"proposal": "added"}, AuditAction.CREATED)
    return proposal


def claim_open(proposal: Proposal, **changes: object) -> None:
    """Change an open proposal; ValidationError (code "decided") when it is no longer open."""
    if not Proposal.objects.filter(pk=proposal.pk, state=ProposalState.OPEN).update(**changes):
        raise ValidationError(_("This proposal has been decided or withdrawn already."), code="decided")


def do_withdraw_proposal(proposal: Proposal, *, by: User | None) -> None:
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=proposal.meeting_id)
        claim_open(proposal, state=ProposalState.WITHDRAWN)
        record_change(by, [meeting.uuid, proposal.uuid], {"proposal": "withdrawn"})
    proposal.refresh_from_db()


def do_pull_proposal(proposal: Proposal, *, by: User | None) -> None:
    """Someone asks to take a proposal off the consent calendar: it is then decided on its own."""
    if proposal.item.kind != ItemKind.CONSENT:
        raise ValidationError(_("This proposal is not on a consent calendar."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=proposal.meeting_id)
        claim_open(proposal, is_pulled=True)
        record_change(by, [meeting.uuid, proposal.uuid], {"proposal": "pulled"})
    proposal.refresh_from_db()


# Deciding.


@dataclass(frozen=True)
class DecisionValues:
    """What the facilitator records. `stand_asides` and `blocks`: one reason each (may be empty for a stand-aside).
    `present`: the room's count, when the facilitator enters it; otherwise who joined the meeting."""

    present: int | None = None
    agree: int | None = None
    stand_asides: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None


def clean_decision(meeting: Meeting, values: DecisionValues) -> None:
    errors: dict[str, str] = {}
    for name in ("present", "agree", "yes", "no", "abstain"):
        count = getattr(values, name)
        if count is not None and not 0 <= count <= MAX_COUNT:
            errors[name] = _("Between 0 and %(max)d.") % {"max": MAX_COUNT}
    if len(values.stand_asides) + len(values.blocks) > MAX_OBJECTIONS:
        errors["blocks"] = _("At most %(max)d stand-asides and blocks.") % {"max": MAX_OBJECTIONS}
    if any(len(reason) > REASON_LENGTH for reason in [*values.stand_asides, *values.blocks]):
        errors["blocks"] = _("Each reason: at most %(max)d characters.") % {"max": REASON_LENGTH}
    votes = [values.yes, values.no]
    if meeting.rule == Rule.MAJORITY:
        if None in votes:
            errors["yes"] = _("Count the yes and the no votes.")
        if values.blocks or values.stand_asides:
            errors["blocks"] = _("A majority vote has no blocks or stand-asides: count the votes.")
    else:
        if any(not reason.strip() for reason in values.blocks):
            errors["blocks"] = _(
                "Under consensus, every block states its reason: which principle or agreement it protects."
            )
        if meeting.rule == Rule.CONSENSUS_MINUS and any(vote is not None for vote in votes):
            errors["yes"] = _("Consensus minus blocks has no fallback vote.")
        if meeting.rule == Rule.CONSENSUS and (values.yes is None) != (values.no is None):
            errors["yes"] = _("For the fallback vote, count both the yes and the no votes.")
    if errors:
        raise ValidationError(errors)


def tally_of(meeting: Meeting, values: DecisionValues) -> Tally:
    present = values.present if values.present is not None else present_count(meeting)
    return Tally(
        rule=meeting.rule,
        present=present,
        fallback_percent=meeting.fallback_percent,
        minus_blocks=meeting.minus_blocks,
        quorum=meeting.quorum,
        agree=values.agree,
        stand_asides=len(values.stand_asides),
        blocks=len(values.blocks),
        yes=values.yes,
        no=values.no,
        abstain=values.abstain,
    )


def live_for_decisions(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.state != State.LIVE:
        raise ValidationError(_("Decisions are made while the meeting is in progress."), code="not_live")
    return locked


def do_record_decision(proposal: Proposal, values: DecisionValues, *, by: User | None) -> Decision:
    """Decide an open proposal under its meeting's rule, in progress: the decision, its stand-asides and blocks,
    the proposal passed or not, and an entry in the minutes. ValidationError by field for counts that do not fit;
    with code "no_quorum" when it would pass without quorum (nothing is recorded: the proposal stays open)."""
    if proposal.on_consent_calendar:
        raise ValidationError(
            _("This proposal is on the consent calendar: pass the calendar, or pull it out to decide it alone."),
            code="on_consent_calendar",
        )
    with transaction.atomic():
        meeting = live_for_decisions(proposal.meeting)
        clean_decision(meeting, values)
        tally = tally_of(meeting, values)
        outcome = outcome_of(tally)
        if outcome.lacks_quorum:
            raise ValidationError(explain(outcome, tally), code="no_quorum")
        claim_open(proposal, state=ProposalState.PASSED if outcome.passed else ProposalState.FAILED)
        decision = Decision.objects.create(
            proposal=proposal,
            meeting=meeting,
            rule=meeting.rule,
            fallback_percent=meeting.fallback_percent,
            minus_blocks=meeting.minus_blocks,
            quorum=meeting.quorum,
            present=tally.present,
            present_entered=values.present is not None,
            agree=values.agree,
            stand_asides=tally.stand_asides,
            blocks=tally.blocks,
            yes=values.yes,
            no=values.no,
            abstain=values.abstain,
            how=outcome.how,
            passed=outcome.passed,
        )
        Objection.objects.bulk_create(
            [
                Objection(decision=decision, kind=ObjectionKind.STAND_ASIDE, reason=r.strip())
                for r in values.stand_asides
            ]
            + [Objection(decision=decision, kind=ObjectionKind.BLOCK, reason=r.strip()) for r in values.blocks]
        )
        add_entry(meeting, EntryKind.DECISION, item=proposal.item, decision=decision)
        detail: audit.Detail = {"decision": outcome.reason, "blocks": tally.blocks, "stand_asides": tally.stand_asides}
        record_change(by, [meeting.uuid, proposal.uuid, decision.uuid], detail, AuditAction.CREATED)
        live.changed(meeting)
    proposal.refresh_from_db()
    return decision


def do_pass_consent_calendar(item: AgendaItem, *, by: User | None, present: int | None = None) -> list[Decision]:
    """Pass every open proposal of a consent calendar not pulled out, together: one decision each.
    Quorum applies as to any decision (code "no_quorum"); a calendar with nothing open is refused."""
    if item.kind != ItemKind.CONSENT:
        raise ValidationError(_("This agenda item is not a consent calendar."))
    if present is not None and not 0 <= present <= MAX_COUNT:
        raise ValidationError({"present": _("Between 0 and %(max)d.") % {"max": MAX_COUNT}})
    with transaction.atomic():
        meeting = live_for_decisions(item.meeting)
        count = present if present is not None else present_count(meeting)
        if meeting.quorum and count < meeting.quorum:
            tally = Tally(rule=meeting.rule, present=count, quorum=meeting.quorum)
            raise ValidationError(explain(Outcome(False, How.CONSENT, "no_quorum"), tally), code="no_quorum")
        waiting = list(item.proposals.select_for_update().filter(state=ProposalState.OPEN, is_pulled=False))
        if not waiting:
            raise ValidationError(_("Nothing is left on this consent calendar to pass."), code="decided")
        decisions = []
        for proposal in waiting:
            claim_open(proposal, state=ProposalState.PASSED)
            decision = Decision.objects.create(
                proposal=proposal,
                meeting=meeting,
                rule=meeting.rule,
                fallback_percent=meeting.fallback_percent,
                minus_blocks=meeting.minus_blocks,
                quorum=meeting.quorum,
                present=count,
                present_entered=present is not None,
                how=How.CONSENT,
                passed=True,
            )
            add_entry(meeting, EntryKind.DECISION, item=item, decision=decision)
            decisions.append(decision)
        ids = [meeting.uuid, *(decision.uuid for decision in decisions)]
        record_change(by, ids, {"consent_calendar": "passed", "count": len(decisions)}, AuditAction.CREATED)
        live.changed(meeting)
    return decisions


def open_proposals(item: AgendaItem) -> list[Proposal]:
    return list(item.proposals.filter(state=ProposalState.OPEN))
