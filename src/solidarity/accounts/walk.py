"""Accounts' objects for the URL walk (core.permissions.WALK_FILLERS): a group, a plain member, a passkey, a token."""

from allauth.mfa.models import Authenticator

from solidarity.accounts.groups import do_add_member
from solidarity.accounts.models import ApiToken, Membership, User
from solidarity.accounts.services import do_create_token
from solidarity.core.permissions import WALK_FILLERS, WalkWorld


def plain_member(world: WalkWorld) -> str:
    """A plain member of the walk's group; an endpoint may remove them, so they are put back before each use."""
    found = User.objects.filter(username="walk.member").first()
    if found is None:
        found = User(username="walk.member", email="walk.member@example.org")
        found.set_unusable_password()
        found.save()
    if not Membership.objects.filter(group=world.group, user=found).exists():
        do_add_member(world.group, found)
    return str(found.uuid)


def owners_passkey(world: WalkWorld) -> int:
    found = Authenticator.objects.filter(user=world.owner, type=Authenticator.Type.WEBAUTHN).first()
    if found is None:
        found = Authenticator.objects.create(
            user=world.owner, type=Authenticator.Type.WEBAUTHN, data={"name": "walk key", "credential": {}}
        )
    return int(found.pk)


def owners_token(world: WalkWorld) -> str:
    found = ApiToken.objects.filter(user=world.owner, revoked_at__isnull=True).first()
    return str(found.uuid if found else do_create_token(world.owner, name="walk").token.uuid)


def register() -> None:
    fillers = {
        "group": lambda world: world.group.slug,  # our pages: the working group the URL names
        "slug": lambda world: world.group.slug,  # the API's /groups/{slug}/...
        "person": plain_member,  # a member's pages, an account's security page
        "id": plain_member,  # the API's /groups/{slug}/members/{id}
        "api_token": owners_token,  # revoking one of the caller's own tokens
        "pk": owners_passkey,  # allauth's passkey pages
        "token": lambda world: "not-a-real-invitation-token",  # an invitation's link
        "key": lambda world: "not-a-real-key",  # allauth's email and password links
        "uidb36": lambda world: "1",
    }
    for name, filler in fillers.items():
        WALK_FILLERS.register(name, filler)
