"""The directory's pages: the public list and a resource's page (members see members-only resources too),
and its keepers' pages. Bilingual, small, and no JavaScript needed."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.downloads import CALENDAR, VCARD, file_response
from solidarity.core.permissions import AnyUser, Role, anywhere, owner_role, permission, role
from solidarity.core.services import get_network_settings
from solidarity.directory import calendar
from solidarity.directory.access import (
    access_keeping_group,
    access_resource_scoped,
    filtered,
    is_network_member,
    keeping_groups,
    kept,
    kept_resources,
    phone_of,
    public_sessions,
    session_of,
    visible_resource,
    visible_resources,
)
from solidarity.directory.display import freshness
from solidarity.directory.forms import FilterForm, PhoneForm, ResourceForm, SessionForm
from solidarity.directory.models import Resource
from solidarity.directory.reminders import from_token
from solidarity.directory.services import (
    do_add_phone,
    do_add_session,
    do_mark_checked,
    do_pin,
    do_remove_phone,
    do_remove_session,
    do_save_resource,
)
from solidarity.directory.vcard import vcard
from solidarity.people.forms import refuse_on

Adder = Callable[[Resource, User, dict[str, Any]], object]
LIST_PAGE = 40  # resources a page: a big network's directory stays well under 100 KB on a phone
KEEPER = owner_role(Role.COORDINATOR, access=access_resource_scoped, kwarg="resource")


def keeps(user: AnyUser, resource: Resource) -> bool:
    """Is `user` a keeper of the resource (a coordinator of its group)?"""
    if not user.is_authenticated:
        return False
    try:
        return access_resource_scoped(user, resource.slug).has(Role.COORDINATOR)
    except Http404:
        return False


@require_GET
@permission("public")
def resource_list(request: HttpRequest) -> HttpResponse:
    """Resources, filtered by need, zone and language; members of the network see members-only ones, marked so."""
    form = FilterForm(request.GET)  # bound even when empty: every filter is optional
    chosen = form.chosen()
    now = timezone.now()
    region = get_network_settings().phone_region
    page = Paginator(filtered(visible_resources(request.user), **chosen), LIST_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "resources": [freshness(item, now, region) for item in page],
        "page": page,
        "query": query.urlencode(),
        "members": is_network_member(request.user),
        "keeping": keeping_groups(request.user),
    }
    return render(request, "directory/list.html", context)


@require_GET
@permission("public")
def resource_page(request: HttpRequest, resource: str) -> HttpResponse:
    """One resource: phones to tap, hours, sessions to come, zones, languages, its web address, when last checked."""
    found = freshness(visible_resource(request.user, resource), timezone.now(), get_network_settings().phone_region)
    return render(request, "directory/resource.html", {"resource": found, "keeps": keeps(request.user, found)})


@require_http_methods(["GET", "POST"])
@permission(role(Role.COORDINATOR))
def create_resource(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    keeping = access_keeping_group(user, group)
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = do_save_resource(keeping, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The resource was added."))
            return redirect("directory:keep", resource=saved.slug)
    return render(request, "directory/resource_form.html", {"form": form, "group": keeping})


@require_http_methods(["GET", "POST"])
@permission(KEEPER)
def edit_resource(request: HttpRequest, resource: str) -> HttpResponse:
    user = signed_in(request)
    found = kept(access_resource_scoped(user, resource))
    form = ResourceForm(request.POST or None, resource=found)
    if request.method == "POST" and form.is_valid():
        try:
            saved = do_save_resource(found.group, form.values(), by=user, resource=found)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The resource was saved."))
            return redirect("directory:keep", resource=saved.slug)
    return render(request, "directory/resource_form.html", {"form": form, "group": found.group, "resource": found})


def keep_page(
    request: HttpRequest, found: Resource, phone_form: PhoneForm | None = None, session_form: SessionForm | None = None
) -> HttpResponse:
    context = {
        "resource": freshness(found, timezone.now(), get_network_settings().phone_region),
        "phones": found.phones.order_by("created_at"),
        "sessions": found.sessions.order_by("date", "starts_at"),
        "phone_form": phone_form or PhoneForm(),
        "session_form": session_form or SessionForm(),
    }
    return render(request, "directory/keep.html", context, status=400 if phone_form or session_form else 200)


@require_GET
@permission(KEEPER)
def keep_resource(request: HttpRequest, resource: str) -> HttpResponse:
    """A keeper's page: the phones and sessions, and the "still right" button."""
    return keep_page(request, kept(access_resource_scoped(signed_in(request), resource)))


@require_POST
@permission(KEEPER)
def mark_checked(request: HttpRequest, resource: str) -> HttpResponse:
    user = signed_in(request)
    do_mark_checked(kept(access_resource_scoped(user, resource)), by=user)
    messages.success(request, _("Thank you: the resource is marked as checked today."))
    return redirect("directory:keep", resource=resource)


