"""The organisers' checklist: each step's state (read from where it lives, or ticked by hand), its owner, its note
and lesson; the legal-observer request with the text to send; the debrief scheduled as a training; the network's
template the checklists are made from, and the lessons organisers copy into it.

Every change records its audit entry (ids, states and field names; never a note, a lesson or a name). Legal
observers' notes and footage are never kept here: they belong to the lawyers' team.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.models import Membership, User
from solidarity.core import audit
from solidarity.core.bilingual import text_of
from solidarity.core.models import AuditAction
from solidarity.core.permissions import Role, holds_anywhere, is_admin
from solidarity.core.preparations import FUND, MEDIC_KITS, Question, prepared
from solidarity.events.models import (
    NOTE_LENGTH,
    SHORT_TEXT,
    TEXT_LENGTH,
    Action,
    ActionState,
    ChecklistStep,
    ObserversState,
    SignUp,
    SignUpState,
    StepKind,
    TemplateStep,
)
from solidarity.events.models import Role as SlotRole
from solidarity.events.services import OVER, audited, locked, template_steps
from solidarity.trainings.models import SessionKind, SessionLanguage, SessionState
from solidarity.trainings.services import SessionValues, do_create_session

HAND_TICKED = (StepKind.MANUAL, StepKind.FLYERS)
MEDICS_SIGNED_UP = (SignUpState.SIGNED_UP, SignUpState.ATTENDED)
OBSERVERS_AHEAD = timedelta(hours=72)  # lawyers' guilds ask for at least this much notice
DEBRIEF_LENGTH = timedelta(hours=2)
DEBRIEF_CAPACITY = 30
MAX_DEBRIEF_CAPACITY = 500


def path_to(name: str, **kwargs: str) -> str:
    """The path of a page of this site, or "" while the part that serves it is not there."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def display_name(user: User | None) -> str:
    """An account's person's display name, else its user name; "" for none."""
    if user is None:
        return ""
    person = getattr(user, "person", None)
    shown = getattr(person, "display_name", "") if person is not None else ""
    return str(shown or user.get_username())


def is_member_of(user: User, action: Action) -> bool:
    return Membership.objects.filter(user=user, group=action.group, user__is_active=True).exists()


# Each step's state.


@dataclass(frozen=True)
class StepState:
    """Whether the step is done, what is missing in one line (translated; "" when done), and where to act."""

    done: bool
    missing: str
    path: str = ""


@dataclass
class Facts:
    """What several steps of one action read, looked up once for its whole checklist."""

    medics: int | None = None


def medics_signed_up(action: Action) -> int:
    """Street medics signed up (or who came) in the action's medic slots."""
    return SignUp.objects.filter(slot__action=action, slot__role=SlotRole.MEDIC, state__in=MEDICS_SIGNED_UP).count()


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def medics_state(action: Action, facts: Facts) -> StepState:
    """Done when at least one pair signed up, nobody is alone, and a kit is packed for each pair."""
    count = medics_signed_up(action) if facts.medics is None else facts.medics
    pairs, alone = divmod(count, 2)
    kits = prepared(MEDIC_KITS, Question(group=action.group.slug, on=local_day(action.starts_at), needed=pairs))
    missing: list[str] = []
    if count == 0:
        missing.append(_("No street medics signed up yet: they go in pairs."))
    elif alone:
        missing.append(
            ngettext(
                "%(count)d medic signed up: 1 alone, needs a partner.",
                "%(count)d medics signed up: 1 alone, needs a partner.",
                count,
            )
            % {"count": count}
        )
    if pairs and not kits.ready:
        missing.append(kits.summary)
    done = pairs >= 1 and not alone and kits.ready
    path = kits.path if pairs and not kits.ready else ""
    return StepState(done, "" if done else " ".join(missing), path)


