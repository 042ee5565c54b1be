"""The public pages of actions, made for circulation: anyone's, with no account and no JavaScript.

- the list of published actions still to come (`/<lang>/a/`);
- an action's page (`/<lang>/a/<code>/`): what, when (in the network's time zone), where to gather, what to bring,
  know your rights, the contact address, the sign-up for updates, the donation page, the jail-support number to
  write on an arm, its calendar file and its flyer. In the URL's language, each text in it else the other one.
- its iCalendar file and its printable flyer (PDF, `?paper=letter|a4&layout=bilingual|sides`).

Only what organisers wrote for the public shows: never a slot, a sign-up, an organiser's name or the checklist.
A draft does not exist here (404); a cancelled action's page stays, saying so first; an action over says so.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from solidarity.core.downloads import CALENDAR, PDF, file_response
from solidarity.core.flyers import Layout, Paper
from solidarity.core.permissions import permission
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings
from solidarity.events import calendar
from solidarity.events.access import access_public_action, public_actions
from solidarity.events.flyer import flyer
from solidarity.events.models import Action
from solidarity.lists.models import AnnouncementList

PAPERS = [(Paper.LETTER.value, _("Letter (US)")), (Paper.A4.value, _("A4"))]
LAYOUTS = [
    (Layout.BILINGUAL.value, _("Both languages side by side")),
    (Layout.SIDES.value, _("One language per side (print on both sides)")),
]
MAX_LISTED = 100


class FlyerForm(forms.Form):
    """The paper and the layout; missing, letter and both languages side by side."""

    paper = forms.ChoiceField(label=_("Paper"), choices=PAPERS, required=False)
    layout = forms.ChoiceField(label=_("Layout"), choices=LAYOUTS, required=False)

    def printing(self) -> tuple[Paper, Layout]:
        data = self.cleaned_data
        return Paper(data.get("paper") or Paper.LETTER), Layout(data.get("layout") or Layout.BILINGUAL)


def is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def updates_list(action: Action) -> AnnouncementList | None:
    """The action's update list when anyone may join it (a public list of a group still active)."""
    found = action.updates_list
    if found is None or not found.is_public or found.group.archived_at is not None:
        return None
    return found


def public_context(action: Action, refused: forms.Form | None = None) -> dict[str, Any]:
    region = get_network_settings().phone_region
    return {
        "action": action,
        "when": calendar.when_text(action),
        "hotline": dialable(action.hotline, region) if action.hotline else None,
        "contact_is_email": is_email(action.contact),
        "contact_phone": None if is_email(action.contact) else dialable(action.contact, region),
        "updates": updates_list(action),
        "refused": refused,
    }


@require_GET
@permission("public")
def public_list(request: HttpRequest) -> HttpResponse:
    """The network's published actions still to come, soonest first: title, when, where to gather."""
    found = list(public_actions().filter(ends_at__gt=timezone.now())[:MAX_LISTED])
    return render(request, "events/public/list.html", {"actions": [(each, calendar.when_text(each)) for each in found]})


@require_GET
@permission("public")
def public_action(request: HttpRequest, action: str) -> HttpResponse:
    """An action's public page (published, or cancelled or over once it was); 404 for a draft."""
    found = access_public_action(action)
    return render(request, "events/public/action.html", public_context(found))


@require_GET
@permission("public")
def action_calendar(request: HttpRequest, action: str) -> HttpResponse:
    """The action as an .ics file, to add to a calendar (a cancelled one says CANCELLED)."""
    found = access_public_action(action)
    return file_response(calendar.ics(found), CALENDAR, f"action-{found.code.lower()}.ics")


@require_GET
@permission("public")
def action_flyer(request: HttpRequest, action: str) -> HttpResponse:
    """The printable flyer, with a QR code to the public page; a paper or layout it does not know: the page, 400."""
    found = access_public_action(action)
    form = FlyerForm(request.GET)
    if not form.is_valid():
        return render(request, "events/public/action.html", public_context(found, form), status=400)
    made = flyer(found, get_language() or "en", *form.printing())
    return file_response(made.content, PDF, made.filename)
