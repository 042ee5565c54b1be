"""What is changed on a person's record after it was made: contacts, shifts, the account link,
certifications' sign-off and removal, working groups; and the network's "vouches needed".

Every object comes through people.access; every change through a service that audits it. A refusal
shows the page again with the form as typed (400), so nothing typed is lost.
"""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.groups import MembershipError, do_add_member, do_remove_member
from solidarity.accounts.services import find_users_by_email
from solidarity.core.permissions import owner_role, permission
from solidarity.core.services import get_network_settings
from solidarity.people.access import (
    ROSTER_KEEPER,
    SIGNERS,
    access_certification,
    access_contact,
    access_managed_group,
    access_one_off,
    access_person_scoped,
    audit_role,
    edited_person,
    groups_managed_by,
    shifts_of,
    upcoming_one_offs,
)
from solidarity.people.contacts import do_add_contact, do_remove_contact, do_set_primary_contact
from solidarity.people.forms import (
    AccountLinkForm,
    ContactForm,
    GroupAddForm,
    OneOffForm,
    VouchesNeededForm,
    refuse_on,
    shift_rows,
)
from solidarity.people.models import Person
from solidarity.people.services import (
    do_add_one_off_shift,
    do_link_account,
    do_remove_certification,
    do_remove_one_off_shift,
    do_set_shifts,
    do_set_vouches_needed,
    do_sign_off,
)
from solidarity.people.views import EDITS_PERSON, SEES_PERSON, person_context

SIGNS_OFF = owner_role(*SIGNERS, access=access_person_scoped, kwarg="person_id")


def back_to(person: Person) -> HttpResponse:
    return redirect("people:person", person_id=person.uuid)


def page_again(request: HttpRequest, person_id: UUID, **forms: object) -> HttpResponse:
    """The person's page with a refused form as typed, and its errors (400)."""
    user = signed_in(request)
    context = person_context(user, access_person_scoped(user, person_id), **forms)
    return render(request, "people/person.html", context, status=400)


# Contacts.


