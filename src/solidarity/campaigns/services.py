"""Campaigns and their targets: setting them up, the second organiser's check, consent, going live, closing.

Every change records its audit entry (ids, states and field names; never a name, an identifier, a number
or a script). A change to a target's numbers, hours or script unchecks it (`editors` records who made it):
callers are given only targets a second organiser checked since their last change.
"""

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns.invite_models import Invitee
from solidarity.campaigns.models import (
    TEXT_LENGTH,
    TITLE_LENGTH,
    Call,
    Campaign,
    ConsentFrom,
    Line,
    Result,
    SmsCaller,
    State,
    Target,
    TargetKind,
    Visibility,
)
from solidarity.campaigns.scripts import names, names_the_person, script_errors, text_errors
from solidarity.core import audit, permissions
from solidarity.core.codes import unique_code
from solidarity.core.models import AuditAction
from solidarity.core.permissions import Role
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings

ORGANISERS = (Role.COORDINATOR,)
MAX_TARGETS = 30
MAX_LINES = 5
PUBLIC_TEXTS = ("title_en", "title_es", "goal_en", "goal_es", "intro_en", "intro_es")


def acting_role(by: User | None, group: WorkingGroup) -> str:
    """The role the audit log keeps for `by` in the campaign's group: coordinator or member."""
    return permissions.acting_role(by, group.slug, *ORGANISERS)


def audited(
    by: User | None,
    campaign: Campaign,
    action: AuditAction,
    object_type: str,
    ids: Iterable[UUID] = (),
    detail: Mapping[str, str | int | bool | list[str]] | None = None,
) -> None:
    audit.record(
        actor=str(by.uuid) if by else audit.SYSTEM,
        role=acting_role(by, campaign.group),
        action=action,
        object_type=object_type,
        object_ids=[campaign.uuid, *ids],
        detail=dict(detail or {}),
    )


def locked(campaign: Campaign) -> Campaign:
    """The campaign's row, locked for the caller's transaction: its state changes one at a time."""
    return Campaign.objects.select_for_update().select_related("group").get(pk=campaign.pk)


# Campaigns.


@dataclass
class CampaignValues:
    title_en: str = ""
    title_es: str = ""
    goal_en: str = ""
    goal_es: str = ""
    intro_en: str = ""
    intro_es: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    visibility: str = Visibility.MEMBERS
    has_public_counter: bool = False


def check_campaign(values: CampaignValues, campaign: Campaign | None = None) -> tuple[datetime, datetime]:
    """ValidationError by field; the window, when calls begin and end."""
    errors: dict[str, list[str]] = {}
    if not (values.title_en.strip() or values.title_es.strip()):
        errors["title_en"] = [_("Give the campaign a title, in English or in Spanish.")]
    for name in PUBLIC_TEXTS:
        text = getattr(values, name)
        limit = TITLE_LENGTH if name.startswith("title") else TEXT_LENGTH
        if len(text) > limit:
            errors.setdefault(name, []).append(_("At most %(limit)d characters.") % {"limit": limit})
        found = text_errors(text, str(campaign.subject_name) if campaign else "")
        if found:
            errors.setdefault(name, []).extend(found)
    if values.starts_at is None:
        errors["starts_at"] = [_("Say when calls begin.")]
    if values.ends_at is None:
        errors["ends_at"] = [_("Say when calls end.")]
    elif values.starts_at is not None and values.ends_at <= values.starts_at:
        errors["ends_at"] = [_("Calls must end after they begin.")]
    if values.visibility not in Visibility.values:
        errors["visibility"] = [_("Choose who may call.")]
    if campaign is not None and campaign.state == State.CLOSED:
        errors["__all__"] = [_("This campaign is closed.")]
    if errors or values.starts_at is None or values.ends_at is None:
        raise ValidationError(errors)
    return values.starts_at, values.ends_at


def do_create_campaign(group: WorkingGroup, values: CampaignValues, *, by: User | None) -> Campaign:
    """A new campaign of `group`, being prepared (no target yet)."""
    starts_at, ends_at = check_campaign(values)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            group=group,
            code=unique_code(Campaign, "code"),
            created_by=by,
            starts_at=starts_at,
            ends_at=ends_at,
            visibility=values.visibility,
            has_public_counter=values.has_public_counter,
            **{name: getattr(values, name).strip() for name in PUBLIC_TEXTS},
        )
        audited(by, campaign, AuditAction.CREATED, "campaigns.campaign", detail={"visibility": campaign.visibility})
    return campaign


