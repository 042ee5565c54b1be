"""Accounts services: invitations, the first admin, sessions, second factors, API tokens (groups: accounts.groups)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import ApiToken, Invitation, Session, TokenScope, User
from solidarity.core import audit
from solidarity.core.fields import find_by_index
from solidarity.core.models import AuditAction

INVITATION_LIFETIME = timedelta(days=7)
SETUP_LIFETIME = timedelta(days=2)
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
WEB_TOKEN_LIFETIME = timedelta(days=90)


def find_users_by_email(email: str, *, is_active: bool | None = None) -> list[User]:
    """The accounts with this email, in any case: through its blind index, as the column is encrypted.

    The one look-up by email: invitations, createadmin, and allauth's sign-in and password reset (adapter).
    """
    users: list[User] = find_by_index(User.objects.all(), "email_index", email)
    return [user for user in users if is_active is None or user.is_active == is_active]


class EmailTaken(IntegrityError):
    """Another account has this email. Checked through the blind index, which cannot be a unique constraint."""


def digest(secret: str) -> str:
    # The secrets are 256 random bits: a plain hash is enough, no slow KDF needed.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str

    def link(self, base_url: str | None = None, language: str = "en") -> str:
        with translation.override(language):
            path = reverse("accounts:accept-invitation", args=[self.token])
        return (base_url or settings.BASE_URL) + path


def issue_invitation(
    *,
    email: str = "",
    user: User | None = None,
    is_admin: bool = False,
    is_setup: bool = False,
    created_by: User | None = None,
) -> IssuedInvitation:
    token = secrets.token_urlsafe(32)
    lifetime = SETUP_LIFETIME if (is_setup or user is not None) else INVITATION_LIFETIME
    invitation = Invitation.objects.create(
        email=email.strip().lower(),
        user=user,
        is_admin=is_admin,
        is_setup=is_setup,
        token_hash=digest(token),
        created_by=created_by,
        expires_at=timezone.now() + lifetime,
    )
    return IssuedInvitation(invitation, token)


def do_invite(*, email: str, is_admin: bool, created_by: User, language: str) -> IssuedInvitation:
    """Invite someone by email. The mail is sent after the row commits."""
    issued = issue_invitation(email=email, is_admin=is_admin, created_by=created_by)
    link = issued.link(language=language)
    with translation.override(language):
        subject = render_to_string("accounts/email/invitation_subject.txt").strip()
        body = render_to_string("accounts/email/invitation_body.txt", {"link": link, "days": INVITATION_LIFETIME.days})
    transaction.on_commit(lambda: send_mail(subject, body, None, [issued.invitation.email]))
    return issued


def find_invitation(token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token_hash=digest(token)).select_related("user").first()
    return invitation if invitation is not None and invitation.is_usable else None


def needs_first_admin() -> bool:
    return not User.objects.filter(is_superuser=True, is_active=True).exists()


@transaction.atomic
def do_issue_setup_link() -> IssuedInvitation:
    """The first start's link: creates the first admin and asks for the network settings.

    Only the newest link works: printing a new one retires those printed before.
    """
    Invitation.objects.filter(is_setup=True, used_at__isnull=True).update(expires_at=timezone.now())
    return issue_invitation(is_admin=True, is_setup=True)


class InvitationUsed(Exception):
    """The link was used or expired meanwhile."""


@transaction.atomic
def do_accept_invitation(invitation: Invitation, *, username: str, email: str, password: str, language: str) -> User:
    """Create (or finish) the account an invitation is for. Claims the invitation atomically: used once."""
    now = timezone.now()
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if claimed != 1:
        raise InvitationUsed
    if invitation.user is None and find_users_by_email(email):
        raise EmailTaken
    user = invitation.user or User(username=username, email=email.strip().lower())
    user.language = language
    user.is_superuser = user.is_superuser or invitation.is_admin
    user.is_staff = False
    user.set_password(password)
    user.save()
    return user


def do_create_admin(*, username: str, email: str) -> tuple[User, IssuedInvitation]:
    """An admin account with no password yet, and a one-time link to set password and second factor."""
    with transaction.atomic():
        user = User(username=username, email=email.strip().lower(), is_superuser=True)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        if find_users_by_email(user.email):
            raise ValidationError({"email": [_("An account with this email already exists.")]})
        user.save()
        # The invitation names the account, not its email: the email stays encrypted on the account alone.
        return user, issue_invitation(user=user, is_admin=True)


def do_end_sessions(user: User) -> int:
    """End every session `user` is signed in to, on every device; returns how many ended.

    One DELETE on the session table (accounts.sessions names the account on each row). A browser
    sending an ended session's cookie is anonymous at its next request.
    """
    ended, _by_model = Session.objects.filter(user=user).delete()
    return ended


@transaction.atomic
def do_disable_account(admin: User, user: User) -> bool:
    """Disable `user`'s account and end all their sessions, audited; True if it was active.

    A disabled account cannot sign in, and its API tokens stop working (user_for_token).
    """
    disabled = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False) == 1
    user.is_active = False
    ended = do_end_sessions(user)
    if disabled:
        audit.record(
            actor=str(admin.uuid),
            role="admin",
            action=AuditAction.CHANGED,
            object_type="accounts.user",
            object_ids=[user.uuid],
            detail={"what": "account disabled", "sessions": ended},
        )
    return disabled


@transaction.atomic
def do_reset_second_factor(admin: User, user: User) -> int:
    """An admin removes `user`'s second factors (a lost phone or key) and ends their sessions, audited.

    Returns how many authenticators (TOTP, passkeys, recovery codes) went. If `user`'s role reaches
    sensitive data, they must set up a new second factor before they see anything (middleware).
    """
    removed: int = Authenticator.objects.filter(user=user).delete()[0]
    ended = do_end_sessions(user)
    audit.record(
        actor=str(admin.uuid),
        role="admin",
        action=AuditAction.CHANGED,
        object_type="accounts.user",
        object_ids=[user.uuid],
        detail={"what": "second factor reset", "authenticators": removed, "sessions": ended},
    )
    return removed


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def do_create_token(
    user: User,
    *,
    name: str,
    lifetime: timedelta | None = None,
    scope: TokenScope = TokenScope.WRITE,
    actor: str | None = None,
) -> IssuedToken:
    """A new token for `user`, audited; the secret exists only in the result, the database keeps its hash.

    actor: who creates it (audit.CLI from the server's command line; by default the user themself).
    Raises IntegrityError if `user` has a live token with this name.
    """
    secret = "sol_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:12],
        token_hash=digest(secret),
        scope=scope,
        expires_at=timezone.now() + lifetime if lifetime else None,
    )
    audit.record(
        actor=actor or str(user.uuid),
        action=AuditAction.CREATED,
        object_type="accounts.apitoken",
        object_ids=[token.uuid],
        detail={"token": token.prefix, "scope": token.scope},
    )
    return IssuedToken(token, secret)


@transaction.atomic
def do_revoke_tokens(user: User, *, name: str | None = None, actor: str | None = None) -> int:
    """Revoke the user's live tokens (one by name, or all), audited; returns how many."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if name is not None:
        tokens = tokens.filter(name=name)
    return revoke(tokens, actor=actor or str(user.uuid))


@transaction.atomic
def do_revoke_token(token: ApiToken, *, actor: str) -> bool:
    """Revoke one token (reached through access.access_token), audited; True if it was live."""
    return revoke(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True), actor=actor) == 1


