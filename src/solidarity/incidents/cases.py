"""Family-support cases: opening one from an incident, its needs, tasks, notes, legal path, team, bond, closing.

Every change holds the case's row (SELECT ... FOR UPDATE) and writes its audit entry (field names and
states, never values) in the same transaction. Who may call them is incidents.case_access's: the
views and the API fetch the case through it first.

- A case is opened by a dispatcher from an incident; the dispatcher is its first team member.
- A closed case takes no change: closing is the end (the retention rules purge it after the network's
  period). Closing blanks the identifiers at once (case_models.IDENTIFIERS), withdraws a bond request no
  fund has picked up yet and blanks the notes for the payer; while a fund is paying a bond, it waits.
- A bond request leaves through core.bonds (the funds part picks it up there): the case asks only once
  the bond is set with an amount, and sees the request's state.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit, bonds
from solidarity.core.bond_models import LIVE_BOND_STATES, BondRequest, BondRequestState
from solidarity.core.codes import unique_code
from solidarity.core.models import AuditAction
from solidarity.incidents.case_access import case_role, team_candidates
from solidarity.incidents.case_models import (
    IDENTIFIERS,
    NAME_TEXT,
    BondStatus,
    Case,
    CaseNeed,
    CaseNeedKind,
    CaseNeedState,
    CaseNote,
    CaseState,
    CaseTask,
    Hearing,
    HearingKind,
)
from solidarity.incidents.models import SHORT_TEXT, Incident
from solidarity.incidents.services import IncidentError, clean_text

SOURCE = "incidents.case"  # what core.bonds knows a case's requests by
IDENTIFIER_TEXT = 120
LANGUAGES = ("en", "es")
MAX_BOND = Decimal("99999999.99")  # the field's ten digits


class CaseError(IncidentError):
    """The change cannot be made in the case's state; the message says why, in the caller's language."""


def lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",), no_key=True).get(pk=case.pk)


def check_open(case: Case) -> None:
    if not case.is_open:
        raise CaseError(_("Case %(code)s is closed: it takes no more changes.") % {"code": case.code}, code="closed")


def locked_open(case: Case) -> Case:
    """The case's row, held for the transaction; CaseError when it is closed."""
    found = lock(case)
    check_open(found)
    return found


def record(case: Case, action: AuditAction, by: User | None, **detail: str | int | list[str]) -> None:
    """The audit entry for a change (names and states only, never what was written)."""
    audit.record(
        actor=str(by.uuid) if by is not None else audit.SYSTEM,
        role=case_role(by) if by is not None else "",
        action=action,
        object_type="incidents.case",
        object_ids=[case.uuid],
        detail=detail,
    )


def clean_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose English or Spanish.")})
    return language


def clean_name(text: str) -> str:
    text = clean_text(text, "for_whom", NAME_TEXT)
    if not text:
        raise ValidationError({"for_whom": _("Give a name the family chooses: a first name or a pseudonym.")})
    return text


# Opening, and who it is for.


@dataclass(frozen=True)
class CaseValues:
    """Who the case is for (a pseudonym or a first name the family chooses), their language and contact."""

    for_whom: str
    language: str = "es"
    contact: str = ""


def do_open_case(incident: Incident, values: CaseValues, *, by: User) -> Case:
    """A new case for a family affected by `incident`, with `by` (a dispatcher) on its team."""
    for_whom = clean_name(values.for_whom)
    language = clean_language(values.language)
    contact = clean_text(values.contact, "contact", SHORT_TEXT)
    with transaction.atomic():
        while True:
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        code=unique_code(Case, "code"),
                        incident=incident,
                        for_whom=for_whom,
                        language=language,
                        contact=contact,
                        opened_by=by,
                        opened_at=timezone.now(),
                    )
                break
            except IntegrityError:  # a code taken meanwhile: draw another
                continue
        case.team.add(by)
        record(case, AuditAction.CREATED, by, incident=str(incident.uuid))
    return case


