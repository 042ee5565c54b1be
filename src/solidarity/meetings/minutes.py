"""The minutes of a meeting: entries written live, the amendment window after it closes, and publication.

1. While the meeting runs (and after it closes, until publication) its minute takers, facilitators and
   coordinators (Power.MINUTES) write notes, on an agenda item or on the meeting in general. A decision or
   an action item adds its own entry (meetings.decisions, meetings.actions), shown in the reader's language.
2. Once the meeting closes, those who were there with an account may propose amendments until
   `closed_at + amend_days`; a minute taker accepts (the minutes change) or rejects each.
3. Then the minutes are published: for the members who may see the meeting (the default), for any member
   of the network, or, for a public meeting only and by a facilitator's choice, for anyone.

Before publication, the draft is read by the minute takers, the meeting's group and those who were there.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.bilingual import pick
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, roles_in
from solidarity.meetings.access import Power, may_see, powers_of
from solidarity.meetings.models import (
    MAX_AMEND_DAYS,
    TEXT_LENGTH,
    AgendaItem,
    Amendment,
    AmendmentState,
    Audience,
    Decision,
    EntryKind,
    How,
    Meeting,
    MinuteEntry,
    Minutes,
    State,
    Visibility,
)


def record_change(
    by: User | None, ids: list[UUID], detail: audit.Detail, action: AuditAction = AuditAction.CHANGED
) -> None:
    """The audit entry of a change to a meeting's record (last in its transaction, as core.audit asks)."""
    actor = str(by.uuid) if by is not None else audit.SYSTEM
    audit.record(actor=actor, action=action, object_type="meetings.meeting", object_ids=ids, detail=detail)


def minutes_of(meeting: Meeting) -> Minutes:
    """The meeting's minutes settings (made on first use)."""
    found, _created = Minutes.objects.get_or_create(meeting=meeting)
    return found


# Where the minutes stand.


def amend_until(meeting: Meeting, minutes: Minutes) -> datetime | None:
    """When the amendment window closes; None before the meeting closes."""
    if meeting.closed_at is None:
        return None
    return meeting.closed_at + timedelta(days=minutes.amend_days)


@dataclass(frozen=True)
class Standing:
    """Where a meeting's minutes stand: a draft while it runs, open to amendments for some days after it closes,
    ready to publish once that window has passed, then published."""

    phase: str  # "draft", "amending", "ready" or "published"
    amend_until: datetime | None

    @property
    def is_writable(self) -> bool:
        return self.phase != "published"


def standing(meeting: Meeting, minutes: Minutes, now: datetime | None = None) -> Standing:
    until = amend_until(meeting, minutes)
    if minutes.is_published:
        return Standing("published", until)
    if meeting.state != State.CLOSED or until is None:
        return Standing("draft", until)
    return Standing("amending" if (now or timezone.now()) < until else "ready", until)


def attended(user: AnyUser, meeting: Meeting) -> bool:
    """Was `user` there (joined the meeting with their account)?"""
    return bool(
        user.is_authenticated and meeting.participants.filter(user_id=user.pk, joined_at__isnull=False).exists()
    )


def may_read(user: AnyUser, meeting: Meeting, minutes: Minutes) -> bool:
    """Published: their audience. A draft: the minute takers, the meeting's group, and those who were there."""
    if minutes.is_published:
        if minutes.audience == Audience.PUBLIC and meeting.visibility == Visibility.PUBLIC:
            return True
        if not user.is_authenticated:
            return False
        return minutes.audience == Audience.MEMBERS or may_see(user, meeting)
    powers = powers_of(user, meeting)
    if not user.is_authenticated or not powers:
        return False
    return Power.MINUTES in powers or bool(roles_in(user, meeting.group.slug)) or attended(user, meeting)


def may_amend(user: AnyUser, meeting: Meeting, minutes: Minutes, now: datetime | None = None) -> bool:
    return standing(meeting, minutes, now).phase == "amending" and attended(user, meeting)


# Entries.


def clean_text(text: str, field: str = "text") -> str:
    text = text.strip()
    if not text:
        raise ValidationError({field: _("Write something first.")})
    if len(text) > TEXT_LENGTH:
        raise ValidationError({field: _("At most %(max)d characters.") % {"max": TEXT_LENGTH}})
    return text


def check_writable(meeting: Meeting, minutes: Minutes) -> None:
    if meeting.state in (State.SCHEDULED, State.CANCELLED):
        raise ValidationError(_("The minutes are written once the meeting has begun."))
    if minutes.is_published:
        raise ValidationError(_("These minutes are published: they no longer change."))


