"""The organisers' pages: a group's campaigns, and a campaign's page (its offices, numbers, tallies, state)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from solidarity.accounts.access import access_group, signed_in
from solidarity.campaigns.access import CAMPAIGN_MEMBER, ORGANISERS, access_campaign_scoped
from solidarity.campaigns.tallies import tally_of
from solidarity.core.permissions import Role, permission, role, roles_in

GROUP_MEMBER = role(Role.MEMBER)


@require_GET
@permission(GROUP_MEMBER)
def group_campaigns(request: HttpRequest, group: str) -> HttpResponse:
    """The group's campaigns, newest first, with their state."""
    user = signed_in(request)
    found = access_group(user, group, Role.MEMBER)
    organiser = Role.COORDINATOR in roles_in(user, found.slug)
    campaigns = list(found.campaigns.all())
    return render(request, "campaigns/list.html", {"group": found, "campaigns": campaigns, "organiser": organiser})


@require_GET
@permission(CAMPAIGN_MEMBER)
def campaign_page(request: HttpRequest, campaign: str) -> HttpResponse:
    """The campaign's state, window, offices with their numbers and live status, and its tallies."""
    scoped = access_campaign_scoped(signed_in(request), campaign)
    context = {"campaign": scoped.obj, "tally": tally_of(scoped.obj), "organiser": scoped.has(*ORGANISERS)}
    return render(request, "campaigns/campaign.html", context)
