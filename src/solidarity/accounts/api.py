"""Who the caller is, and their API tokens."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import ApiToken
from solidarity.core.api import api_permission

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: str
    username: str
    is_admin: bool
    language: str


class TokenOut(Schema):
    id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


@router.get("/me", response=MeOut, summary="The account making this request")
@api_permission("authenticated")
def me(request: HttpRequest) -> MeOut:
    user = signed_in(request)
    return MeOut(id=str(user.uuid), username=user.username, is_admin=user.is_admin, language=user.language)


@router.get("/tokens", response=list[TokenOut], summary="Your live API tokens")
@api_permission("authenticated")
def tokens(request: HttpRequest) -> list[TokenOut]:
    live = ApiToken.objects.filter(user=signed_in(request), revoked_at__isnull=True).order_by("created_at")
    return [
        TokenOut(
            id=str(token.uuid),
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
        )
        for token in live
    ]