def add_entry(
    meeting: Meeting, kind: str, *, item: AgendaItem | None = None, text: str = "", **links: Any
) -> MinuteEntry:
    """An entry at the end of the minutes (the caller holds the meeting's lock)."""
    last = meeting.minute_entries.aggregate(last=Max("position"))["last"] or 0
    return MinuteEntry.objects.create(meeting=meeting, item=item, kind=kind, text=text, position=last + 1, **links)


def do_add_note(meeting: Meeting, text: str, *, item: AgendaItem | None = None, by: User | None) -> MinuteEntry:
    """A note in the minutes, on `item` or on the meeting in general. ValidationError once published."""
    text = clean_text(text)
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"item": _("Not an item of this meeting's agenda.")})
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        check_writable(locked, minutes_of(locked))
        entry = add_entry(locked, EntryKind.NOTE, item=item, text=text)
        record_change(by, [locked.uuid, entry.uuid], {"minutes": "note added"})
    return entry


def do_edit_note(entry: MinuteEntry, text: str, *, by: User | None) -> None:
    """New words for a note (a decision's or an action item's entry says what it records, and is not edited)."""
    text = clean_text(text)
    if entry.kind != EntryKind.NOTE:
        raise ValidationError(_("This entry records a decision or an action item: it is not edited."))
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=entry.meeting_id)
        check_writable(locked, minutes_of(locked))
        MinuteEntry.objects.filter(pk=entry.pk).update(text=text, edited_at=timezone.now())
        record_change(by, [locked.uuid, entry.uuid], {"minutes": "note changed"})
    entry.refresh_from_db()


def do_remove_note(entry: MinuteEntry, *, by: User | None) -> None:
    if entry.kind != EntryKind.NOTE:
        raise ValidationError(_("This entry records a decision or an action item: it stays."))
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=entry.meeting_id)
        check_writable(locked, minutes_of(locked))
        record_change(by, [locked.uuid, entry.uuid], {"minutes": "note removed"})
        entry.delete()


def entries_of(meeting: Meeting) -> list[MinuteEntry]:
    """The entries in the order written, with what each decision and action item needs to say itself."""
    return list(
        meeting.minute_entries.select_related(
            "item", "decision__proposal", "action_item__group", "action_item__item"
        ).prefetch_related("decision__objections")
    )


def summary_of(entry: MinuteEntry, language: str | None = None) -> str:
    """What an entry says, in the active language: a note's text, or a decision's or an action item's words."""
    if entry.decision is not None:
        return decision_summary(entry.decision, language)
    action = entry.action_item
    if action is not None:
        due = _(" (due %(date)s)") % {"date": date_format(action.due_on, "SHORT_DATE_FORMAT")} if action.due_on else ""
        return _("Action item for %(who)s: %(what)s%(due)s") % {
            "who": action.owner_name,
            "what": action.what,
            "due": due,
        }
    return entry.text


def decision_summary(decision: Decision, language: str | None = None) -> str:
    """One line for the minutes: the proposal, whether it passed, how, and the counts that mattered."""
    proposal = decision.proposal
    text = pick(proposal.text_en, proposal.text_es, language)
    outcome = _("Passed") if decision.passed else _("Did not pass")
    parts = [str(How(decision.how).label)]
    if decision.how in (How.CONSENSUS, How.FALLBACK, How.CONSENSUS_MINUS):
        parts.append(
            ngettext("%(count)d stand-aside", "%(count)d stand-asides", decision.stand_asides)
            % {"count": decision.stand_asides}
        )
        parts.append(ngettext("%(count)d block", "%(count)d blocks", decision.blocks) % {"count": decision.blocks})
    if decision.yes is not None and decision.no is not None:
        parts.append(
            _("%(yes)d yes, %(no)d no, %(abstain)d abstaining")
            % {"yes": decision.yes, "no": decision.no, "abstain": decision.abstain or 0}
        )
    parts.append(ngettext("%(count)d present", "%(count)d present", decision.present) % {"count": decision.present})
    return _("Decision: %(text)s. %(outcome)s, %(how)s.") % {
        "text": text.rstrip("."),
        "outcome": outcome,
        "how": "; ".join(parts),
    }


# Amendments and publication.


