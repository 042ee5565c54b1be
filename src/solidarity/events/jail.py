"""Jail support at an action: its leads, the board of arrests (by support name, never a legal name), criminal bail
requests handed to the funds part through core.bonds, and the participants' arrest plans.

- An arrest moves forward only, one step at a time: arrested -> located (where held) -> arraigned -> released.
  A released person stays on the board until their support ends; then their arrest plan is deleted at once,
  a live bail request is withdrawn, and 30 days later the arrest's support name, note and where go
  (FORGET_TIMER), so the debrief keeps only its counts (`arrest_counts`).
- Criminal bail (fianza penal) is kept apart from immigration bond: a request of kind "bail" goes to the
  medical and legal fund (funds.requests.take_bond_request).
- Arrest plans: the person's own, changed or deleted by them until the action ends; read by the leads only
  (events.jail_access, audited). A day after the action (PLANS_TIMER) the plans not linked to an arrest go.

Every change is audited (ids, states, field names; never a name, a note or a plan's answer) and told to the
board's live channel ("action-jail:<uuid>") after commit.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from uuid import UUID

from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit, bonds, live
from solidarity.core.bond_models import LIVE_BOND_STATES, BondRequest, BondRequestKind
from solidarity.core.models import AuditAction
from solidarity.core.permissions import Role, roles_in
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.events.models import (
    ARREST_WAY,
    NOTE_LENGTH,
    SHORT_TEXT,
    TITLE_LENGTH,
    Action,
    ActionState,
    Arrest,
    ArrestPlan,
    ArrestState,
)
from solidarity.people.models import Person

MAX_LEADS = 2
SOURCE = "events.arrest"
PLANS_TIMER = "events.arrest-plans"  # keyed by the action's uuid: its unlinked plans go a day after it ends
FORGET_TIMER = "events.arrest-forget"  # keyed by the arrest's uuid: its texts go 30 days after its support ended
PLANS_KEPT = timedelta(hours=24)
TEXTS_KEPT = timedelta(days=30)
MAX_BAIL = Decimal("1000000")
NEEDS = ("needs_ride", "needs_medicine", "needs_call")
PLAN_FIELDS = ("support_name", "who_to_call", "medication", "pets_and_car", "bail_wishes")
OVER = (ActionState.CANCELLED, ActionState.DONE)


def channel(action: Action) -> str:
    return f"action-jail:{action.uuid}"


def recorded(
    by: User | None,
    action: Action,
    verb: AuditAction,
    object_type: str,
    ids: Iterable[UUID] = (),
    detail: Mapping[str, str | int | bool | list[str]] | None = None,
) -> None:
    """An audit entry for a change of jail support, with the role `by` acted in (a lead first)."""
    role = ""
    if by is not None:
        if action.jail_leads.filter(pk=by.pk).exists():
            role = str(Role.JAIL_SUPPORT_LEAD)
        elif Role.COORDINATOR in roles_in(by, action.group.slug):
            role = str(Role.COORDINATOR)
        else:
            role = str(Role.MEMBER)
    audit.record(
        actor=str(by.uuid) if by else audit.SYSTEM,
        role=role,
        action=verb,
        object_type=object_type,
        object_ids=[action.uuid, *ids],
        detail=dict(detail or {}),
    )


def told(arrest: Arrest, what: str) -> None:
    """The board's watchers redraw (ids and the state only)."""
    live.publish(channel(arrest.action), "arrests", {"arrest": str(arrest.uuid), "state": arrest.state, "what": what})


# Leads.


def accounts_named(usernames: Iterable[str]) -> list[User]:
    """The active accounts with these usernames (any case), in order, once each; ValidationError naming the unknown."""
    found: list[User] = []
    for name in (name.strip() for name in usernames if name.strip()):
        user = User.objects.filter(username__iexact=name, is_active=True).first()
        if user is None:
            raise ValidationError({"leads": [_("No account has the username %(name)s.") % {"name": name}]})
        if user not in found:
            found.append(user)
    return found


