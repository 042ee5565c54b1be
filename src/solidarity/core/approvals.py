"""Two-person sign-off: a change one person asks for and a second, different account signs.

Used where one account alone must not be able to act: a wide alert to a neighbourhood's lists, purging
an incident, and (later) a fund's disbursement. The part that owns the change says who may ask and who
may sign (its permissions); core keeps the rule every kind shares:

- one waiting request per (kind, subject): asking again while one waits finds that one;
- the account that asked can never sign (checked here and by a database constraint);
- a request past its `expires_at` can no longer be signed;
- signing, refusing and withdrawing are conditional updates of a waiting row: a double click or two
  signers at once change it once, and only the one whose update changed the row acts.

`sign` runs in the caller's transaction, so the change it allows is made in the same one: signed and
done, or neither. Every step is in the audit log (kinds and uuids, never content).
"""

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.core import audit
from solidarity.core.models import Approval, ApprovalState, AuditAction


class ApprovalError(Exception):
    """The step cannot be taken; the message says why, in the caller's language."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def waiting(kind: str, subject: uuid.UUID) -> Approval | None:
    """The request waiting for a second person about `subject`, if any (expired ones included: they show why)."""
    return Approval.objects.filter(kind=kind, subject=subject, state=ApprovalState.WAITING).first()


def is_open(approval: Approval) -> bool:
    return approval.state == ApprovalState.WAITING and approval.expires_at > timezone.now()


def open_request(kind: str, subject: uuid.UUID) -> Approval | None:
    """The request about `subject` that can still be signed (waiting, not expired), if any."""
    found = waiting(kind, subject)
    return found if found is not None and is_open(found) else None


def do_ask_approval(kind: str, subject: uuid.UUID, *, by: uuid.UUID, expires_at: datetime) -> Approval:
    """Ask for a second person's signature; a request already waiting (still open) is returned as it is.

    An expired request still waiting is withdrawn first, so a new one can be asked.
    """
    with transaction.atomic():
        found = waiting(kind, subject)
        if found is not None and is_open(found):
            return found
        if found is not None:
            decide(found, ApprovalState.WITHDRAWN, by=None, why="expired")
        try:
            with transaction.atomic():
                approval = Approval.objects.create(
                    kind=kind, subject=subject, asked_by=by, asked_at=timezone.now(), expires_at=expires_at
                )
        except IntegrityError:  # someone else asked at the same moment: theirs is the one
            found = waiting(kind, subject)
            if found is None:
                raise
            return found
        recorded(approval, by, "asked")
    return approval


def do_sign_approval(approval: Approval, *, by: uuid.UUID) -> Approval:
    """Sign: the change may be made now, in this same transaction. Refuses the asker, a late or a decided one."""
    if by == approval.asked_by:
        raise ApprovalError(
            _("You asked for this: a second person has to sign it."),
            code="same_person",
        )
    if approval.expires_at <= timezone.now():
        raise ApprovalError(_("This request has expired: ask again if it is still needed."), code="expired")
    decide(approval, ApprovalState.SIGNED, by=by, why="signed")
    return approval


def do_refuse_approval(approval: Approval, *, by: uuid.UUID) -> Approval:
    """A second person says no (the asker withdraws instead)."""
    if by == approval.asked_by:
        return do_withdraw_approval(approval, by=by)
    decide(approval, ApprovalState.REFUSED, by=by, why="refused")
    return approval


def do_withdraw_approval(approval: Approval, *, by: uuid.UUID) -> Approval:
    decide(approval, ApprovalState.WITHDRAWN, by=by, why="withdrawn")
    return approval


def decide(approval: Approval, state: ApprovalState, *, by: uuid.UUID | None, why: str) -> None:
    """Move a waiting request to `state`, once (a conditional update); another decision first is an error.

    `by` None: the system (a request that expired unsigned, withdrawn when someone asks again).
    """
    now = timezone.now()
    rows = Approval.objects.filter(pk=approval.pk, state=ApprovalState.WAITING)
    if state == ApprovalState.SIGNED and by is not None:
        rows = rows.exclude(asked_by=by)
    changed = rows.update(state=state, decided_by=by, decided_at=now)
    if not changed:
        approval.refresh_from_db()
        raise ApprovalError(
            _("Someone already decided this one (%(state)s).") % {"state": approval.get_state_display()},
            code="already_decided",
        )
    approval.state, approval.decided_by, approval.decided_at = state, by, now
    recorded(approval, by, why)


def recorded(approval: Approval, by: uuid.UUID | None, step: str) -> None:
    audit.record(
        actor=str(by) if by is not None else audit.SYSTEM,
        role="",
        action=AuditAction.CREATED if step == "asked" else AuditAction.CHANGED,
        object_type="core.approval",
        object_ids=[approval.uuid, approval.subject],
        detail={"kind": approval.kind, "step": step},
    )