def do_update_campaign(campaign: Campaign, values: CampaignValues, *, by: User | None) -> Campaign:
    check_campaign(values, campaign)
    with transaction.atomic():
        campaign = locked(campaign)
        check_campaign(values, campaign)
        changed = [name for name in PUBLIC_TEXTS if getattr(campaign, name) != getattr(values, name).strip()]
        for name in PUBLIC_TEXTS:
            setattr(campaign, name, getattr(values, name).strip())
        for name in ("starts_at", "ends_at", "visibility", "has_public_counter"):
            if getattr(campaign, name) != getattr(values, name):
                changed.append(name)
            setattr(campaign, name, getattr(values, name))
        campaign.save()
        audited(by, campaign, AuditAction.CHANGED, "campaigns.campaign", detail={"fields": changed})
    return campaign


def do_go_live(campaign: Campaign, *, by: User | None) -> Campaign:
    """Open the campaign to callers: it needs a checked target and a window not yet over."""
    with transaction.atomic():
        campaign = locked(campaign)
        if campaign.state != State.DRAFT:
            raise ValidationError(_("Only a campaign being prepared can go live."), code="state")
        if campaign.ends_at <= timezone.now():
            raise ValidationError(_("Its calls were to end in the past: set a new end first."), code="window")
        if not campaign.targets.filter(checked_at__isnull=False, lines__isnull=False).exists():
            raise ValidationError(
                _("A second organiser must check at least one office's numbers and script first."), code="unchecked"
            )
        campaign.state = State.LIVE
        campaign.went_live_at = campaign.went_live_at or timezone.now()
        campaign.save(update_fields=["state", "went_live_at"])
        audited(by, campaign, AuditAction.CHANGED, "campaigns.campaign", detail={"state": campaign.state})
    return campaign


def do_pause(campaign: Campaign, *, by: User | None) -> Campaign:
    """Stop giving targets to callers for now (a live campaign back to being prepared)."""
    with transaction.atomic():
        campaign = locked(campaign)
        if campaign.state != State.LIVE:
            raise ValidationError(_("Only a live campaign can be paused."), code="state")
        campaign.state = State.DRAFT
        campaign.save(update_fields=["state"])
        audited(by, campaign, AuditAction.CHANGED, "campaigns.campaign", detail={"state": campaign.state})
    return campaign


def do_close_campaign(campaign: Campaign, result: str, result_en: str, result_es: str, *, by: User | None) -> Campaign:
    """Close for good and record the outcome: the person's name and identifiers are deleted, callers by text
    and the people invitations reached (kept for a reminder) are forgotten, and calls still waiting for an
    outcome stay uncounted."""
    errors: dict[str, list[str]] = {}
    if result not in Result.values:
        errors["result"] = [_("Say how the campaign ended.")]
    for name, text in (("result_en", result_en), ("result_es", result_es)):
        if len(text) > TEXT_LENGTH:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": TEXT_LENGTH}]
        elif names_in := text_errors(text, str(campaign.subject_name)):
            errors[name] = names_in
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = locked(campaign)
        if campaign.state == State.CLOSED:
            raise ValidationError(_("This campaign is closed."), code="state")
        campaign.state = State.CLOSED
        campaign.closed_at = timezone.now()
        campaign.result = result
        campaign.result_en = result_en.strip()
        campaign.result_es = result_es.strip()
        campaign.subject_name = ""
        campaign.subject_identifiers = ""
        campaign.save()
        SmsCaller.objects.filter(campaign=campaign).delete()
        Invitee.objects.filter(invitation__campaign=campaign).delete()  # kept for an invitation's reminder only
        audited(
            by, campaign, AuditAction.CHANGED, "campaigns.campaign", detail={"state": State.CLOSED, "result": result}
        )
    return campaign


# The person the campaign is for, and consent.


def do_set_subject(campaign: Campaign, name: str, identifiers: str, *, by: User | None) -> Campaign:
    """Who the campaign is for (both may be blank). A different name or identifiers needs consent again."""
    name, identifiers = " ".join(name.split())[:120], " ".join(identifiers.split())[:200]
    with transaction.atomic():
        campaign = locked(campaign)
        if campaign.state == State.CLOSED:
            raise ValidationError(_("This campaign is closed."), code="state")
        texts = [getattr(campaign, each) for each in PUBLIC_TEXTS]
        texts += [script for target in campaign.targets.all() for script in (target.script_en, target.script_es)]
        if any(names_the_person(text, name) for text in texts):
            raise ValidationError(
                {
                    "subject_name": [
                        _("A text of the campaign writes this name out: write %(person)s there first.") % names()
                    ]
                }
            )
        changed = str(campaign.subject_name) != name or str(campaign.subject_identifiers) != identifiers
        campaign.subject_name = name
        campaign.subject_identifiers = identifiers
        fields = ["subject_name", "subject_identifiers"]
        if changed:
            campaign.consent_from, campaign.consent_at, campaign.consent_by = "", None, None
            campaign.lawyer_consent_at, campaign.lawyer_consent_by = None, None
            fields += ["consent_from", "consent_at", "consent_by", "lawyer_consent_at", "lawyer_consent_by"]
        campaign.save(update_fields=fields)
        detail = {"named": bool(name), "identifiers": bool(identifiers), "consent_cleared": changed}
        audited(by, campaign, AuditAction.CHANGED, "campaigns.subject", detail=detail)
    return campaign