def do_update_case(case: Case, values: CaseValues, *, by: User) -> Case:
    for_whom = clean_name(values.for_whom)
    language = clean_language(values.language)
    contact = clean_text(values.contact, "contact", SHORT_TEXT)
    with transaction.atomic():
        found = locked_open(case)
        found.for_whom, found.language, found.contact = for_whom, language, contact
        found.save(update_fields=["for_whom", "language", "contact", "updated_at"])
        record(found, AuditAction.CHANGED, by, fields=["for_whom", "language", "contact"])
    return found


# Needs, tasks and notes.


def do_add_need(case: Case, kind: str, details: str, *, by: User) -> CaseNeed:
    if kind not in CaseNeedKind.values:
        raise ValidationError({"kind": _("Choose a need from the list.")})
    details = clean_text(details, "details")
    with transaction.atomic():
        found = locked_open(case)
        need = CaseNeed.objects.create(case=found, kind=kind, details=details)
        record(found, AuditAction.CHANGED, by, need=str(need.uuid), kind=kind)
    return need


def do_meet_need(case: Case, need: CaseNeed, *, by: User) -> CaseNeed:
    """A need is met (idempotent: a need met already stays as it was)."""
    with transaction.atomic():
        found = locked_open(case)
        if CaseNeed.objects.filter(pk=need.pk, state=CaseNeedState.OPEN).update(
            state=CaseNeedState.MET, met_at=timezone.now()
        ):
            record(found, AuditAction.CHANGED, by, need=str(need.uuid), state=CaseNeedState.MET)
    need.refresh_from_db()
    return need


def check_on_team(case: Case, user: User | None, field: str) -> None:
    if user is not None and not case.team.filter(pk=user.pk).exists():
        raise ValidationError({field: _("Choose someone on the case's team.")})


def do_add_task(case: Case, text: str, *, assignee: User | None, due_on: date | None, by: User) -> CaseTask:
    text = clean_text(text, "text")
    if not text:
        raise ValidationError({"text": _("Say what is to be done.")})
    with transaction.atomic():
        found = locked_open(case)
        check_on_team(found, assignee, "assignee")
        task = CaseTask.objects.create(case=found, text=text, assignee=assignee, due_on=due_on)
        record(found, AuditAction.CHANGED, by, task=str(task.uuid))
    return task


def do_complete_task(case: Case, task: CaseTask, *, by: User) -> CaseTask:
    """A task is done (idempotent)."""
    with transaction.atomic():
        found = locked_open(case)
        if CaseTask.objects.filter(pk=task.pk, is_done=False).update(is_done=True, done_at=timezone.now()):
            record(found, AuditAction.CHANGED, by, task=str(task.uuid), state="done")
    task.refresh_from_db()
    return task


def do_add_case_note(case: Case, text: str, *, by: User) -> CaseNote:
    text = clean_text(text, "text")
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    with transaction.atomic():
        found = locked_open(case)
        note = CaseNote.objects.create(case=found, text=text, author=by, at=timezone.now())
        record(found, AuditAction.CHANGED, by, note=str(note.uuid))
    return note


# The legal path.


@dataclass(frozen=True)
class LegalPath:
    """Where the person is held, the bond (set with an amount, or no bond hearing or denied: then a lawyer's
    habeas petition), and the referral to a lawyer or an organisation."""

    held_at: str = ""
    bond_status: str = BondStatus.UNKNOWN
    bond_amount: Decimal | None = None
    referral_to: str = ""
    referred_on: date | None = None
    referral_note: str = ""


