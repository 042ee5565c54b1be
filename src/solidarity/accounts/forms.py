from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from solidarity.accounts.models import TokenScope, User
from solidarity.accounts.services import find_users_by_email
from solidarity.core import roles
from solidarity.core.forms import NetworkSettingsForm
from solidarity.core.permissions import Role


class AcceptInvitationForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        help_text=_("Letters, numbers and . @ + - _ only. Others see it: a nickname is fine."),
        error_messages={"invalid": _("Use only letters, numbers and . @ + - _")},
    )
    email = forms.EmailField(label=_("Email"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, existing: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing
        if existing is not None:
            # The account exists (createadmin): only the password is chosen here.
            del self.fields["username"]
            del self.fields["email"]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken. Please choose another."))
        return username

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if find_users_by_email(email):
            raise forms.ValidationError(_("An account with this email already exists."))
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            probe = self.existing or User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class SetupForm(NetworkSettingsForm, AcceptInvitationForm):
    """The first start: the network's settings and the first admin, on one page."""

    field_order = ["name", "time_zone", "phone_region", "languages", "hotline"]
    # The home page's welcome is written later, in the network settings: the first start stays short.
    welcome_en = None  # type: ignore[assignment]  # Django's way to leave out an inherited field
    currency = None  # type: ignore[assignment]  # Django's way to leave out an inherited field
    welcome_es = None  # type: ignore[assignment]  # Django's way to leave out an inherited field


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    is_admin = forms.BooleanField(
        label=_("Make this person an admin"),
        required=False,
        help_text=_("Admins manage the whole network. They must set up a second factor."),
    )


class RolesField(forms.MultipleChoiceField):
    """The roles one may grant, as checkboxes; none checked is a plain member."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Roles besides member"))
        kwargs.setdefault("required", False)
        super().__init__(choices=roles.choices, **kwargs)

    def clean(self, value: Any) -> list[Role]:
        return [Role(code) for code in super().clean(value)]


class AddMemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    roles = RolesField()


class MemberRolesForm(forms.Form):
    roles = RolesField()


class GroupForm(forms.Form):
    """A working group's name and description (an admin creates and renames groups)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AppointForm(forms.Form):
    """An admin appoints a coordinator: an account, by its username."""

    username = forms.CharField(label=_("Username"), max_length=150)


class CreateTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("To recognise the token later: where or what it is for.")
    )
    scope = forms.ChoiceField(
        label=pgettext_lazy("what an API token may do", "May"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text=_("Give a script only what it needs: most only read."),
    )
    days = forms.TypedChoiceField(
        label=_("Expires in"),
        coerce=int,
        choices=[(30, _("30 days")), (90, _("90 days")), (365, _("a year"))],
        initial=90,
    )


class AccountSecurityForm(forms.Form):
    action = forms.ChoiceField(choices=[("reset_second_factor", "reset_second_factor"), ("disable", "disable")])


class ResetPasswordForm(AllauthResetPasswordForm):  # type: ignore[misc]  # allauth ships no type hints
    """allauth's password reset, finding the account through the email's blind index (ACCOUNT_FORMS)."""

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        self.users = find_users_by_email(get_adapter().clean_email(email), is_active=True)
        if not self.users and not allauth_settings.PREVENT_ENUMERATION:
            raise get_adapter().validation_error("unknown_email")
        return email