def added(request: HttpRequest, resource: str, form: PhoneForm | SessionForm, add: Adder, done: str) -> HttpResponse:
    """A keeper's form adding to a resource: `add(resource, by, values)`, then back to the keeper's page;
    the page again with the form's or the service's reasons (400) when refused."""
    user = signed_in(request)
    found = kept(access_resource_scoped(user, resource))
    if form.is_valid():
        try:
            add(found, user, dict(form.cleaned_data))
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, done)
            return redirect("directory:keep", resource=resource)
    if isinstance(form, PhoneForm):
        return keep_page(request, found, phone_form=form)
    return keep_page(request, found, session_form=form)


@require_POST
@permission(KEEPER)
def add_phone(request: HttpRequest, resource: str) -> HttpResponse:
    def add(found: Resource, user: User, values: dict[str, Any]) -> object:
        return do_add_phone(found, by=user, **values)

    return added(request, resource, PhoneForm(request.POST), add, _("The phone number was added."))


@require_POST
@permission(KEEPER)
def remove_phone(request: HttpRequest, resource: str, phone: UUID) -> HttpResponse:
    user = signed_in(request)
    do_remove_phone(phone_of(kept(access_resource_scoped(user, resource)), phone), by=user)
    messages.success(request, _("The phone number was removed."))
    return redirect("directory:keep", resource=resource)


@require_POST
@permission(KEEPER)
def add_session(request: HttpRequest, resource: str) -> HttpResponse:
    def add(found: Resource, user: User, values: dict[str, Any]) -> object:
        return do_add_session(found, values.pop("date"), by=user, **values)

    return added(request, resource, SessionForm(request.POST), add, _("The session was added."))


@require_POST
@permission(KEEPER)
def remove_session(request: HttpRequest, resource: str, resource_session: UUID) -> HttpResponse:
    user = signed_in(request)
    do_remove_session(session_of(kept(access_resource_scoped(user, resource)), resource_session), by=user)
    messages.success(request, _("The session was removed."))
    return redirect("directory:keep", resource=resource)


@require_GET
@permission("public")
def vcard_file(request: HttpRequest, resource: str) -> HttpResponse:
    """The resource as a contact card: its phones saved in one tap."""
    found = visible_resource(request.user, resource)
    return file_response(vcard(found, get_language() or "en"), VCARD, f"{found.slug}.vcf", attachment=True)


@require_GET
@permission("public")
def sessions_feed(request: HttpRequest) -> HttpResponse:
    """Every public resource's dated sessions to come, for a calendar to subscribe to."""
    body = calendar.feed(list(public_sessions()), get_language() or "en", _("Resources' dates"))
    return file_response(body, CALENDAR, "resources.ics")


@require_GET
@permission("public")
def resource_feed(request: HttpRequest, resource: str) -> HttpResponse:
    """One public resource's dated sessions to come (a members-only resource has no feed: 404)."""
    found = visible_resource(AnonymousUser(), resource)
    sessions = list(public_sessions(found.slug))
    body = calendar.feed(sessions, get_language() or "en", str(found))
    return file_response(body, CALENDAR, f"{found.slug}.ics")


@require_GET
@permission(anywhere(Role.COORDINATOR))
def to_check(request: HttpRequest) -> HttpResponse:
    """A keeper's resources, the stale ones first, each with its "still right" button."""
    now = timezone.now()
    region = get_network_settings().phone_region
    found = [freshness(item, now, region) for item in kept_resources(signed_in(request))]
    found.sort(key=lambda item: not item.is_stale)  # type: ignore[attr-defined]
    return render(request, "directory/to_check.html", {"resources": found})


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def still_right(request: HttpRequest, keeper_token: str) -> HttpResponse:
    """A reminder's link: the resource and ONE button to say its facts are still right.
    GET changes nothing (mail scanners open links); only the button's POST acts."""
    link = from_token(keeper_token)
    if link is None:
        return render(request, "directory/still_right_invalid.html", status=404)
    if request.method == "POST":
        do_mark_checked(link.resource, by=link.keeper)
        messages.success(request, _("Thank you: the resource is marked as checked today."))
        return redirect("directory:resource", resource=link.resource.slug)
    found = freshness(link.resource, timezone.now(), get_network_settings().phone_region)
    return render(request, "directory/still_right.html", {"resource": found})


@require_POST
@permission(KEEPER)
def pin(request: HttpRequest, resource: str) -> HttpResponse:
    """Pin the resource to the home page, or take it off (`pinned`: "1" or "0")."""
    user = signed_in(request)
    found = kept(access_resource_scoped(user, resource))
    pinned = request.POST.get("pinned") == "1"
    try:
        do_pin(found, by=user, pinned=pinned)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Pinned to the home page.") if pinned else _("Taken off the home page."))
    return redirect("directory:keep", resource=resource)
