"""After the action: the debrief the organisers record (medic encounters as a count, other money spent, the lessons)
and the report the group reads (turnout by role, no-shows, encounters, arrests by state, money spent, each step's
lesson), with a small chart of turnout by role.

No patient names, no photos, no observers' notes: counts and lessons only. The arrests are the jail-support
board's (events.jail): the report only counts them by state.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from babel.numbers import format_currency
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.models import User
from solidarity.core.bond_models import BondRequest, BondRequestState
from solidarity.core.charts import BLUE, GREEN, GREY, Chart, bar_chart, length
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings
from solidarity.events.checklist import steps_of
from solidarity.events.models import (
    TEXT_LENGTH,
    Action,
    ActionState,
    Arrest,
    ArrestState,
    ChecklistStep,
    Role,
    SignUp,
    SignUpState,
)
from solidarity.events.services import audited, locked

ARREST_SOURCE = "events.arrest"  # what the jail-support board names its bail requests (core.bonds)
MAX_ENCOUNTERS = 100_000
MAX_SPENT_CENTS = 2**31 - 1


def money_text(cents: int) -> str:
    """`cents` in the network's currency as the active language writes it ("$1,250.00")."""
    network = get_network_settings()
    language = (translation.get_language() or "en").split("-")[0]
    try:
        return format_currency(Decimal(cents) / 100, network.currency, locale=f"{language}_{network.phone_region}")
    except ValueError:
        return format_currency(Decimal(cents) / 100, network.currency, locale=language)


# Recording the debrief.


@dataclass
class DebriefValues:
    medic_encounters: int | None = None
    other_spent_cents: int | None = None
    lessons: str = ""


def do_record_debrief(action: Action, values: DebriefValues, *, by: User | None) -> list[str]:
    """The organisers' debrief, once the action has started: the fields that changed. ValidationError by field,
    or (code `not_yet`) before the action. Lock: the action's row."""
    errors: dict[str, list[str]] = {}
    if values.medic_encounters is not None and not 0 <= values.medic_encounters <= MAX_ENCOUNTERS:
        errors["medic_encounters"] = [_("Give a count between 0 and %(most)d.") % {"most": MAX_ENCOUNTERS}]
    if values.other_spent_cents is not None and not 0 <= values.other_spent_cents <= MAX_SPENT_CENTS:
        errors["other_spent_cents"] = [_("That amount is too large.")]
    if len(values.lessons) > TEXT_LENGTH:
        errors["lessons"] = [_("At most %(limit)d characters.") % {"limit": TEXT_LENGTH}]
    if errors:
        raise ValidationError(errors)
    wanted: dict[str, object] = {
        "medic_encounters": values.medic_encounters,
        "other_spent_cents": values.other_spent_cents,
        "lessons": values.lessons.strip(),
    }
    with transaction.atomic():
        row = locked(action)
        if row.starts_at > timezone.now() or row.state == ActionState.CANCELLED:
            raise ValidationError(_("The debrief comes after the action."), code="not_yet")
        changed = [name for name, value in wanted.items() if getattr(row, name) != value]
        if not changed and row.debriefed_at is not None:
            return []
        for name in changed:
            setattr(row, name, wanted[name])
        row.debriefed_at = row.debriefed_at or timezone.now()
        row.save(update_fields=[*changed, "debriefed_at", "updated_at"])
        audited(by, row, AuditAction.CHANGED, "events.debrief", detail={"fields": changed})
    action.refresh_from_db()
    return changed


# The report.


@dataclass(frozen=True)
class Turnout:
    role: str
    label: str
    signed_up: int  # still signed up (neither attended nor marked a no-show)
    attended: int
    no_show: int

    @property
    def taken(self) -> int:
        return self.signed_up + self.attended + self.no_show


