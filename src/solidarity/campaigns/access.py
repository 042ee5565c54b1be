"""Fetching the campaigns a request may touch: every access_* checks first.

A campaign belongs to a working group. Its coordinators organise it (targets, scripts, the second check,
consent, going live, closing); its group's members see the organisers' page. Callers reach a live or closed
campaign by its code: anyone when it is public, any signed-in account when it is for members. To anyone
else, the campaign does not exist (Http404).
"""

from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from solidarity.accounts.models import WorkingGroup
from solidarity.campaigns.models import Call, Campaign, Line, State, Target, Visibility
from solidarity.core import audit
from solidarity.core.codes import as_uuid, is_uuid
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, Scoped, access_scoped, owner_role, roles_in

ORGANISERS = (Role.COORDINATOR,)


def find_campaign(campaign: str | UUID) -> Campaign | None:
    """The campaign named by its code (any case) or its uuid."""
    found = Campaign.objects.select_related("group")
    if isinstance(campaign, UUID) or is_uuid(str(campaign)):
        return found.filter(uuid=as_uuid(campaign)).first()
    code = str(campaign).strip()
    if not code.isalnum() or len(code) > 8:  # no code is longer, and no query for what is none
        return None
    return found.filter(code=code.upper()).first()


def access_campaign_scoped(user: AnyUser, campaign: str | UUID) -> Scoped[Campaign]:
    """The campaign, with the caller's roles in its group; Http404 for anyone not in that group."""
    return access_scoped(
        user, ("campaigns.campaign", str(campaign)), lambda: find_campaign(campaign), lambda found: found.group.slug
    )


def access_campaign(user: AnyUser, campaign: str | UUID, *roles: Role) -> Campaign:
    """The campaign, when the caller holds one of `roles` in its group (any membership when none are given)."""
    scoped = access_campaign_scoped(user, campaign)
    if roles and not scoped.has(*roles):
        raise Http404
    return scoped.obj


def access_callable(user: AnyUser, campaign: str | UUID) -> Campaign:
    """A campaign as its callers reach it: live or closed (its report-back), public or, for members, to any
    signed-in account; its group's members reach it in any state. Http404 otherwise."""
    found = find_campaign(campaign)
    if found is None:
        raise Http404
    if user.is_authenticated:
        try:
            return access_campaign(user, found.uuid)
        except Http404:
            pass
    if found.state == State.DRAFT and found.went_live_at is None:
        raise Http404
    if found.visibility == Visibility.PUBLIC or user.is_authenticated:
        return found
    raise Http404


def with_counts(found: "QuerySet[Campaign]") -> "QuerySet[Campaign]":
    """Campaigns with how many offices each has (`target_count`), and how many are checked (`checked_count`)."""
    return found.select_related("group").annotate(
        target_count=Count("targets"), checked_count=Count("targets", filter=Q(targets__checked_at__isnull=False))
    )


def group_campaigns(group: WorkingGroup) -> "QuerySet[Campaign]":
    """A group the caller reached through access_group: its campaigns, latest first, with their counts."""
    return with_counts(Campaign.objects.filter(group=group)).order_by("-starts_at", "pk")


def counted(campaign: Campaign) -> Campaign:
    """The campaign (reached through an access_* function) read again, with its counts."""
    return with_counts(Campaign.objects.filter(pk=campaign.pk)).get()


def access_subject(user: AnyUser, campaign: str | UUID) -> Campaign:
    """The campaign, for reading the name and identifiers of the person it is for: its organisers only,
    audited as seen (ids only). Http404 for anyone else."""
    found = access_campaign(user, campaign, *ORGANISERS)
    audit.record(
        actor=str(getattr(user, "uuid", audit.SYSTEM)),
        role=str(Role.COORDINATOR),
        action=AuditAction.VIEWED,
        object_type="campaigns.subject",
        object_ids=[found.uuid],
        detail={"named": bool(found.subject_name)},
    )
    return found


def targets_of(campaign: Campaign) -> "QuerySet[Target]":
    """A campaign's offices (reached through an access_* function), in its order, with their numbers."""
    return campaign.targets.prefetch_related("lines").order_by("position", "pk")


def target_of(campaign: Campaign, wanted: str | UUID) -> Target:
    """One of the campaign's offices by its uuid; Http404 otherwise."""
    if not is_uuid(str(wanted)):
        raise Http404
    found = campaign.targets.filter(uuid=as_uuid(wanted)).prefetch_related("lines").first()
    if found is None:
        raise Http404
    found.campaign = campaign
    return found


def line_of(campaign: Campaign, wanted: str | UUID) -> Line:
    """One of the campaign's numbers by its uuid; Http404 otherwise."""
    if not is_uuid(str(wanted)):
        raise Http404
    found = Line.objects.filter(target__campaign=campaign, uuid=as_uuid(wanted)).select_related("target").first()
    if found is None:
        raise Http404
    found.target.campaign = campaign
    return found


def call_of(campaign: Campaign, wanted: str | UUID) -> Call:
    """One of the campaign's calls (an office given to a caller) by its uuid; Http404 otherwise."""
    if not is_uuid(str(wanted)):
        raise Http404
    found = Call.objects.filter(campaign=campaign, uuid=as_uuid(wanted)).select_related("target", "line").first()
    if found is None:
        raise Http404
    found.campaign = found.target.campaign = campaign
    return found


def subject_of(user: AnyUser, campaign: Campaign) -> tuple[str, str]:
    """The person's name and identifiers as written, for the campaign's organisers (access_subject: audited)."""
    found = access_subject(user, campaign.uuid)
    return str(found.subject_name), str(found.subject_identifiers)


def may_hear_campaign(user: AnyUser, rest: str) -> bool:
    """The organisers' live channel ("campaign:<uuid>", calling.channel): the campaign's group's members.
    Its events carry ids and totals, no caller."""
    found = find_campaign(rest) if is_uuid(rest) else None
    return found is not None and bool(roles_in(user, found.group.slug))


# Permissions for views and operations that name a campaign in their URL as <campaign>.
CAMPAIGN_MEMBER = owner_role(Role.MEMBER, access=access_campaign_scoped, kwarg="campaign")
CAMPAIGN_ORGANISER = owner_role(*ORGANISERS, access=access_campaign_scoped, kwarg="campaign")
