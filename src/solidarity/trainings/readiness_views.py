"""The readiness page: the chart, the table of the same numbers, who should refresh each skill and one button
to invite them to the skill's next session. Who sees what is trainings.readiness's (the counts for
coordinators, names for roster readers); the invitation is its do_invite_to_refresher.
"""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.bilingual import text_of
from solidarity.core.models import Zone
from solidarity.core.permissions import Role, anywhere, permission, roles_by_group
from solidarity.core.zones import network_zones
from solidarity.trainings.charts import readiness_chart
from solidarity.trainings.readiness import (
    VIEWERS,
    do_invite_to_refresher,
    invitable_session,
    inviter_role,
    readiness_for,
    zone_for,
)

SEES_READINESS = anywhere(*VIEWERS)


class ZoneFilter(forms.Form):
    zone = forms.ModelChoiceField(
        label=gettext_lazy("Zone"),
        queryset=Zone.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("The whole network"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone: Any = self.fields["zone"]
        zone.queryset = network_zones()
        zone.label_from_instance = lambda obj: text_of(obj, "name")

    def chosen(self) -> Zone | None:
        return self.cleaned_data.get("zone") if self.is_valid() else None


class InviteForm(forms.Form):
    session = forms.UUIDField()
    zone = forms.SlugField(required=False)


@require_GET
@permission(SEES_READINESS)
def readiness_page(request: HttpRequest) -> HttpResponse:
    """Per skill: current, expiring, awaiting sign-off, lapsed (a chart and a table); contacts not confirmed
    lately; for roster readers, who should refresh and the next session to invite them to."""
    user = signed_in(request)
    form = ZoneFilter(request.GET or None)
    zone = form.chosen()
    seen = readiness_for(user, zone)
    title = _("Readiness by skill")
    if zone is not None:
        title = _("Readiness by skill in %(zone)s") % {"zone": text_of(zone, "name")}
    context = {"form": form, "seen": seen, "chart": readiness_chart(seen.skills, title), "title": title}
    context["new_session_group"] = next(
        (slug for slug, held in sorted(roles_by_group(user).items()) if Role.COORDINATOR in held), ""
    )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "trainings/readiness.html", context, status=status)


@require_POST
@permission(SEES_READINESS)
def invite(request: HttpRequest) -> HttpResponse:
    """The button: invite everyone listed for the session's skill (in the page's zone) to that session."""
    user = signed_in(request)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a training to invite them to."))
        return redirect("trainings:readiness")
    zone = zone_for(form.cleaned_data["zone"] or "")
    session = invitable_session(user, form.cleaned_data["session"])
    try:
        count = do_invite_to_refresher(session, zone, by=user, role=inviter_role(user))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        text = ngettext(
            "%(count)d person was invited to %(title)s.", "%(count)d people were invited to %(title)s.", count
        )
        messages.success(request, text % {"count": count, "title": session.title})
    query = f"?{urlencode({'zone': zone.slug})}" if zone is not None else ""
    return redirect(reverse("trainings:readiness") + query)