def clean_path(values: LegalPath) -> LegalPath:
    if values.bond_status not in BondStatus.values:
        raise ValidationError({"bond_status": _("Choose what is known of the bond.")})
    amount = values.bond_amount
    if values.bond_status == BondStatus.SET:
        if amount is None:
            raise ValidationError({"bond_amount": _("Give the amount the bond was set at.")})
        if not Decimal(1) <= amount <= MAX_BOND or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError({"bond_amount": _("Give the amount in dollars and cents.")})
    else:
        amount = None  # an amount means a bond was set
    return LegalPath(
        held_at=clean_text(values.held_at, "held_at", SHORT_TEXT),
        bond_status=values.bond_status,
        bond_amount=amount,
        referral_to=clean_text(values.referral_to, "referral_to", SHORT_TEXT),
        referred_on=values.referred_on,
        referral_note=clean_text(values.referral_note, "referral_note"),
    )


def do_set_legal_path(case: Case, values: LegalPath, *, by: User) -> Case:
    cleaned = clean_path(values)
    with transaction.atomic():
        found = locked_open(case)
        changes_bond = cleaned.bond_status != found.bond_status or cleaned.bond_amount != found.bond_amount
        if changes_bond and bonds.requests_for(SOURCE, found.uuid).filter(state__in=LIVE_BOND_STATES).exists():
            raise CaseError(
                _("The bond is requested from the fund: withdraw the request before changing it."),
                code="bond_requested",
            )
        for name in ("held_at", "bond_status", "bond_amount", "referral_to", "referred_on", "referral_note"):
            setattr(found, name, getattr(cleaned, name))
        found.save()
        record(found, AuditAction.CHANGED, by, fields=["legal_path"], bond=cleaned.bond_status)
    return found


def do_add_hearing(case: Case, kind: str, on: date, note: str, *, by: User) -> Hearing:
    if kind not in HearingKind.values:
        raise ValidationError({"kind": _("Choose a kind of hearing.")})
    note = clean_text(note, "note")
    with transaction.atomic():
        found = locked_open(case)
        hearing = Hearing.objects.create(case=found, kind=kind, on=on, note=note)
        record(found, AuditAction.CHANGED, by, hearing=str(hearing.uuid), kind=kind)
    return hearing


def do_remove_hearing(case: Case, hearing: Hearing, *, by: User) -> None:
    """A hearing entered by mistake, or moved (enter the new date as a new one)."""
    with transaction.atomic():
        found = locked_open(case)
        if Hearing.objects.filter(pk=hearing.pk, case=found).delete()[0]:
            record(found, AuditAction.CHANGED, by, hearing=str(hearing.uuid), state="removed")


# The identifiers needed to find the detained person.


@dataclass(frozen=True)
class Identifiers:
    a_number: str = ""
    name_on_record: str = ""
    country_of_birth: str = ""
    booking_number: str = ""