def do_record_consent(campaign: Campaign, *, lawyer: bool, consent_from: str = "", by: User | None) -> Campaign:
    """Record the person's or their family's consent (`consent_from`), or their lawyer's (`lawyer`)."""
    if not lawyer and consent_from not in ConsentFrom.values:
        raise ValidationError({"consent_from": [_("Say whether the person or their family gave consent.")]})
    with transaction.atomic():
        campaign = locked(campaign)
        if campaign.state == State.CLOSED:
            raise ValidationError(_("This campaign is closed."), code="state")
        if not campaign.subject_name:
            raise ValidationError(_("Write the person's name first: consent is to give that name."), code="unnamed")
        now = timezone.now()
        if lawyer:
            campaign.lawyer_consent_at, campaign.lawyer_consent_by = now, by
        else:
            campaign.consent_from, campaign.consent_at, campaign.consent_by = consent_from, now, by
        campaign.save()
        detail: dict[str, str | bool] = {"lawyer": lawyer, "from": consent_from, "named": campaign.is_named}
        audited(by, campaign, AuditAction.CHANGED, "campaigns.consent", detail=detail)
    return campaign


def do_withdraw_consent(campaign: Campaign, *, by: User | None) -> Campaign:
    """Consent withdrawn: the name and identifiers stop showing at once (they stay for the organisers)."""
    with transaction.atomic():
        campaign = locked(campaign)
        campaign.consent_from, campaign.consent_at, campaign.consent_by = "", None, None
        campaign.lawyer_consent_at, campaign.lawyer_consent_by = None, None
        campaign.save()
        audited(by, campaign, AuditAction.CHANGED, "campaigns.consent", detail={"withdrawn": True})
    return campaign


# Targets.


@dataclass
class LineValues:
    phone: str
    label: str = ""


@dataclass
class TargetValues:
    name_en: str = ""
    name_es: str = ""
    kind: str = TargetKind.OTHER
    script_en: str = ""
    script_es: str = ""
    time_zone: str = ""
    weekdays: str = "12345"
    opens_at: time = time(9)
    closes_at: time = time(17)
    is_always_open: bool = False
    lines: list[LineValues] = field(default_factory=list)