def observers_state(action: Action) -> StepState:
    path = path_to("events:observers", action=action.code)
    if action.observers_state == ObserversState.CONFIRMED:
        return StepState(True, "", path)
    if action.observers_state == ObserversState.REQUESTED:
        when = (
            formats.date_format(action.observers_requested_on, "DATE_FORMAT") if action.observers_requested_on else ""
        )
        line = _("Requested on %(date)s from %(whom)s: not confirmed yet.") % {
            "date": when,
            "whom": action.observers_from,
        }
        return StepState(False, line, path)
    line = _("Not requested yet.")
    if observers_warning(action):
        line = f"{line} {observers_warning(action)}"
    return StepState(False, line, path)


def observers_warning(action: Action, now: datetime | None = None) -> str:
    """A warning when the action starts in less than 72 hours and the observers are not requested yet."""
    if action.observers_state != ObserversState.NOT_REQUESTED or action.state in OVER:
        return ""
    if action.starts_at - (now or timezone.now()) >= OBSERVERS_AHEAD:
        return ""
    return _("Lawyers' guilds ask for at least 72 hours: request them now.")


def debrief_state(action: Action) -> StepState:
    session = action.debrief_session
    if session is not None and session.state != SessionState.CANCELLED:
        return StepState(True, "", path_to("trainings:session", session=str(session.uuid)))
    path = path_to("events:schedule-debrief", action=action.code)
    if session is not None:
        return StepState(False, _("The debrief training was cancelled: schedule another."), path)
    return StepState(False, _("No debrief scheduled yet."), path)


def state_of(step: ChecklistStep, facts: Facts | None = None) -> StepState:
    """Where the step stands: a MANUAL or FLYERS step is ticked by hand; the others read it from where it lives."""
    action = step.action
    facts = facts or Facts()
    if step.kind in HAND_TICKED:
        return StepState(step.done_at is not None, "" if step.done_at else _("Not ticked yet."))
    if step.kind == StepKind.PUBLIC_PAGE:
        if action.state == ActionState.PUBLISHED:
            return StepState(True, "", path_to("events:public-action", action=action.code))
        return StepState(
            False, _("The public page is not published yet."), path_to("events:action", action=action.code)
        )
    if step.kind == StepKind.UPDATE_LIST:
        if action.updates_list_id is not None:
            return StepState(True, "")
        return StepState(False, _("No update list yet: open one for everyone who signs up."))
    if step.kind == StepKind.MEDICS:
        return medics_state(action, facts)
    if step.kind == StepKind.OBSERVERS:
        return observers_state(action)
    if step.kind == StepKind.DEBRIEF:
        return debrief_state(action)
    if step.kind == StepKind.FUND:
        answer = prepared(FUND, Question(group=action.group.slug, on=local_day(action.starts_at)))
        return StepState(answer.ready, answer.summary, answer.path)
    return StepState(False, _("Unknown kind of step."))


@dataclass(frozen=True)
class SeenStep:
    """A step as its page and the API show it."""

    step: ChecklistStep
    state: StepState

    @property
    def title(self) -> str:
        return text_of(self.step, "title")

    @property
    def help(self) -> str:
        return text_of(self.step, "help")

    @property
    def owner_name(self) -> str:
        return display_name(self.step.owner)

    @property
    def is_hand_ticked(self) -> bool:
        return self.step.kind in HAND_TICKED


def steps_of(action: Action) -> list[ChecklistStep]:
    """The action's steps in order, each with its action (the one given), owner and who ticked it."""
    steps = list(
        ChecklistStep.objects.filter(action=action)
        .select_related("owner__person", "done_by__person")
        .order_by("position", "pk")
    )
    for step in steps:
        step.action = action
    return steps


def checklist(action: Action) -> list[SeenStep]:
    """Every step of the action's checklist with its state, in order (facts looked up once)."""
    steps = steps_of(action)
    facts = Facts(medics=medics_signed_up(action) if any(s.kind == StepKind.MEDICS for s in steps) else None)
    return [SeenStep(step, state_of(step, facts)) for step in steps]


# Ticking, owners, notes and lessons.


def check_hand_ticked(step: ChecklistStep) -> None:
    if step.kind not in HAND_TICKED:
        raise ValidationError(
            _("This step says itself whether it is done: it is not ticked by hand."), code="not_manual"
        )