def clean_a_number(text: str) -> str:
    """An A-number as ICE's locator takes it: 8 or 9 digits (written with dashes, spaces or an A, or not)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    rest = "".join(ch for ch in text if not ch.isdigit() and ch not in " -").upper()
    if not text.strip():
        return ""
    if rest not in ("", "A") or len(digits) not in (8, 9):
        raise ValidationError({"a_number": _("An A-number has 8 or 9 digits.")})
    return digits.zfill(9)


def do_set_identifiers(case: Case, values: Identifiers, *, by: User) -> Case:
    cleaned = {
        "a_number": clean_a_number(values.a_number),
        **{
            name: clean_text(getattr(values, name), name, IDENTIFIER_TEXT)
            for name in ("name_on_record", "country_of_birth", "booking_number")
        },
    }
    with transaction.atomic():
        found = locked_open(case)
        for name, value in cleaned.items():
            setattr(found, name, value)
        found.save(update_fields=[*IDENTIFIERS, "updated_at"])
        record(found, AuditAction.CHANGED, by, fields=[name for name, value in cleaned.items() if value])
    return found


# The team.


def do_add_member(case: Case, user: User, *, by: User) -> None:
    """Put `user` on the team: only an account that works cases (case_access.team_candidates)."""
    if not team_candidates().filter(pk=user.pk).exists():
        raise ValidationError({"user": _("Only a dispatcher or a case worker can be on a case's team.")})
    with transaction.atomic():
        found = locked_open(case)
        if not found.team.filter(pk=user.pk).exists():
            found.team.add(user)
            record(found, AuditAction.CHANGED, by, member=str(user.uuid), team="added")


def do_remove_member(case: Case, user: User, *, by: User) -> None:
    """Take `user` off the team (themself included); the last member stays."""
    with transaction.atomic():
        found = locked_open(case)
        if not found.team.filter(pk=user.pk).exists():
            return
        if found.team.count() == 1:
            raise CaseError(_("A case keeps at least one person on its team."), code="last_member")
        found.team.remove(user)
        record(found, AuditAction.CHANGED, by, member=str(user.uuid), team="removed")


# The bond.


def payer_note_of(case: Case) -> str:
    """What the bond office needs to know, from the case: where, and whom (the name and A-number on record)."""
    lines = [
        (_("Held at"), str(case.held_at)),
        (_("Name as on record"), str(case.name_on_record)),
        (_("A-number"), str(case.a_number)),
        (_("Country of birth"), str(case.country_of_birth)),
    ]
    return "\n".join(f"{label}: {value}" for label, value in lines if value)


def do_request_bond(case: Case, *, due_on: date | None, payer_note: str, by: User) -> BondRequest:
    """Ask the fund to pay the bond set (core.bonds); the note for the payer is the case's own when left empty."""
    payer_note = clean_text(payer_note, "payer_note")
    with transaction.atomic():
        found = locked_open(case)
        if found.bond_status != BondStatus.SET or found.bond_amount is None:
            raise CaseError(_("Set the bond's amount on the legal path first."), code="no_bond_set")
        try:
            request = bonds.do_request_bond(
                source=SOURCE,
                reference=found.uuid,
                amount=found.bond_amount,
                due_on=due_on,
                payer_note=payer_note or payer_note_of(found),
                actor=str(by.uuid),
            )
        except bonds.BondRequestRefused:
            raise CaseError(_("The bond is requested already."), code="bond_requested") from None
        record(found, AuditAction.CHANGED, by, bond_request=str(request.uuid))
    return request


def do_withdraw_bond(case: Case, *, by: User) -> bool:
    """Call off the case's bond request not yet paid; False when there was none."""
    with transaction.atomic():
        found = locked_open(case)
        live = bonds.requests_for(SOURCE, found.uuid).exclude(
            state__in=[BondRequestState.PAID, BondRequestState.WITHDRAWN]
        )
        withdrawn = [request.uuid for request in live if bonds.do_withdraw(request.uuid, actor=str(by.uuid))]
        if withdrawn:
            record(found, AuditAction.CHANGED, by, bond_request=str(withdrawn[0]), state="withdrawn")
    return bool(withdrawn)


def bond_requests(case: Case) -> list[BondRequest]:
    return list(bonds.requests_for(SOURCE, case.uuid))


# Closing.


def do_close_case(case: Case, *, by: User | None) -> Case:
    """Close the case: the identifiers go at once, a bond request not picked up is withdrawn, the payer's notes go.

    Refused while a fund is paying the bond (picked up, not yet paid): withdraw it or wait.
    """
    actor = str(by.uuid) if by is not None else audit.SYSTEM
    with transaction.atomic():
        found = locked_open(case)
        requests = bonds.requests_for(SOURCE, found.uuid)
        if requests.filter(state=BondRequestState.PICKED_UP).exists():
            raise CaseError(
                _("A fund is paying this bond: withdraw the request or wait until it is paid."),
                code="bond_in_progress",
            )
        for request in requests.filter(state=BondRequestState.REQUESTED):
            bonds.do_withdraw(request.uuid, actor=actor)
        bonds.do_blank_notes(SOURCE, [found.uuid])
        for name in IDENTIFIERS:
            setattr(found, name, "")
        found.state = CaseState.CLOSED
        found.closed_at = timezone.now()
        found.save(update_fields=[*IDENTIFIERS, "state", "closed_at", "updated_at"])
        record(found, AuditAction.CHANGED, by, state=CaseState.CLOSED)
    return found