@dataclass
class Report:
    action: Action
    turnout: list[Turnout]
    arrest_counts: list[tuple[str, int]]  # (state, count), in the board's order
    bail_cents: int
    other_cents: int
    steps: list[ChecklistStep] = field(default_factory=list)

    @property
    def arrests(self) -> list[tuple[str, int]]:
        """(the state's label, count), in the board's order."""
        return [(str(ArrestState(state).label), count) for state, count in self.arrest_counts]

    @property
    def arrested(self) -> int:
        return sum(count for _state, count in self.arrest_counts)

    @property
    def spent_cents(self) -> int:
        return self.bail_cents + self.other_cents

    @property
    def spent(self) -> str:
        return money_text(self.spent_cents)

    @property
    def bail(self) -> str:
        return money_text(self.bail_cents)

    @property
    def other(self) -> str:
        return money_text(self.other_cents)

    @property
    def no_shows(self) -> int:
        return sum(row.no_show for row in self.turnout)

    @property
    def lessons(self) -> list[ChecklistStep]:
        return [step for step in self.steps if step.lesson.strip()]


def turnout_of(action: Action) -> list[Turnout]:
    """Sign-ups by their slot's role: still signed up, attended, no-show (one aggregate query)."""
    rows = (
        SignUp.objects.filter(slot__action=action)
        .values("slot__role")
        .annotate(
            signed_up=Count("pk", filter=Q(state=SignUpState.SIGNED_UP)),
            attended=Count("pk", filter=Q(state=SignUpState.ATTENDED)),
            no_show=Count("pk", filter=Q(state=SignUpState.NO_SHOW)),
        )
        .order_by()
    )
    by_role = {row["slot__role"]: row for row in rows}
    found = []
    for role in Role:
        row = by_role.get(role.value)
        if row and row["signed_up"] + row["attended"] + row["no_show"]:
            found.append(Turnout(role.value, str(role.label), row["signed_up"], row["attended"], row["no_show"]))
    return found


def arrests_of(action: Action) -> list[tuple[str, int]]:
    counts = dict(
        Arrest.objects.filter(action=action).values("state").annotate(count=Count("pk")).values_list("state", "count")
    )
    return [(state.value, counts[state.value]) for state in ArrestState if counts.get(state.value)]


def bail_paid_cents(action: Action) -> int:
    """Criminal bail paid for the action's arrests (core.bonds requests from the jail-support board)."""
    references = Arrest.objects.filter(action=action).values("uuid")
    total = BondRequest.objects.filter(
        source=ARREST_SOURCE, reference__in=references, state=BondRequestState.PAID
    ).aggregate(total=Sum("amount"))["total"]
    return int((total or Decimal(0)) * 100)


def report_of(action: Action) -> Report:
    return Report(
        action=action,
        turnout=turnout_of(action),
        arrest_counts=arrests_of(action),
        bail_cents=bail_paid_cents(action),
        other_cents=action.other_spent_cents or 0,
        steps=steps_of(action),
    )


def turnout_chart(turnout: list[Turnout]) -> Chart | None:
    """Per role: attended, no-show, still signed up, as bars with their numbers in words."""
    if not turnout:
        return None
    largest = max(max(row.attended, row.no_show, row.signed_up) for row in turnout)
    groups = []
    words = []
    for row in turnout:
        bars = [
            (length(row.attended, largest), GREEN, _("%(count)d attended") % {"count": row.attended}, False),
            (length(row.no_show, largest), GREY, _("%(count)d did not come") % {"count": row.no_show}, False),
        ]
        if row.signed_up:
            text = _("%(count)d signed up, not marked") % {"count": row.signed_up}
            bars.append((length(row.signed_up, largest), BLUE, text, True))
        groups.append((row.label, bars))
        words.append(
            _("%(role)s: %(attended)d attended, %(no_show)d did not come, %(signed_up)d not marked.")
            % {"role": row.label, "attended": row.attended, "no_show": row.no_show, "signed_up": row.signed_up}
        )
    title = _("Turnout by role")
    return bar_chart("turnout", title, " ".join(words), groups, below=False)


def is_after(action: Action, now: datetime | None = None) -> bool:
    """Whether the debrief may be written: the action has started and is not cancelled."""
    return action.starts_at <= (now or timezone.now()) and action.state != ActionState.CANCELLED


def encounters_text(count: int | None) -> str:
    if count is None:
        return _("not recorded")
    return ngettext("%(count)d encounter", "%(count)d encounters", count) % {"count": count}
