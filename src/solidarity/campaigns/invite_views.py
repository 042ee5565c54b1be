"""The organisers' invitations page: the campaign's invitations and their reminders (its group's members), and the
form that sends one (its organisers). Works without JavaScript; a refusal comes back on the form (400) with
what was chosen; to anyone else the campaign does not exist (404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from solidarity.accounts.access import signed_in
from solidarity.campaigns.access import (
    CAMPAIGN_MEMBER,
    CAMPAIGN_ORGANISER,
    ORGANISERS,
    access_campaign,
    access_campaign_scoped,
)
from solidarity.campaigns.invite import do_invite, invitations_of
from solidarity.campaigns.invite_forms import InvitationForm
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import permission


@require_GET
@permission(CAMPAIGN_MEMBER)
def invitations(request: HttpRequest, campaign: str) -> HttpResponse:
    """The campaign's invitations, newest first: how each went, how many it reached, its reminder."""
    scoped = access_campaign_scoped(signed_in(request), campaign)
    context = {
        "campaign": scoped.obj,
        "invitations": list(invitations_of(scoped.obj)),
        "organiser": scoped.has(*ORGANISERS),
    }
    return render(request, "campaigns/invitations.html", context)


@require_http_methods(["GET", "POST"])
@permission(CAMPAIGN_ORGANISER)
def invite(request: HttpRequest, campaign: str) -> HttpResponse:
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    form = InvitationForm(found, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = do_invite(found, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            count = made.reached
            messages.success(
                request,
                ngettext("The invitation went to %(count)d person.", "The invitation went to %(count)d people.", count)
                % {"count": count},
            )
            return redirect("campaigns:invitations", campaign=found.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/invite_form.html", {"campaign": found, "form": form}, status=status)
