"""Accounts: users, their sessions, working groups and their members, invitations and API tokens.

No names kept: a username and an email are enough.
"""

import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.core.fields import BlindIndexField, EncryptedTextField, normalise_email
from solidarity.core.permissions import Role, sensitive
from solidarity.core.roles import ordered


@sensitive
class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Encrypted like any contact. One account per address is checked through the blind index
    # (services.find_users_by_email): a truncated index cannot be a unique constraint.
    email = EncryptedTextField(_("email address"), context="accounts.user.email", validators=[validate_email])
    email_index = BlindIndexField(source="email", normalise=normalise_email)
    language = models.CharField(_("language"), max_length=8, default="en")
    first_name = None  # type: ignore[assignment]  # minimise: accounts keep no real names
    last_name = None  # type: ignore[assignment]  # minimise: accounts keep no real names

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.is_superuser


@sensitive
class Invitation(models.Model):
    """A one-time link to join: sent by an admin, or printed by the CLI for the first admin."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = EncryptedTextField(context="accounts.invitation.email", blank=True)  # personal data until it is used
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    is_admin = models.BooleanField(default=False)
    is_setup = models.BooleanField(default=False, help_text="The first start: also asks for the network settings.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation {self.uuid}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


@sensitive
class Session(AbstractBaseSession):
    """A browser session (the database session engine, accounts.sessions), with the account signed in to it.

    The account's column lets signing out and disabling an account end every session of theirs at once.
    No IP address and no user agent: Solidarity never stores them.
    """

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        # By its setting's name: accounts.sessions imports this module.
        store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
        return store


class TokenScope(models.TextChoices):
    """What a token may do: read only, or also change things (write includes read)."""

    READ = "read", _("read")
    WRITE = "write", _("read and write")


@sensitive
class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is kept."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, help_text="The first characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.WRITE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], condition=models.Q(revoked_at__isnull=True), name="one_live_token_per_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WorkingGroup(models.Model):
    """A committee of the network: Street Medics, Rapid Response, Education, Funds.

    An archived group keeps its history but is nobody's any more: no role held in it counts
    (core.permissions), so its pages are gone for everyone until an admin brings it back.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True, help_text=_("Used in addresses."))
    description = models.TextField(_("description"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


@sensitive
class Membership(models.Model):
    """One account in one working group: being in it is the member role; other roles are RoleGrants."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="one_membership_per_group")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"

    # The roles, when the caller already knows them (access_membership has them from the request's look-up).
    known_roles: frozenset[Role] | None = None

    @property
    def roles(self) -> list[Role]:
        """Every role held here, MEMBER last, in the vocabulary's order (prefetch `grants` for lists)."""
        if self.known_roles is not None:
            return ordered(self.known_roles)
        return ordered({Role.MEMBER, *(Role(grant.role) for grant in self.grants.all())})

    @property
    def extra_roles(self) -> list[Role]:
        """The roles held here besides being a member."""
        return [held for held in self.roles if held != Role.MEMBER]


@sensitive
class RoleGrant(models.Model):
    """One role, besides being a member, held by one member in one group (core.roles names them).

    Granting and revoking is audited (accounts.services); the row keeps who granted it and when.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=32)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["membership", "role"], name="one_grant_per_role")]
        indexes = [models.Index(fields=["role"], name="accounts_rolegrant_role")]

    def __str__(self) -> str:
        return f"{self.role} for membership {self.membership_id}"