def do_tick_step(step: ChecklistStep, *, by: User | None) -> bool:
    """A MANUAL or FLYERS step is done, by `by`, now: False when it was done already."""
    check_hand_ticked(step)
    with transaction.atomic():
        changed = ChecklistStep.objects.filter(pk=step.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=by, updated_at=timezone.now()
        )
        if changed:
            audited(by, step.action, AuditAction.CHANGED, "events.step", [step.uuid], {"done": True})
    step.refresh_from_db()
    return bool(changed)


def do_untick_step(step: ChecklistStep, *, by: User | None) -> bool:
    """Not done after all: False when it was not done."""
    check_hand_ticked(step)
    with transaction.atomic():
        changed = ChecklistStep.objects.filter(pk=step.pk, done_at__isnull=False).update(
            done_at=None, done_by=None, updated_at=timezone.now()
        )
        if changed:
            audited(by, step.action, AuditAction.CHANGED, "events.step", [step.uuid], {"done": False})
    step.refresh_from_db()
    return bool(changed)


@dataclass
class StepChanges:
    """What may change on a step: only the fields named in `fields`. `owner`: a member of the action's group."""

    owner: User | None = None
    note: str = ""
    lesson: str = ""
    fields: frozenset[str] = frozenset()


def do_update_step(step: ChecklistStep, changes: StepChanges, *, by: User | None) -> list[str]:
    """Change a step's owner, note or lesson: the names of the fields that changed. ValidationError by field."""
    errors: dict[str, list[str]] = {}
    wanted: dict[str, object] = {}
    if "owner" in changes.fields:
        if changes.owner is not None and not is_member_of(changes.owner, step.action):
            errors["owner"] = [_("Choose a member of the action's working group.")]
        wanted["owner"] = changes.owner
    for name, limit in (("note", NOTE_LENGTH), ("lesson", TEXT_LENGTH)):
        if name not in changes.fields:
            continue
        text = str(getattr(changes, name)).strip()
        if len(text) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
        wanted[name] = text
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = ChecklistStep.objects.select_for_update().get(pk=step.pk)
        changed = [name for name, value in wanted.items() if getattr(row, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(row, name, wanted[name])
        row.save(update_fields=[*changed, "updated_at"])
        audited(by, step.action, AuditAction.CHANGED, "events.step", [step.uuid], {"fields": changed})
    step.refresh_from_db()
    return changed


def owners_for(action: Action) -> list[User]:
    """Who may own a step: the action's group's active members, by user name."""
    return list(
        User.objects.filter(memberships__group=action.group, is_active=True)
        .select_related("person")
        .order_by("username")
    )


def owner_by_uuid(action: Action, wanted: UUID | str | None, *, field: str = "owner") -> User | None:
    """A member of the action's group by their account's uuid; ValidationError on `field` when no such member."""
    if wanted is None or wanted == "":
        return None
    try:
        key = UUID(str(wanted))
    except ValueError:
        key = None
    found = User.objects.filter(uuid=key, is_active=True, memberships__group=action.group).first() if key else None
    if found is None:
        raise ValidationError({field: [_("Choose a member of the action's working group.")]})
    return found


# The legal-observer request: a state and whom it went to, never observers' notes.


@dataclass
class ObserversValues:
    requested_from: str = ""
    requested_on: date | None = None
    point_person: User | None = None
    confirmed: bool = False


def observers_state_of(values: ObserversValues) -> str:
    if values.confirmed:
        return ObserversState.CONFIRMED
    if values.requested_from.strip() or values.requested_on:
        return ObserversState.REQUESTED
    return ObserversState.NOT_REQUESTED


def do_record_observers(action: Action, values: ObserversValues, *, by: User | None) -> list[str]:
    """Record the legal-observer request: requested (from whom, on which day), confirmed, its point person.
    The state follows: confirmed, else requested once a date or an organisation is given. ValidationError by field."""
    errors: dict[str, list[str]] = {}
    state = observers_state_of(values)
    if state != ObserversState.NOT_REQUESTED:
        if not values.requested_from.strip():
            errors["requested_from"] = [_("Say which organisation you asked, such as a lawyers' guild chapter.")]
        if values.requested_on is None:
            errors["requested_on"] = [_("Say when you asked.")]
    if len(values.requested_from) > SHORT_TEXT:
        errors["requested_from"] = [_("At most %(limit)d characters.") % {"limit": SHORT_TEXT}]
    if values.requested_on is not None and values.requested_on > timezone.localdate():
        errors["requested_on"] = [_("A request is recorded once it is made: not a day in the future.")]
    if values.point_person is not None and not is_member_of(values.point_person, action):
        errors["point_person"] = [_("Choose a member of the action's working group.")]
    if errors:
        raise ValidationError(errors)
    wanted: dict[str, object] = {
        "observers_state": state,
        "observers_from": values.requested_from.strip(),
        "observers_requested_on": values.requested_on,
        "observers_point_person": values.point_person,
    }
    with transaction.atomic():
        row = locked(action)
        changed = [name for name, value in wanted.items() if getattr(row, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(row, name, wanted[name])
        row.save(update_fields=[*changed, "updated_at"])
        audited(by, row, AuditAction.CHANGED, "events.action", detail={"fields": changed, "observers": state})
    action.refresh_from_db()
    return changed


def observers_request_text(action: Action, language: str | None = None) -> str:
    """The minimal request to copy into an email to the lawyers' guild, in `language` (the active one by default):
    the point person, the organisation, the date, time and place, the expected size."""
    with translation.override(language or translation.get_language() or "en"):
        starts = timezone.localtime(action.starts_at)
        ends = timezone.localtime(action.ends_at)
        size = (
            ngettext("about %(count)d person", "about %(count)d people", action.expected_size)
            % {"count": action.expected_size}
            if action.expected_size
            else _("not known yet")
        )
        point = display_name(action.observers_point_person) or _("(choose a point person)")
        lines = [
            _("We are asking for legal observers for a public action."),
            "",
            _("Organisation: %(group)s") % {"group": action.group.name},
            _("Point person: %(name)s") % {"name": point},
            _("Date: %(date)s") % {"date": formats.date_format(starts, "DATE_FORMAT")},
            _("Time: %(start)s to %(end)s")
            % {"start": formats.time_format(starts, "TIME_FORMAT"), "end": formats.time_format(ends, "TIME_FORMAT")},
            _("Place: %(place)s") % {"place": action.gathering_place},
            _("Expected size: %(size)s") % {"size": size},
            "",
            _("Please tell us whether you can send observers, and how many."),
        ]
        return "\n".join(lines)


# The debrief and footage review, scheduled as a training of the action's group.


@dataclass
class DebriefSessionValues:
    starts_at: datetime | None = None
    place: str = ""
    capacity: int = DEBRIEF_CAPACITY
    length: timedelta = DEBRIEF_LENGTH


def do_schedule_debrief(action: Action, values: DebriefSessionValues, *, by: User | None) -> Action:
    """A workshop of the action's group, "Debrief: <title>", after the action; the action links it. ValidationError
    by field, or (code `scheduled`) when a debrief is scheduled already. Lock: the action's row."""
    errors: dict[str, list[str]] = {}
    if values.starts_at is None:
        errors["starts_at"] = [_("Say when the debrief starts.")]
    elif values.starts_at < action.ends_at:
        errors["starts_at"] = [_("The debrief comes after the action: choose a time after it ends.")]
    if not 1 <= values.capacity <= MAX_DEBRIEF_CAPACITY:
        errors["capacity"] = [_("Between 1 and %(max)d seats.") % {"max": MAX_DEBRIEF_CAPACITY}]
    if not values.place.strip():
        errors["place"] = [_("Say where it is: a public place.")]
    if errors or values.starts_at is None:
        raise ValidationError(errors)
    with transaction.atomic():
        found = Action.objects.select_for_update(of=("self",)).select_related("group", "debrief_session")
        row = found.get(pk=action.pk)
        if row.state == ActionState.CANCELLED:
            raise ValidationError(_("This action is cancelled."), code="cancelled")
        if row.debrief_session is not None and row.debrief_session.state != SessionState.CANCELLED:
            raise ValidationError(_("The debrief is scheduled already."), code="scheduled")
        session = do_create_session(
            row.group,
            SessionValues(
                title_en=f"Debrief: {row.title_en or row.title_es}"[:120],
                title_es=f"Evaluación: {row.title_es or row.title_en}"[:120],
                starts_at=values.starts_at,
                ends_at=values.starts_at + values.length,
                place=values.place.strip(),
                capacity=values.capacity,
                kind=SessionKind.WORKSHOP,
                language=SessionLanguage.BOTH,
                description_en="What went well, what to change, and a review of the footage with the lawyers' consent.",
                description_es="Qué salió bien, qué cambiar, y una revisión de los videos con el visto bueno del "
                "equipo legal.",
            ),
            by=by,
            role=str(Role.COORDINATOR),
        )
        row.debrief_session = session
        row.save(update_fields=["debrief_session", "updated_at"])
        audited(by, row, AuditAction.CHANGED, "events.action", [session.uuid], {"fields": ["debrief_session"]})
    action.refresh_from_db()
    return action


# The network's template.


def may_edit_template(user: User) -> bool:
    """Network admins and the coordinators of any working group keep the network's checklist template."""
    return is_admin(user) or holds_anywhere(user, Role.COORDINATOR)


def template_audited(by: User | None, verb: AuditAction, ids: list[UUID], detail: dict[str, object]) -> None:
    audit.record(
        actor=str(by.uuid) if by else audit.SYSTEM,
        role="admin" if by is not None and is_admin(by) else (str(Role.COORDINATOR) if by else ""),
        action=verb,
        object_type="events.template_step",
        object_ids=ids,
        detail=detail,  # type: ignore[arg-type]  # field names, kinds and counts only
    )


@dataclass
class TemplateValues:
    kind: str = StepKind.MANUAL
    title_en: str = ""
    title_es: str = ""
    help_en: str = ""
    help_es: str = ""


TEMPLATE_FIELDS = ("kind", "title_en", "title_es", "help_en", "help_es")


def check_template(values: TemplateValues) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    if values.kind not in StepKind.values:
        errors["kind"] = [_("Choose a kind of step.")]
    if not values.title_en.strip() and not values.title_es.strip():
        errors["title_en"] = [_("Give the step a title, in English or in Spanish.")]
    for name, limit in (
        ("title_en", SHORT_TEXT),
        ("title_es", SHORT_TEXT),
        ("help_en", TEXT_LENGTH),
        ("help_es", TEXT_LENGTH),
    ):
        if len(getattr(values, name).strip()) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
    if errors:
        raise ValidationError(errors)
    return {name: str(getattr(values, name)).strip() for name in TEMPLATE_FIELDS}


def do_add_template_step(values: TemplateValues, *, by: User | None) -> TemplateStep:
    """A new step at the end of the network's template: every action made from now on gets it."""
    fields = check_template(values)
    template_steps_now()
    with transaction.atomic():
        # Every row locked (PostgreSQL locks no aggregate): two steps added at once never share a position.
        positions = list(TemplateStep.objects.select_for_update().values_list("position", flat=True))
        made = TemplateStep.objects.create(position=max(positions, default=-1) + 1, **fields)
        template_audited(by, AuditAction.CREATED, [made.uuid], {"kind": made.kind})
    return made


def do_update_template_step(step: TemplateStep, values: TemplateValues, *, by: User | None) -> list[str]:
    fields = check_template(values)
    with transaction.atomic():
        row = TemplateStep.objects.select_for_update().get(pk=step.pk)
        changed = [name for name, value in fields.items() if getattr(row, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(row, name, fields[name])
        row.save(update_fields=[*changed, "updated_at"])
        template_audited(by, AuditAction.CHANGED, [row.uuid], {"fields": changed})
    step.refresh_from_db()
    return changed


def do_move_template_step(step: TemplateStep, position: int, *, by: User | None) -> list[TemplateStep]:
    """Put the step at `position` (0 first; past the end: last) and number the template 0, 1, 2... again."""
    with transaction.atomic():
        rows = list(TemplateStep.objects.select_for_update().order_by("position", "pk"))
        row = next(each for each in rows if each.pk == step.pk)
        rows.remove(row)
        rows.insert(max(0, min(position, len(rows))), row)
        for at, each in enumerate(rows):
            each.position = at
        TemplateStep.objects.bulk_update(rows, ["position"])
        template_audited(by, AuditAction.CHANGED, [row.uuid], {"fields": ["position"], "position": rows.index(row)})
    step.refresh_from_db()
    return rows


def do_remove_template_step(step: TemplateStep, *, by: User | None) -> None:
    """Out of the template: actions made from now on do without it (checklists made already keep theirs)."""
    with transaction.atomic():
        deleted, _counts = TemplateStep.objects.filter(pk=step.pk).delete()
        if deleted:
            template_audited(by, AuditAction.DELETED, [step.uuid], {"kind": step.kind})


def template_steps_now() -> list[TemplateStep]:
    """The template as it stands, the seed's seven steps written the first time (events.services)."""
    return template_steps()


# Lessons for next time: organisers choose which steps' lessons go into the template.


def matching_template_step(step: ChecklistStep, template: list[TemplateStep]) -> TemplateStep | None:
    """The template's step an action's step came from: by kind for a step that reads its state, by title for a
    manual one."""
    for each in template:
        if step.kind != StepKind.MANUAL and each.kind == step.kind:
            return each
        titles = {t for t in (step.title_en.strip(), step.title_es.strip()) if t}
        if step.kind == StepKind.MANUAL and each.kind == StepKind.MANUAL and titles & {each.title_en, each.title_es}:
            return each
    return None


def appended(help_text: str, lesson: str) -> str:
    return f"{help_text.rstrip()}\n\n{lesson}".strip() if help_text.strip() else lesson


def do_copy_lessons(action: Action, chosen: list[ChecklistStep], *, by: User | None) -> int:
    """Append the lessons of the `chosen` steps (of `action`) to the matching template steps' help, in both
    languages; a lesson for a step the template no longer has becomes a new manual step at its end. A lesson the
    template holds already is not copied twice. How many were copied. ValidationError when a help would be too long."""
    template_steps_now()  # the seed's steps exist before lessons join them
    copied, touched, made = 0, [], []
    with transaction.atomic():
        rows = {row.pk: row for row in TemplateStep.objects.select_for_update().order_by("position", "pk")}
        template = list(rows.values())
        last = max((row.position for row in template), default=-1)
        for step in chosen:
            lesson = step.lesson.strip()
            if step.action_id != action.pk or not lesson:
                continue
            target = matching_template_step(step, template)
            if target is None:
                last += 1
                target = TemplateStep.objects.create(
                    kind=StepKind.MANUAL,
                    title_en=step.title_en,
                    title_es=step.title_es,
                    help_en=lesson,
                    help_es=lesson,
                    position=last,
                )
                template.append(target)
                made.append(target.uuid)
                copied += 1
                continue
            if lesson in target.help_en and lesson in target.help_es:
                continue
            for name in ("help_en", "help_es"):
                if lesson not in getattr(target, name):
                    grown = appended(getattr(target, name), lesson)
                    if len(grown) > TEXT_LENGTH:
                        message = _("The template's step “%(step)s” would be too long: shorten its help first.")
                        raise ValidationError(message % {"step": text_of(target, "title")}, code="too_long")
                    setattr(target, name, grown)
            target.save(update_fields=["help_en", "help_es", "updated_at"])
            touched.append(target.uuid)
            copied += 1
        if copied:
            template_audited(
                by, AuditAction.CHANGED, [action.uuid, *touched, *made], {"lessons": copied, "new_steps": len(made)}
            )
    return copied


def steps_with_lessons(action: Action) -> list[ChecklistStep]:
    return [step for step in steps_of(action) if step.lesson.strip()]


def chosen_steps(action: Action, wanted: list[UUID]) -> list[ChecklistStep]:
    """The action's steps named by `wanted` (others are ignored)."""
    return list(ChecklistStep.objects.filter(action=action, uuid__in=wanted).order_by("position", "pk"))


def done_count(seen: list[SeenStep]) -> int:
    return sum(1 for each in seen if each.state.done)
