"""Meetings' pages before and around the meeting: the list, a meeting's page (agenda, roles, who comes),
creating and editing it, its agenda and roles, saying one will come, and its calendar file.

The live pages (joining, the phone's stack, the projector) are meetings.live_views'; running the meeting
(the facilitator's and the stack keeper's) meetings.run_views'. Who sees what is meetings.access's; every
change goes through meetings.services.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.downloads import CALENDAR, file_response
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import Role, owner_role, permission, role
from solidarity.meetings import calendar, services
from solidarity.meetings.access import (
    Power,
    access_item,
    access_meeting,
    access_meeting_scoped,
    groups_run_by,
    history_of_roles,
    meeting_group,
    members_for_roles,
    past,
    powers_of,
    upcoming,
)
from solidarity.meetings.forms import ItemForm, MeetingForm, RolesForm
from solidarity.meetings.models import Duty, Meeting

MANAGES = owner_role(Role.COORDINATOR, Role.FACILITATOR, access=access_meeting_scoped, kwarg="meeting")


def back_to(meeting: Meeting, name: str = "meetings:meeting") -> HttpResponse:
    return redirect(name, meeting=meeting.code)


@require_GET
@permission("public")
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings to come and past ones the caller may see (public ones for anyone), and where they may make one."""
    user = request.user
    context = {"upcoming": upcoming(user)[:50], "past": past(user)[:20], "groups": groups_run_by(user)}
    return render(request, "meetings/list.html", context)


@require_http_methods(["GET", "POST"])
@permission(role(Role.COORDINATOR, Role.FACILITATOR))
def create(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    found = meeting_group(user, group)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.do_create_meeting(found, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("Meeting created. Now write its agenda."))
            return back_to(meeting, "meetings:agenda")
    return render(
        request, "meetings/meeting_form.html", {"form": form, "group": found}, status=400 if form.errors else 200
    )


@require_GET
@permission("public")
def meeting_page(request: HttpRequest, meeting: str) -> HttpResponse:
    """The meeting's page: when and where, the agenda with its times, the roles (and who held them before),
    the decision rule, who says they will come (a count), and the ways in."""
    found = access_meeting(request.user, meeting)
    powers = powers_of(request.user, found)
    items = list(found.items.select_related("group"))
    context = {
        "meeting": found,
        "planned": services.planned_minutes(found),
        "agenda": services.schedule_of(found, items),
        "roles": found.roles.select_related("user") if request.user.is_authenticated else [],
        "history": history_of_roles(found) if Power.MANAGE in powers else [],
        "duties": Duty.choices,
        "coming": found.participants.filter(is_coming=True).count(),
        "mine": found.participants.filter(user_id=request.user.pk).first() if request.user.is_authenticated else None,
        "powers": powers,
    }
    return render(request, "meetings/meeting.html", context)


@require_http_methods(["GET", "POST"])
@permission(MANAGES)
def edit(request: HttpRequest, meeting: str) -> HttpResponse:
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    form = MeetingForm(request.POST or None, meeting=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_edit_meeting(found, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("Saved."))
            return back_to(found)
    context = {"form": form, "group": found.group, "meeting": found}
    return render(request, "meetings/meeting_form.html", context, status=400 if form.errors else 200)


@require_POST
@permission(MANAGES)
def cancel(request: HttpRequest, meeting: str) -> HttpResponse:
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    if services.do_cancel_meeting(found, by=user):
        messages.success(request, _("Meeting cancelled: those who said they would come are told."))
    else:
        messages.error(request, _("This meeting has begun: close it instead."))
    return back_to(found)


@require_http_methods(["GET", "POST"])
@permission(MANAGES)
def agenda(request: HttpRequest, meeting: str) -> HttpResponse:
    """The agenda: its items in order with their time boxes, adding one (an item, a break, a report-back),
    and the meeting's roles."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_add_item(found, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            return back_to(found, "meetings:agenda")
    items = list(found.items.select_related("group"))
    context = {
        "meeting": found,
        "rows": [
            (item, at, ItemForm(item=item, prefix=str(item.uuid))) for item, at in services.schedule_of(found, items)
        ],
        "planned": services.planned_minutes(found),
        "form": form,
        "roles_form": RolesForm(meeting=found, users=members_for_roles(found)),
        "history": history_of_roles(found),
        "duties": Duty.choices,
    }
    return render(request, "meetings/agenda.html", context, status=400 if form.errors else 200)


@require_POST
@permission(MANAGES)
def item_action(request: HttpRequest, meeting: str, agenda_item: str, item_verb: str) -> HttpResponse:
    """One agenda item: save it, move it up or down, or take it off."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    item = access_item(user, found, agenda_item)
    action = item_verb
    try:
        if action == "save":
            form = ItemForm(request.POST, prefix=str(item.uuid))
            if not form.is_valid():
                raise ValidationError([error for errors in form.errors.values() for error in errors])
            services.do_edit_item(item, form.values(), by=user)
        elif action in ("up", "down"):
            services.do_move_item(item, -1 if action == "up" else 1, by=user)
        elif action == "remove":
            services.do_remove_item(item, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return back_to(found, "meetings:agenda")


@require_POST
@permission(MANAGES)
def roles(request: HttpRequest, meeting: str) -> HttpResponse:
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    form = RolesForm(request.POST, meeting=found, users=members_for_roles(found))
    if form.is_valid():
        held = {role.duty: role.user_id for role in found.roles.all()}
        for duty, holder in form.holders().items():
            if held.get(duty) != (holder.pk if holder else None):
                services.do_set_role(found, duty, holder, by=user)
        messages.success(request, _("Roles saved."))
    else:
        messages.error(request, _("Choose someone from the list for each role, or nobody."))
    return back_to(found, "meetings:agenda")


@require_POST
@permission("authenticated")
def coming(request: HttpRequest, meeting: str) -> HttpResponse:
    """An account says it will come (and is reminded the day before and two hours before), or that it will not."""
    user = signed_in(request)
    found = access_meeting(user, meeting)
    try:
        services.do_say_coming(found, user, request.POST.get("coming") == "yes")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return back_to(found)


@require_GET
@permission("public")
def meeting_calendar(request: HttpRequest, meeting: str) -> HttpResponse:
    """The meeting as an .ics file, for whoever may see it."""
    found = access_meeting(request.user, meeting)
    return file_response(calendar.feed([found]), CALENDAR, f"meeting-{found.code}.ics")