def revoke(tokens: QuerySet[ApiToken], *, actor: str) -> int:
    revoked = list(tokens.select_for_update().values_list("uuid", flat=True))
    count = ApiToken.objects.filter(uuid__in=revoked, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        audit.record(
            actor=actor,
            action=AuditAction.CHANGED,
            object_type="accounts.apitoken",
            object_ids=revoked,
            detail={"what": "revoked", "tokens": count},
        )
    return count


def find_token(secret: str) -> ApiToken | None:
    """The live, unexpired token of an active user with this secret; records the use (at most once a minute)."""
    now = timezone.now()
    token = (
        ApiToken.objects.filter(token_hash=digest(secret), revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_token(secret: str) -> User | None:
    """The active user behind a live, unexpired token (see find_token)."""
    token = find_token(secret)
    return token.user if token is not None else None


def do_record_token_write(token: ApiToken, *, method: str, path: str) -> None:
    """Audit one write through a token: who (the token's owner), with which token, what request.

    The path carries codes and UUIDs only (no personal data in URLs), so it may go into the log.
    """
    audit.record(
        actor=str(token.user.uuid),
        action=AuditAction.LOGIN,
        object_type="accounts.apitoken",
        object_ids=[token.uuid],
        detail={"token": token.prefix, "method": method, "path": path[:200]},
    )