def check_target(campaign: Campaign, values: TargetValues) -> list[LineValues]:
    """ValidationError by field; the lines with their numbers in E.164."""
    errors: dict[str, list[str]] = {}
    if not (values.name_en.strip() or values.name_es.strip()):
        errors["name_en"] = [_("Name the office, in English or in Spanish.")]
    if values.kind not in TargetKind.values:
        errors["kind"] = [_("Choose the kind of office.")]
    if not (values.script_en.strip() or values.script_es.strip()):
        errors["script_en"] = [_("Write what callers say, in English or in Spanish.")]
    for name in ("script_en", "script_es"):
        found = script_errors(getattr(values, name), str(campaign.subject_name))
        if found:
            errors[name] = found
    try:
        zoneinfo.ZoneInfo(values.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder: IsADirectoryError
        errors["time_zone"] = [_("Choose a time zone, such as America/New_York.")]
    if not values.is_always_open:
        if not values.weekdays or any(day not in "1234567" for day in values.weekdays):
            errors["weekdays"] = [_("Choose the days the office is open.")]
        if values.opens_at == values.closes_at:
            errors["closes_at"] = [_("The office must close at another time than it opens.")]
    lines = check_lines(values.lines, errors)
    if errors:
        raise ValidationError(errors)
    return lines


def check_lines(given: list[LineValues], errors: dict[str, list[str]]) -> list[LineValues]:
    region = get_network_settings().phone_region
    lines: list[LineValues] = []
    for each in given:
        if not each.phone.strip():
            continue
        number = dialable(each.phone.strip(), region)
        if number is None:
            errors.setdefault("lines", []).append(_("%(number)s is not a phone number.") % {"number": each.phone})
        elif number.e164 in [line.phone for line in lines]:
            errors.setdefault("lines", []).append(_("%(number)s is given twice.") % {"number": each.phone})
        else:
            lines.append(LineValues(number.e164, " ".join(each.label.split())[:60]))
    if not lines and "lines" not in errors:
        errors["lines"] = [_("Give the office's phone number.")]
    if len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %(count)d numbers for one office.") % {"count": MAX_LINES}]
    return lines


TARGET_FIELDS = ("name_en", "name_es", "kind", "script_en", "script_es", "time_zone", "weekdays")
HOURS_FIELDS = ("opens_at", "closes_at", "is_always_open")


def do_add_target(campaign: Campaign, values: TargetValues, *, by: User | None) -> Target:
    """A new office for the campaign, unchecked until a second organiser checks it."""
    lines = check_target(campaign, values)
    with transaction.atomic():
        campaign = locked(campaign)
        if campaign.state == State.CLOSED:
            raise ValidationError(_("This campaign is closed."), code="state")
        if campaign.targets.count() >= MAX_TARGETS:
            raise ValidationError(
                _("At most %(count)d offices in one campaign.") % {"count": MAX_TARGETS}, code="too_many"
            )
        last = campaign.targets.aggregate(last=Max("position"))["last"]
        target = Target.objects.create(
            campaign=campaign,
            position=0 if last is None else last + 1,
            editors=[by.pk] if by else [],
            **{name: str(getattr(values, name)).strip() for name in TARGET_FIELDS},
            **{name: getattr(values, name) for name in HOURS_FIELDS},
        )
        Line.objects.bulk_create(
            Line(target=target, position=index, phone=line.phone, label=line.label) for index, line in enumerate(lines)
        )
        audited(by, campaign, AuditAction.CREATED, "campaigns.target", [target.uuid], {"lines": len(lines)})
    return target


def do_update_target(target: Target, values: TargetValues, *, by: User | None) -> Target:
    """Change an office: what changed unchecks it. A number kept keeps its live status; one dropped goes."""
    campaign = target.campaign
    lines = check_target(campaign, values)
    with transaction.atomic():
        locked(campaign)
        target = Target.objects.select_for_update().get(pk=target.pk)
        changed = [name for name in TARGET_FIELDS if getattr(target, name) != str(getattr(values, name)).strip()]
        changed += [name for name in HOURS_FIELDS if getattr(target, name) != getattr(values, name)]
        kept = {line.phone: line for line in target.lines.all()}
        if [line.phone for line in lines] != list(kept) or any(
            kept[line.phone].label != line.label for line in lines if line.phone in kept
        ):
            changed.append("lines")
        if not changed:
            return target
        for name in TARGET_FIELDS:
            setattr(target, name, str(getattr(values, name)).strip())
        for name in HOURS_FIELDS:
            setattr(target, name, getattr(values, name))
        target.checked_at, target.checked_by = None, None
        if by is not None and by.pk not in target.editors:
            target.editors = [*target.editors, by.pk]
        target.save()
        Line.objects.filter(target=target).exclude(phone__in=[line.phone for line in lines]).delete()
        for index, line in enumerate(lines):
            Line.objects.update_or_create(
                target=target, phone=line.phone, defaults={"position": index, "label": line.label}
            )
        audited(by, campaign, AuditAction.CHANGED, "campaigns.target", [target.uuid], {"fields": changed})
    return target


def do_remove_target(target: Target, *, by: User | None) -> None:
    """Take an office out of the campaign; its calls go with it (the campaign's tallies lose them)."""
    campaign = target.campaign
    with transaction.atomic():
        locked(campaign)
        ids = [target.uuid]
        calls = Call.objects.filter(target=target).count()
        target.delete()
        audited(by, campaign, AuditAction.DELETED, "campaigns.target", ids, {"calls": calls})


def do_check_target(target: Target, *, by: User) -> Target:
    """A second organiser checked the office's numbers and script: callers may be given it now.

    Refused to anyone who changed them since the last check: the check guards against a mistake and against
    a fake, so it is never one's own."""
    campaign = target.campaign
    with transaction.atomic():
        locked(campaign)
        target = Target.objects.select_for_update().get(pk=target.pk)
        if by.pk in target.editors:
            raise ValidationError(
                _("You changed this office's numbers or script: another organiser must check them."),
                code="own_change",
            )
        if target.checked_at is None:
            target.checked_at, target.checked_by, target.editors = timezone.now(), by, []
            target.save(update_fields=["checked_at", "checked_by", "editors"])
            audited(by, campaign, AuditAction.CHANGED, "campaigns.target", [target.uuid], {"checked": True})
    return target


def do_confirm_line(line: Line, *, by: User | None) -> Line:
    """An organiser called the number and it is right: wrong-number reports start again from none."""
    campaign = line.target.campaign
    with transaction.atomic():
        line = Line.objects.select_for_update().get(pk=line.pk)
        reports = line.wrong_reports
        line.wrong_reports = 0
        line.save(update_fields=["wrong_reports"])
        audited(by, campaign, AuditAction.CHANGED, "campaigns.line", [line.uuid], {"wrong_reports_cleared": reports})
    return line
