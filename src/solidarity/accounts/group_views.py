"""Working groups: an admin creates, renames, archives them and appoints coordinators; coordinators run their members.

An admin is not a member of every group (need to know): to see a group's own pages, an admin
joins it from the group's settings page, like anyone a coordinator adds.
"""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import (
    access_any_group,
    access_member,
    access_membership,
    all_groups,
    coordinators_of,
    group_audit_trail,
    is_member,
    members_seen_by,
    role_history,
    signed_in,
)
from solidarity.accounts.forms import AddMemberForm, AppointForm, GroupForm, MemberRolesForm
from solidarity.accounts.groups import (
    MembershipError,
    check_add_member,
    check_appoint,
    do_add_member,
    do_archive_group,
    do_create_group,
    do_remove_member,
    do_revoke_role,
    do_set_roles,
    do_update_group,
)
from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.core.permissions import Role, permission, role
from solidarity.core.roles import all_roles


@require_http_methods(["GET", "POST"])
@permission("admin")
def groups(request: HttpRequest) -> HttpResponse:
    """Every working group, and a form to create one."""
    admin = signed_in(request)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = do_create_group(**form.cleaned_data, by=admin)
        except ValidationError as error:
            form.add_error("name", error.messages[0])
        else:
            messages.success(request, _("The working group is ready. Appoint its first coordinator."))
            return redirect("accounts:group-settings", group=group.slug)
    return render(request, "accounts/groups.html", {"groups": all_groups(admin), "form": form})


@require_http_methods(["GET", "POST"])
@permission("admin")
def group_settings(request: HttpRequest, group: str) -> HttpResponse:
    """Rename a group, archive or restore it, appoint and remove its coordinators, join it."""
    admin = signed_in(request)
    found = access_any_group(admin, group)
    form = GroupForm(request.POST or None, initial={"name": found.name, "description": found.description})
    if request.method == "POST" and form.is_valid():
        try:
            do_update_group(found, **form.cleaned_data, by=admin)
        except ValidationError as error:
            form.add_error("name", error.messages[0])
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:group-settings", group=found.slug)
    return render_settings(request, admin, found, form, AppointForm())


def render_settings(
    request: HttpRequest, admin: User, group: WorkingGroup, form: GroupForm, appoint: AppointForm, status: int = 200
) -> HttpResponse:
    context = {
        "group": group,
        "form": form,
        "appoint": appoint,
        "coordinators": coordinators_of(group),
        "is_member": is_member(admin, group),
    }
    return render(request, "accounts/group_settings.html", context, status=status)


@require_POST
@permission("admin")
def appoint_coordinator(request: HttpRequest, group: str) -> HttpResponse:
    admin = signed_in(request)
    found = access_any_group(admin, group)
    form = AppointForm(request.POST)
    if form.is_valid():
        try:
            person = check_appoint(found, form.cleaned_data["username"], by=admin)
        except MembershipError as error:
            form.add_error("username", error.message)
        else:
            messages.success(request, _("%(username)s coordinates the group.") % {"username": person.username})
            return redirect("accounts:group-settings", group=found.slug)
    initial = {"name": found.name, "description": found.description}
    return render_settings(request, admin, found, GroupForm(initial=initial), form, status=400)


@require_POST
@permission("admin")
def remove_coordinator(request: HttpRequest, group: str, person: UUID) -> HttpResponse:
    admin = signed_in(request)
    found = access_any_group(admin, group)
    coordinator = coordinators_of(found).filter(user__uuid=person).select_related("user").first()
    if coordinator is not None:
        do_revoke_role(found, coordinator.user, Role.COORDINATOR, by=admin)
        messages.success(request, _("%(username)s no longer coordinates the group.") % {"username": coordinator.user})
    return redirect("accounts:group-settings", group=found.slug)


@require_POST
@permission("admin")
def join_group(request: HttpRequest, group: str) -> HttpResponse:
    admin = signed_in(request)
    found = access_any_group(admin, group)
    try:
        do_add_member(found, admin, by=admin)
    except MembershipError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("You joined the group."))
    return redirect("accounts:group-settings", group=found.slug)


@require_POST
@permission("admin")
def archive_group(request: HttpRequest, group: str) -> HttpResponse:
    admin = signed_in(request)
    found = access_any_group(admin, group)
    archive = request.POST.get("archive") != "0"
    if do_archive_group(found, by=admin, archived=archive):
        messages.success(request, _("The group is archived.") if archive else _("The group is back."))
    return redirect("accounts:group-settings", group=found.slug)


@require_GET
@permission(role(Role.MEMBER))
def group(request: HttpRequest, group: str) -> HttpResponse:
    return render_group(request, access_membership(signed_in(request), group, Role.MEMBER), AddMemberForm())


@require_POST
@permission(role(Role.COORDINATOR))
def add_member(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    mine = access_membership(user, group, Role.COORDINATOR)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        try:
            added = check_add_member(mine.group, form.cleaned_data["username"], form.cleaned_data["roles"], by=user)
        except MembershipError as error:
            form.add_error("username", error.message)
        else:
            messages.success(request, _("%(username)s joined the group.") % {"username": added.user.username})
            return redirect("accounts:group", group=mine.group.slug)
    return render_group(request, mine, form, status=400)


def render_group(request: HttpRequest, mine: Membership, form: AddMemberForm, status: int = 200) -> HttpResponse:
    context = {
        "group": mine.group,
        "mine": mine,
        "members": members_seen_by(signed_in(request), mine),
        "form": form if Role.COORDINATOR in mine.roles else None,
    }
    return render(request, "accounts/group.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission(role(Role.COORDINATOR))
def member(request: HttpRequest, group: str, person: UUID) -> HttpResponse:
    """One member's roles in the group: a coordinator grants and revokes them; the page shows who changed what when."""
    user = signed_in(request)
    mine, theirs = access_member(user, group, person)
    form = MemberRolesForm(request.POST or None, initial={"roles": [str(held) for held in theirs.extra_roles]})
    if request.method == "POST" and form.is_valid():
        try:
            change = do_set_roles(mine.group, theirs.user, form.cleaned_data["roles"], by=user)
        except MembershipError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Roles saved.") if change else _("Nothing changed."))
        return redirect("accounts:member", group=mine.group.slug, person=theirs.user.uuid)
    context = {
        "group": mine.group,
        "member": theirs,
        "form": form,
        "history": role_history(mine.group, theirs.user),
        "roles": all_roles(),
    }
    return render(request, "accounts/member.html", context)


@require_POST
@permission(role(Role.COORDINATOR))
def remove_member(request: HttpRequest, group: str, person: UUID) -> HttpResponse:
    user = signed_in(request)
    mine, theirs = access_member(user, group, person)
    do_remove_member(mine.group, theirs.user, by=user)
    messages.success(request, _("%(username)s left the group.") % {"username": theirs.user.username})
    if theirs.user == user:
        return redirect("web:dashboard")
    return redirect("accounts:group", group=mine.group.slug)


@require_GET
@permission(role(Role.COORDINATOR))
def group_audit(request: HttpRequest, group: str) -> HttpResponse:
    mine = access_membership(signed_in(request), group, Role.COORDINATOR)
    return render(request, "accounts/group_audit.html", {"group": mine.group, "trail": group_audit_trail(mine.group)})