@require_POST
@permission(EDITS_PERSON)
def add_contact(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = edited_person(user, person_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            do_add_contact(person, form.cleaned_data["kind"], form.cleaned_data["value"], by=user, role=ROSTER_KEEPER)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The contact was added."))
            return back_to(person)
    return page_again(request, person_id, contact_form=form)


@require_POST
@permission(EDITS_PERSON)
def remove_contact(request: HttpRequest, person_id: UUID, contact: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_contact(user, person_id, contact)
    if do_remove_contact(found, by=user, role=ROSTER_KEEPER):
        messages.success(request, _("The contact was removed."))
    return back_to(found.person)


@require_POST
@permission(EDITS_PERSON)
def primary_contact(request: HttpRequest, person_id: UUID, contact: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_contact(user, person_id, contact)
    try:
        if do_set_primary_contact(found, by=user, role=ROSTER_KEEPER):
            messages.success(request, _("It is the primary one now: messages go there first."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return back_to(found.person)


# Shifts.


@require_http_methods(["GET", "POST"])
@permission(EDITS_PERSON)
def edit_shifts(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """The weekly windows as rows (existing ones, then empty ones), and the one-off changes."""
    user = signed_in(request)
    person = edited_person(user, person_id)
    rows = shift_rows(shifts_of(person), request.POST if request.method == "POST" else None)
    if request.method == "POST" and rows.is_valid():
        try:
            do_set_shifts(person, rows.windows(), by=user, role=ROSTER_KEEPER)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The weekly shifts were saved."))
            return redirect("people:edit-shifts", person_id=person.uuid)
    return shifts_page(request, person, rows=rows, status=400 if request.method == "POST" else 200)


def shifts_page(request: HttpRequest, person: Person, *, status: int = 200, **forms: object) -> HttpResponse:
    context = {
        "person": person,
        "rows": shift_rows(shifts_of(person)),
        "one_off_form": OneOffForm(),
        "one_offs": list(upcoming_one_offs(person)),
    }
    return render(request, "people/shifts.html", context | forms, status=status)


@require_POST
@permission(EDITS_PERSON)
def add_one_off(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = edited_person(user, person_id)
    form = OneOffForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_add_one_off_shift(
                person, data["starts_at"], data["ends_at"], is_on_call=data["is_on_call"], by=user, role=ROSTER_KEEPER
            )
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The change was added."))
            return redirect("people:edit-shifts", person_id=person.uuid)
    return shifts_page(request, person, one_off_form=form, status=400)


@require_POST
@permission(EDITS_PERSON)
def remove_one_off(request: HttpRequest, person_id: UUID, change: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_one_off(user, person_id, change)
    if do_remove_one_off_shift(found, by=user, role=ROSTER_KEEPER):
        messages.success(request, _("The change was removed: the weekly shifts apply again."))
    return redirect("people:edit-shifts", person_id=found.person.uuid)


# The account link.


@require_http_methods(["GET", "POST"])
@permission(EDITS_PERSON)
def link_account(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Link by the account's email, looked up through its blind index: no list of accounts is shown."""
    user = signed_in(request)
    person = edited_person(user, person_id)
    form = AccountLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = find_users_by_email(form.cleaned_data["email"], is_active=True)
        try:
            if len(found) != 1:
                raise ValidationError({"email": _("No active account has this email.")})
            do_link_account(person, found[0], by=user, role=ROSTER_KEEPER)
        except ValidationError as error:
            refuse_on(form, ValidationError({"email": error.messages}))
        else:
            messages.success(request, _("The person is linked to the account."))
            return back_to(person)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/account.html", {"form": form, "person": person}, status=status)


@require_POST
@permission(EDITS_PERSON)
def unlink_account(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = edited_person(user, person_id)
    if person.user_id is not None and not person.has_left:
        do_link_account(person, None, by=user, role=ROSTER_KEEPER)
        messages.success(request, _("The link to the account was removed."))
    return back_to(person)


# Certifications.


@require_POST
@permission(SIGNS_OFF)
def sign_off(request: HttpRequest, person_id: UUID, certification: UUID) -> HttpResponse:
    """The practical sign-off, by a roster keeper or coordinator who holds the skill and went out with them."""
    user = signed_in(request)
    scoped = access_person_scoped(user, person_id)
    found = access_certification(user, person_id, certification, needed=SIGNERS)
    try:
        if do_sign_off(found, by=user, role=audit_role(scoped)):
            messages.success(request, _("The sign-off was recorded: the skill counts now."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return back_to(scoped.obj)


@require_POST
@permission(EDITS_PERSON)
def remove_certification(request: HttpRequest, person_id: UUID, certification: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_certification(user, person_id, certification)
    if do_remove_certification(found, by=user, role=ROSTER_KEEPER):
        messages.success(request, _("The certification was removed."))
    return back_to(found.person)


# Working groups (accounts.groups does the change and audits it).


@require_POST
@permission(SEES_PERSON)
def add_to_group(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """An admin, or the group's coordinator, adds the person's account to a group as a member."""
    user = signed_in(request)
    person = access_person_scoped(user, person_id).obj
    form = GroupAddForm(request.POST, groups=groups_managed_by(user))
    if form.is_valid() and person.user is not None and not person.has_left:
        try:
            do_add_member(access_managed_group(user, form.cleaned_data["group"].slug), person.user, by=user)
        except MembershipError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("They are in the group now."))
        return back_to(person)
    return page_again(request, person_id, group_form=form)


@require_POST
@permission(SEES_PERSON)
def remove_from_group(request: HttpRequest, person_id: UUID, slug: str) -> HttpResponse:
    user = signed_in(request)
    person = access_person_scoped(user, person_id).obj
    group = access_managed_group(user, slug)
    if person.user is not None and do_remove_member(group, person.user, by=user):
        messages.success(request, _("They are no longer in the group."))
    return back_to(person)


# The network's setting: how many vouches vet a person.


@require_http_methods(["GET", "POST"])
@permission("admin")
def vouches_needed(request: HttpRequest) -> HttpResponse:
    """Also on the network settings page; here it is shown again when refused."""
    user = signed_in(request)
    form = VouchesNeededForm(request.POST or None, initial={"vouches_needed": get_network_settings().vouches_needed})
    if request.method == "POST" and form.is_valid():
        try:
            fell = do_set_vouches_needed(form.cleaned_data["vouches_needed"], by=user, role="admin")
        except ValidationError as error:
            refuse_on(form, error)
        else:
            text = ngettext(
                "Saved. %(count)d person is no longer vetted and left the alert pool.",
                "Saved. %(count)d people are no longer vetted and left the alert pool.",
                fell,
            )
            messages.success(request, text % {"count": fell} if fell else _("Saved. Nobody left the alert pool."))
            return redirect("web:network-settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "people/vouches_needed.html", {"form": form}, status=status)