def do_set_amend_days(meeting: Meeting, days: int, *, by: User | None) -> None:
    """How many days after closing amendments may be proposed; set before the meeting closes."""
    if not 0 <= days <= MAX_AMEND_DAYS:
        raise ValidationError({"amend_days": _("Between 0 and %(max)d days.") % {"max": MAX_AMEND_DAYS}})
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.state in (State.CLOSED, State.CANCELLED):
            raise ValidationError(_("The amendment window is set before the meeting closes."))
        minutes = minutes_of(locked)
        minutes.amend_days = days
        minutes.save(update_fields=["amend_days"])
        record_change(by, [locked.uuid], {"minutes": "amendment window", "days": days})


def do_propose_amendment(meeting: Meeting, user: User, text: str, *, entry: MinuteEntry | None = None) -> Amendment:
    """Someone who was at the meeting with an account proposes a change: new words for one note, or a note to add.

    Only while the amendment window is open (ValidationError with code "window_closed" otherwise).
    """
    text = clean_text(text)
    if entry is not None and (entry.meeting_id != meeting.pk or entry.kind != EntryKind.NOTE):
        raise ValidationError({"entry": _("Choose one of this meeting's notes, or none to add a note.")})
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        minutes = minutes_of(locked)
        if standing(locked, minutes).phase != "amending":
            raise ValidationError(_("Amendments are not being taken for these minutes."), code="window_closed")
        if not attended(user, locked):
            raise ValidationError(
                _("Only those who were at the meeting with their account may propose amendments."), code="not_present"
            )
        amendment = Amendment.objects.create(meeting=locked, entry=entry, text=text, author=user)
        record_change(user, [locked.uuid, amendment.uuid], {"amendment": "proposed"}, AuditAction.CREATED)
    return amendment


def do_decide_amendment(amendment: Amendment, accept: bool, *, by: User | None) -> None:
    """A minute taker accepts an amendment (the note gets its words, or a new note is added) or rejects it.
    Only a pending one, and only before publication (code "decided" otherwise)."""
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=amendment.meeting_id)
        check_writable(locked, minutes_of(locked))
        now = timezone.now()
        state = AmendmentState.ACCEPTED if accept else AmendmentState.REJECTED
        claimed = Amendment.objects.filter(pk=amendment.pk, state=AmendmentState.PENDING).update(
            state=state, decided_at=now
        )
        if not claimed:
            raise ValidationError(_("This amendment has already been decided."), code="decided")
        if accept and amendment.entry_id is not None:
            MinuteEntry.objects.filter(pk=amendment.entry_id).update(
                text=amendment.text, is_amended=True, edited_at=now
            )
        elif accept:
            add_entry(locked, EntryKind.NOTE, text=amendment.text, is_amended=True)
        record_change(by, [locked.uuid, amendment.uuid], {"amendment": state})
    amendment.refresh_from_db()


def do_publish_minutes(meeting: Meeting, audience: str, *, by: User | None, may_make_public: bool = False) -> None:
    """Publish the minutes for `audience`, once the meeting is closed, the amendment window has passed and every
    amendment is decided. `public` only for a public meeting, by a facilitator or coordinator (`may_make_public`).
    ValidationError (code "not_ready") while it cannot be published yet."""
    if audience not in Audience.values:
        raise ValidationError({"audience": _("Choose who reads the minutes.")})
    if audience == Audience.PUBLIC and not may_make_public:
        raise ValidationError({"audience": _("Only the facilitator may make the minutes public.")})
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        minutes = minutes_of(locked)
        if audience == Audience.PUBLIC and locked.visibility != Visibility.PUBLIC:
            raise ValidationError({"audience": _("Only a public meeting's minutes can be public.")})
        phase = standing(locked, minutes)
        if phase.phase == "published":
            raise ValidationError(_("These minutes are published already."), code="not_ready")
        if phase.phase == "draft":
            raise ValidationError(_("The minutes are published after the meeting closes."), code="not_ready")
        if phase.phase == "amending" and phase.amend_until is not None:
            until = date_format(timezone.localtime(phase.amend_until), "DATETIME_FORMAT")
            raise ValidationError(
                _("Amendments may be proposed until %(until)s: publish after that.") % {"until": until},
                code="not_ready",
            )
        if locked.amendments.filter(state=AmendmentState.PENDING).exists():
            raise ValidationError(_("Accept or reject every amendment first."), code="not_ready")
        minutes.audience, minutes.published_at = audience, timezone.now()
        minutes.save(update_fields=["audience", "published_at"])
        record_change(by, [locked.uuid], {"minutes": "published", "audience": audience})
    meeting.refresh_from_db()