def check_leads(leads: list[User]) -> None:
    if len({lead.pk for lead in leads}) > MAX_LEADS:
        raise ValidationError({"leads": [_("Name at most two jail-support leads.")]})
    if any(not lead.is_active for lead in leads):
        raise ValidationError({"leads": [_("No account has this username.")]})
    lacking = [lead.username for lead in leads if not is_mfa_enabled(lead)]
    if lacking:
        message = _("A jail-support lead reads arrest plans: %(names)s must set up a second factor first.")
        raise ValidationError({"leads": [message % {"names": ", ".join(lacking)}]})


def do_set_jail_leads(action: Action, leads: list[User], *, by: User | None) -> bool:
    """Name the action's jail-support leads (any members of the network: at most two, each with a second factor):
    False when unchanged."""
    check_leads(leads)
    with transaction.atomic():
        before = set(action.jail_leads.values_list("pk", flat=True))
        wanted = {lead.pk for lead in leads}
        if before == wanted:
            return False
        action.jail_leads.set(leads)
        recorded(
            by, action, AuditAction.CHANGED, "events.jail_leads", [lead.uuid for lead in leads], {"count": len(leads)}
        )
    return True


# Arrests.


@dataclass
class ArrestValues:
    """What the board says of an arrest. `support_name`: a name the person is supported by, never a legal name."""

    support_name: str = ""
    arrested_at: datetime | None = None
    where: str = ""
    needs_ride: bool = False
    needs_medicine: bool = False
    needs_call: bool = False
    note: str = ""


def check_arrest(values: ArrestValues) -> None:
    errors: dict[str, list[str]] = {}
    if not values.support_name.strip():
        errors["support_name"] = [_("Give a support name: what the team calls them, never a legal name.")]
    for name, limit in (("support_name", TITLE_LENGTH), ("where", SHORT_TEXT), ("note", NOTE_LENGTH)):
        if len(getattr(values, name)) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
    if values.arrested_at is None:
        errors["arrested_at"] = [_("Say when they were arrested.")]
    elif values.arrested_at > timezone.now() + timedelta(minutes=5):
        errors["arrested_at"] = [_("An arrest is not in the future.")]
    elif values.arrested_at < timezone.now() - timedelta(days=366):
        errors["arrested_at"] = [_("Choose a time within the past year.")]
    if errors:
        raise ValidationError(errors)


def locked_arrest(arrest: Arrest) -> Arrest:
    row = Arrest.objects.select_for_update().get(pk=arrest.pk)  # no join: PostgreSQL locks no outer join
    row.action = arrest.action
    return row


def check_on_board(arrest: Arrest) -> None:
    if arrest.support_ended_at is not None:
        raise ValidationError(_("Their support has ended."), code="support_ended")


def do_record_arrest(
    action: Action, values: ArrestValues, *, by: User | None, plan: ArrestPlan | None = None
) -> Arrest:
    """A new arrest on the action's board (arrested), its plan linked when a lead chose one."""
    check_arrest(values)
    with transaction.atomic():
        assert values.arrested_at is not None  # noqa: S101  # check_arrest says so
        arrest = Arrest.objects.create(
            action=action,
            support_name=values.support_name.strip(),
            arrested_at=values.arrested_at,
            where=values.where.strip(),
            needs_ride=values.needs_ride,
            needs_medicine=values.needs_medicine,
            needs_call=values.needs_call,
            note=values.note.strip(),
            created_by=by,
        )
        recorded(by, action, AuditAction.CREATED, "events.arrest", [arrest.uuid], {"state": arrest.state})
        if plan is not None:
            link(arrest, plan, by)
        told(arrest, "recorded")
    return arrest


