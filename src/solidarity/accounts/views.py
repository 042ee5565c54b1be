"""Joining by invitation, inviting, API tokens, and an account's security for admins (groups: group_views)."""

from datetime import timedelta
from uuid import UUID

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timezone import now
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from solidarity.accounts.access import (
    access_account,
    access_token,
    live_tokens,
    pending_invitations,
    second_factor_verified,
    signed_in,
)
from solidarity.accounts.forms import AcceptInvitationForm, AccountSecurityForm, CreateTokenForm, InviteForm, SetupForm
from solidarity.accounts.models import Invitation, TokenScope, User
from solidarity.accounts.services import (
    InvitationUsed,
    IssuedToken,
    do_accept_invitation,
    do_create_token,
    do_disable_account,
    do_invite,
    do_reset_second_factor,
    do_revoke_token,
    find_invitation,
)
from solidarity.core.permissions import permission
from solidarity.core.services import do_update_network_settings, network_values

BACKEND = "solidarity.accounts.adapter.AuthenticationBackend"


@require_http_methods(["GET", "POST"])
@permission("public")
def no_email_management(request: HttpRequest) -> HttpResponse:
    """allauth's email page, switched off: it copies addresses into allauth's own table, in clear."""
    raise Http404


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form_class = SetupForm if invitation.is_setup else AcceptInvitationForm
    initial = {"email": invitation.email} | (dict(network_values()) if invitation.is_setup else {})
    form = form_class(request.POST or None, existing=invitation.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = accept(invitation, form)
        except InvitationUsed:
            return render(request, "accounts/invitation_invalid.html", status=404)
        except IntegrityError:  # someone took the username or email a moment ago
            form.add_error(None, _("That username or email was just taken. Please choose another."))
        else:
            login(request, user, backend=BACKEND)
            # They have just chosen and typed their password: noted as allauth notes a sign-in's, so
            # setting up a second factor next does not ask for it again (adapter.is_reauthentication_required).
            record_authentication(request, user, method="password")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("web:dashboard")
    return render(request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation})


def accept(invitation: Invitation, form: AcceptInvitationForm) -> User:
    data = form.cleaned_data
    if isinstance(form, SetupForm):
        do_update_network_settings(**form.network_values())
    return do_accept_invitation(
        invitation,
        username=data.get("username", ""),
        email=data.get("email", ""),
        password=data["password1"],
        language=get_language() or "en",
    )


@require_http_methods(["GET", "POST"])
@permission("admin")
def invitations(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        do_invite(
            email=form.cleaned_data["email"],
            is_admin=form.cleaned_data["is_admin"],
            created_by=signed_in(request),
            language=get_language() or "en",
        )
        messages.success(request, _("Invitation sent."))
        return redirect("accounts:invitations")
    pending = pending_invitations(signed_in(request))[:50]
    return render(request, "accounts/invitations.html", {"form": form, "pending": pending})


@require_http_methods(["GET", "POST"])
@permission("authenticated")
def tokens(request: HttpRequest) -> HttpResponse:
    """The caller's API tokens; a new one only from a session verified with a second factor, shown once."""
    user = signed_in(request)
    verified = second_factor_verified(request)
    form = CreateTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and verified and form.is_valid():
        try:
            issued = create_token(user, form)
        except IntegrityError:
            form.add_error("name", _("You already have a token with this name. Choose another, or revoke that one."))
        else:
            form = CreateTokenForm()
    context = {"form": form, "verified": verified, "issued": issued, "tokens": live_tokens(user), "now": now()}
    return render(request, "accounts/tokens.html", context)


def create_token(user: User, form: CreateTokenForm) -> IssuedToken:
    data = form.cleaned_data
    return do_create_token(
        user, name=data["name"], scope=TokenScope(data["scope"]), lifetime=timedelta(days=data["days"])
    )


@require_POST
@permission("authenticated")
def revoke_token(request: HttpRequest, api_token: UUID) -> HttpResponse:
    user = signed_in(request)
    do_revoke_token(access_token(user, api_token), actor=str(user.uuid))
    messages.success(request, _("The token was revoked: it no longer works."))
    return redirect("accounts:tokens")


@require_http_methods(["GET", "POST"])
@permission("admin")
def account_security(request: HttpRequest, person: UUID) -> HttpResponse:
    """An admin resets someone's lost second factor, or disables their account; either ends their sessions."""
    admin = signed_in(request)
    account = access_account(admin, person)
    form = AccountSecurityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["action"] == "disable":
            do_disable_account(admin, account)
            messages.success(request, _("The account is disabled and signed out everywhere."))
        else:
            do_reset_second_factor(admin, account)
            messages.success(request, _("The second factor was removed and every session ended."))
        return redirect("accounts:account-security", person=account.uuid)
    context = {"account": account, "has_second_factor": is_mfa_enabled(account)}
    return render(request, "accounts/account_security.html", context)