def do_update_arrest(arrest: Arrest, values: ArrestValues, *, by: User | None) -> list[str]:
    """Change what the board says (the names of the fields that changed); `where` only once located."""
    check_arrest(values)
    with transaction.atomic():
        row = locked_arrest(arrest)
        check_on_board(row)
        if row.state == ArrestState.ARRESTED and values.where.strip():
            raise ValidationError({"where": [_("Say where they are held once they are located.")]})
        changes: dict[str, object] = {
            "support_name": values.support_name.strip(),
            "arrested_at": values.arrested_at,
            "where": values.where.strip(),
            "note": values.note.strip(),
            **{name: getattr(values, name) for name in NEEDS},
        }
        changed = [name for name, value in changes.items() if getattr(row, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(row, name, changes[name])
        row.save(update_fields=[*changed, "updated_at"])
        recorded(by, row.action, AuditAction.CHANGED, "events.arrest", [row.uuid], {"fields": changed})
        told(row, "changed")
    arrest.refresh_from_db()
    return changed


def next_state(state: str) -> ArrestState | None:
    at = ARREST_WAY.index(ArrestState(state))
    return ARREST_WAY[at + 1] if at + 1 < len(ARREST_WAY) else None


def do_advance_arrest(arrest: Arrest, *, by: User | None, where: str = "") -> ArrestState:
    """One step forward (never back): located needs where they are held; released is dated. ValidationError
    (code "released") once released, or once the support ended."""
    with transaction.atomic():
        row = locked_arrest(arrest)
        check_on_board(row)
        going = next_state(row.state)
        if going is None:
            raise ValidationError(_("They are released already."), code="released")
        fields = ["state", "updated_at"]
        if going == ArrestState.LOCATED:
            where = where.strip() or row.where
            if not where:
                raise ValidationError({"where": [_("Say where they are held.")]})
            if len(where) > SHORT_TEXT:
                raise ValidationError({"where": [_("At most %(limit)d characters.") % {"limit": SHORT_TEXT}]})
            row.where = where
            fields.append("where")
        if going == ArrestState.RELEASED:
            row.released_at = timezone.now()
            fields.append("released_at")
        row.state = going
        row.save(update_fields=fields)
        recorded(by, row.action, AuditAction.CHANGED, "events.arrest", [row.uuid], {"state": str(going)})
        told(row, "advanced")
    arrest.refresh_from_db()
    return going


def do_end_support(arrest: Arrest, *, by: User | None) -> bool:
    """A released person's support is over: off the board, their plan deleted at once, a live bail request
    withdrawn; their texts go 30 days later (FORGET_TIMER). False when it had ended already; ValidationError
    (code "not_released") before release."""
    with transaction.atomic():
        row = locked_arrest(arrest)
        if row.support_ended_at is not None:
            return False
        if row.state != ArrestState.RELEASED:
            raise ValidationError(_("Support ends once they are released."), code="not_released")
        row.support_ended_at = timezone.now()
        row.save(update_fields=["support_ended_at", "updated_at"])
        plans = list(ArrestPlan.objects.filter(arrest=row).values_list("uuid", flat=True))
        ArrestPlan.objects.filter(arrest=row).delete()
        withdrawn = False
        if row.bail_request is not None and row.bail_request.state in LIVE_BOND_STATES:
            withdrawn = bonds.do_withdraw(row.bail_request.uuid, actor=str(by.uuid) if by else audit.SYSTEM)
        set_timer(FORGET_TIMER, str(row.uuid), row.support_ended_at + TEXTS_KEPT)
        detail: dict[str, str | int | bool | list[str]] = {
            "support": "ended",
            "plans_deleted": len(plans),
            "bail_withdrawn": withdrawn,
        }
        recorded(by, row.action, AuditAction.CHANGED, "events.arrest", [row.uuid, *plans], detail)
        told(row, "support-ended")
    arrest.refresh_from_db()
    return True


def forget_arrest(fired: FiredTimer) -> None:
    """FORGET_TIMER: an arrest whose support ended 30 days ago loses its support name, note and where (its state
    and dates stay, for the debrief's counts). Idempotent."""
    row = Arrest.objects.filter(uuid=fired.key, support_ended_at__isnull=False).select_related("action").first()
    if row is None:
        return
    forget(row)


def forget(row: Arrest) -> bool:
    if not (row.support_name or row.note or row.where):
        return False
    row.support_name = row.note = row.where = ""
    row.save(update_fields=["support_name", "note", "where", "updated_at"])
    audit.record(
        actor=audit.SYSTEM,
        action=AuditAction.PURGED,
        object_type="events.arrest",
        object_ids=[row.action.uuid, row.uuid],
        detail={"fields": ["support_name", "note", "where"]},
    )
    return True


def forget_old_arrests(now: datetime | None = None) -> int:
    """Every arrest whose support ended more than 30 days ago, its texts gone (the timers' safety net): how many."""
    cutoff = (now or timezone.now()) - TEXTS_KEPT
    due = Arrest.objects.filter(support_ended_at__lt=cutoff).select_related("action")
    return sum(forget(row) for row in due)


def arrest_counts(action: Action) -> dict[str, int]:
    """How many arrests at the action are in each state (every state named, 0 included), ended support too: for the
    debrief. Names nobody."""
    found = dict(
        action.arrests.values_list("state").annotate(count=Count("pk")).values_list("state", "count").order_by()
    )
    return {str(state): int(found.get(str(state), 0)) for state in ARREST_WAY}


# Criminal bail (fianza penal), through core.bonds to the medical and legal fund.


def check_amount(amount: Decimal | str | int | None) -> Decimal:
    try:
        value = Decimal(str(amount)) if amount is not None else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 1 or value > MAX_BAIL:
        raise ValidationError({"amount": [_("Give the bail amount, from 1 to %(most)s.") % {"most": f"{MAX_BAIL:,}"}]})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({"amount": [_("Give the amount in dollars and cents.")]})
    return value.quantize(Decimal("0.01"))


def do_request_bail(
    arrest: Arrest, amount: Decimal | str | int, *, payer_note: str = "", by: User | None
) -> BondRequest:
    """Ask the medical and legal fund for a criminal bail: a core.bonds request of kind bail, linked to the arrest.
    ValidationError (code "bail_live") while one is live, (code "released") once released."""
    value = check_amount(amount)
    if len(payer_note) > NOTE_LENGTH:
        raise ValidationError({"payer_note": [_("At most %(limit)d characters.") % {"limit": NOTE_LENGTH}]})
    with transaction.atomic():
        row = locked_arrest(arrest)
        check_on_board(row)
        if row.state == ArrestState.RELEASED:
            raise ValidationError(_("They are released already: no bail to pay."), code="released")
        try:
            request = bonds.do_request_bond(
                source=SOURCE,
                reference=row.uuid,
                kind=BondRequestKind.BAIL,
                amount=value,
                payer_note=payer_note.strip(),
                actor=str(by.uuid) if by else audit.SYSTEM,
            )
        except bonds.BondRequestRefused:
            raise ValidationError(
                _("A criminal bail request is open already: withdraw it first."), code="bail_live"
            ) from None
        row.bail_request = request
        row.save(update_fields=["bail_request", "updated_at"])
        recorded(by, row.action, AuditAction.CHANGED, "events.arrest", [row.uuid, request.uuid], {"bail": "requested"})
        told(row, "bail")
    arrest.refresh_from_db()
    return request


def do_withdraw_bail(arrest: Arrest, *, by: User | None) -> bool:
    """Call the arrest's bail request off (not once paid): False when there was none live."""
    with transaction.atomic():
        row = locked_arrest(arrest)
        request = row.bail_request
        if request is None or request.state not in LIVE_BOND_STATES:
            return False
        if not bonds.do_withdraw(request.uuid, actor=str(by.uuid) if by else audit.SYSTEM):
            return False
        recorded(by, row.action, AuditAction.CHANGED, "events.arrest", [row.uuid, request.uuid], {"bail": "withdrawn"})
        told(row, "bail")
    arrest.refresh_from_db()
    return True


def bail_of(arrest: Arrest) -> BondRequest | None:
    """The arrest's latest bail request, as read with the arrest (the fund moves it: read the arrest afresh)."""
    return arrest.bail_request


# Arrest plans.


@dataclass
class PlanValues:
    support_name: str = ""
    who_to_call: str = ""
    medication: str = ""
    pets_and_car: str = ""
    bail_wishes: str = ""


def is_open_for_plans(action: Action) -> bool:
    return action.state not in OVER and timezone.now() < action.ends_at


def check_plan_open(action: Action) -> None:
    if not is_open_for_plans(action):
        raise ValidationError(_("This action is over: plans can no longer be changed."), code="action_over")


def check_plan(values: PlanValues) -> None:
    errors: dict[str, list[str]] = {}
    if not values.support_name.strip():
        errors["support_name"] = [_("Give a support name: what the team may call you, never your legal name.")]
    for name in PLAN_FIELDS:
        limit = TITLE_LENGTH if name == "support_name" else NOTE_LENGTH
        if len(getattr(values, name)) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
    if errors:
        raise ValidationError(errors)


def do_save_plan(action: Action, person: Person, values: PlanValues, *, by: User | None) -> ArrestPlan:
    """The person's own plan for the action, made or changed (until the action ends). Its unlinked plans go a day
    after the action (PLANS_TIMER)."""
    check_plan(values)
    check_plan_open(action)
    texts = {name: getattr(values, name).strip() for name in PLAN_FIELDS}
    with transaction.atomic():
        plan = ArrestPlan.objects.select_for_update().filter(action=action, person=person).first()
        if plan is None:
            plan = ArrestPlan.objects.create(action=action, person=person, **texts)
            changed = [name for name, value in texts.items() if value]
            verb = AuditAction.CREATED
        else:
            changed = [name for name, value in texts.items() if getattr(plan, name) != value]
            for name in changed:
                setattr(plan, name, texts[name])
            if changed:
                plan.save(update_fields=[*changed, "updated_at"])
            verb = AuditAction.CHANGED
        if changed or verb == AuditAction.CREATED:
            recorded(by, action, verb, "events.arrestplan", [plan.uuid], {"fields": changed})
        set_timer(PLANS_TIMER, str(action.uuid), action.ends_at + PLANS_KEPT)
    return plan


def do_delete_plan(plan: ArrestPlan, *, by: User | None) -> None:
    """The person deletes their own plan (until the action ends)."""
    check_plan_open(plan.action)
    with transaction.atomic():
        gone = plan.uuid
        plan.delete()
        recorded(by, plan.action, AuditAction.DELETED, "events.arrestplan", [gone])
        forget_plans_timer(plan.action)


def link(arrest: Arrest, plan: ArrestPlan, by: User | None) -> None:
    if plan.action_id != arrest.action_id:
        raise ValidationError({"plan": [_("That plan is for another action.")]})
    if plan.arrest_id is not None and plan.arrest_id != arrest.pk:
        raise ValidationError({"plan": [_("That plan is linked to another arrest already.")]})
    ArrestPlan.objects.filter(arrest=arrest).exclude(pk=plan.pk).update(arrest=None)
    ArrestPlan.objects.filter(pk=plan.pk).update(arrest=arrest)
    recorded(by, arrest.action, AuditAction.CHANGED, "events.arrestplan", [plan.uuid, arrest.uuid], {"linked": True})


def do_link_plan(arrest: Arrest, plan: ArrestPlan, *, by: User | None) -> None:
    """A lead links the person's plan to their arrest: it stays after the action, until their support ends."""
    with transaction.atomic():
        row = locked_arrest(arrest)
        check_on_board(row)
        link(row, plan, by)
        told(row, "plan")


def purge_plans(fired: FiredTimer) -> None:
    """PLANS_TIMER: a day after the action, its plans not linked to an arrest are deleted. An action moved later
    sets the timer again for its new end."""
    action = Action.objects.filter(uuid=fired.key).select_related("group").first()
    if action is None:
        return
    now = timezone.now()
    if now < action.ends_at + PLANS_KEPT:
        set_timer(PLANS_TIMER, str(action.uuid), action.ends_at + PLANS_KEPT)
        return
    due = ArrestPlan.objects.filter(action=action, arrest__isnull=True)
    gone = list(due.values_list("uuid", flat=True))
    if gone:
        due.delete()
        audit.record(
            actor=audit.WORKER,
            action=AuditAction.PURGED,
            object_type="events.arrestplan",
            object_ids=[action.uuid, *gone],
            detail={"count": len(gone), "why": "action_over"},
        )


def forget_plans_timer(action: Action) -> None:
    """The action has no plan left: its timer goes."""
    if not action.arrest_plans.exists():
        cancel_timer(PLANS_TIMER, str(action.uuid))
