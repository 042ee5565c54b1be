"""Actions in the JSON API, through the same services as the pages: a group's actions, one action, its state
changes (publish, unpublish, cancel, finish), and the public's read of published actions.

An action is addressed by its code (`/actions/{action}`, or its uuid). Members of its working group read it; its
coordinators (the organisers) change it; to anyone else it does not exist (404). `/public/actions` is anyone's,
without a token: published actions (and, by code, a cancelled or finished one once published), with the public
page's fields only: never the organisers, the checklist, slots or sign-ups.

A refusal about the input is a 422 naming the field; a change to an action that is cancelled or over is a 409
`action_over`. Messages are in the caller's language (Accept-Language).
"""

from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AwareDatetime

from solidarity.accounts.access import access_group, signed_in
from solidarity.accounts.models import User
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.bilingual import text_of
from solidarity.core.permissions import Role, owner_role, role
from solidarity.core.zones import zone_by_slug
from solidarity.events.access import (
    ORGANISERS,
    access_action,
    access_action_scoped,
    access_public_action,
    group_actions,
    public_actions,
)
from solidarity.events.models import MAX_SIZE, SHORT_TEXT, TEXT_LENGTH, TITLE_LENGTH, Action
from solidarity.events.public_views import updates_list
from solidarity.events.services import (
    OVER,
    TEXTS,
    TITLES,
    ActionValues,
    do_cancel_action,
    do_create_action,
    do_finish_action,
    do_publish_action,
    do_unpublish_action,
    do_update_action,
)

router = Router(tags=["events"])

GROUP_MEMBER = role(Role.MEMBER, kwarg="slug")
GROUP_ORGANISER = role(*ORGANISERS, kwarg="slug")
ACTION_MEMBER = owner_role(Role.MEMBER, access=access_action_scoped, kwarg="action")
ACTION_ORGANISER = owner_role(*ORGANISERS, access=access_action_scoped, kwarg="action")
NO_TOKEN: dict[str, Any] = {"security": []}  # OpenAPI: readable without a token
OVER_ANSWER = {409: {"description": "The action is cancelled or over (`action_over`): nothing about it changes."}}
MAX_YEARS_AHEAD = 10

EventActionState = Literal["draft", "published", "cancelled", "done"]
ACTION_FIELDS = (*TITLES, *TEXTS, "starts_at", "ends_at", "gathering_place", "contact", "donate_url", "hotline")


def absolute(name: str, action: Action) -> str:
    return str(settings.BASE_URL).rstrip("/") + reverse(name, kwargs={"action": action.code})


# What goes out.


class EventPublicActionOut(Schema):
    """What the public page says, and nothing else."""

    id: UUID = Field(alias="uuid")
    code: str = Field(description="The public page's short code: /en/a/{code}/.")
    state: Literal["published", "cancelled", "done"] = Field(
        description="published: still to come or under way; cancelled: it will not take place; done: over."
    )
    title: str = Field(description="In the caller's language, else the other.")
    title_en: str
    title_es: str
    description_en: str = Field(description="What the action is.")
    description_es: str
    bring_en: str = Field(description="What to bring.")
    bring_es: str
    rights_en: str = Field(description="Know your rights.")
    rights_es: str
    starts_at: datetime
    ends_at: datetime
    gathering_place: str = Field(description="Where to gather: a public place.")
    zone: str | None = Field(description="The zone's slug.")
    contact: str = Field(description="The organisers' public contact address.")
    donate_url: str = Field(description="The donation page (the medical and legal fund).")
    hotline: str = Field(description="The jail-support number, E.164: to write on an arm.")
    updates_url: str | None = Field(description="The sign-up page for updates, when anyone may sign up.")
    public_url: str = Field(description="The public page, in the caller's language.")
    calendar_url: str = Field(description="The action as an iCalendar file.")
    flyer_url: str = Field(description="The printable flyer (PDF; ?paper=letter|a4&layout=bilingual|sides).")

    @staticmethod
    def resolve_title(obj: Action) -> str:
        return text_of(obj, "title")

    @staticmethod
    def resolve_zone(obj: Action) -> str | None:
        return obj.zone.slug if obj.zone else None

    @staticmethod
    def resolve_updates_url(obj: Action) -> str | None:
        found = updates_list(obj) if obj.state not in OVER else None
        if found is None:
            return None
        return str(settings.BASE_URL).rstrip("/") + reverse("lists:subscribe", kwargs={"list_slug": found.slug})

    @staticmethod
    def resolve_public_url(obj: Action) -> str:
        return absolute("events:public-action", obj)

    @staticmethod
    def resolve_calendar_url(obj: Action) -> str:
        return absolute("events:action-calendar", obj)

    @staticmethod
    def resolve_flyer_url(obj: Action) -> str:
        return absolute("events:action-flyer", obj)


class EventActionOut(Schema):
    """An action as its organisers see it (its slots, checklist and jail support: under /actions/{action}/...)."""

    id: UUID = Field(alias="uuid")
    code: str = Field(description="What its pages are named by: /en/actions/{code}/, and the public /en/a/{code}/.")
    group: str = Field(description="The slug of the working group that organises it.")
    state: EventActionState = Field(
        description="draft: being prepared (no public page); published; cancelled; done: over."
    )
    title: str = Field(description="In the caller's language, else the other.")
    title_en: str
    title_es: str
    description_en: str
    description_es: str
    bring_en: str
    bring_es: str
    rights_en: str
    rights_es: str
    starts_at: datetime
    ends_at: datetime
    gathering_place: str
    zone: str | None = Field(description="The zone's slug.")
    contact: str
    donate_url: str
    hotline: str = Field(description="E.164, or empty.")
    expected_size: int | None
    updates_list: str | None = Field(description="The slug of its update list (the lists part), once made.")
    public_url: str | None = Field(description="The public page, once published (and while it is up).")
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_group(obj: Action) -> str:
        return obj.group.slug

    @staticmethod
    def resolve_title(obj: Action) -> str:
        return text_of(obj, "title")

    @staticmethod
    def resolve_zone(obj: Action) -> str | None:
        return obj.zone.slug if obj.zone else None

    @staticmethod
    def resolve_updates_list(obj: Action) -> str | None:
        return obj.updates_list.slug if obj.updates_list else None

    @staticmethod
    def resolve_public_url(obj: Action) -> str | None:
        if obj.published_at is None or obj.state == "draft":
            return None
        return absolute("events:public-action", obj)


# What comes in.


class EventActionFilters(Schema):
    state: EventActionState | None = None


class EventActionIn(Schema):
    title_en: str = Field("", max_length=TITLE_LENGTH, description="At least one of `title_en` and `title_es`.")
    title_es: str = Field("", max_length=TITLE_LENGTH)
    description_en: str = Field("", max_length=TEXT_LENGTH, description="What the action is, for the public.")
    description_es: str = Field("", max_length=TEXT_LENGTH)
    bring_en: str = Field("", max_length=TEXT_LENGTH, description="What to bring.")
    bring_es: str = Field("", max_length=TEXT_LENGTH)
    rights_en: str = Field("", max_length=TEXT_LENGTH, description="Know your rights.")
    rights_es: str = Field("", max_length=TEXT_LENGTH)
    starts_at: AwareDatetime | None = Field(None, description="Required. ISO 8601 with its offset.")
    ends_at: AwareDatetime | None = Field(None, description="Required; after `starts_at`.")
    gathering_place: str = Field("", max_length=SHORT_TEXT, description="Required: a public place, never a home.")
    zone: str | None = Field(None, max_length=60, description="A zone's slug.")
    contact: str = Field("", max_length=SHORT_TEXT, description="The group's public email or number.")
    donate_url: str = Field("", max_length=300, description="https://...")
    hotline: str = Field("", max_length=32, description="The jail-support number as written; kept in E.164.")
    expected_size: int | None = Field(None, ge=0, le=MAX_SIZE)


class EventActionPatch(Schema):
    """Only the fields sent change (`zone`: "" takes it away)."""

    title_en: str | None = Field(None, max_length=TITLE_LENGTH)
    title_es: str | None = Field(None, max_length=TITLE_LENGTH)
    description_en: str | None = Field(None, max_length=TEXT_LENGTH)
    description_es: str | None = Field(None, max_length=TEXT_LENGTH)
    bring_en: str | None = Field(None, max_length=TEXT_LENGTH)
    bring_es: str | None = Field(None, max_length=TEXT_LENGTH)
    rights_en: str | None = Field(None, max_length=TEXT_LENGTH)
    rights_es: str | None = Field(None, max_length=TEXT_LENGTH)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    gathering_place: str | None = Field(None, max_length=SHORT_TEXT)
    zone: str | None = Field(None, max_length=60)
    contact: str | None = Field(None, max_length=SHORT_TEXT)
    donate_url: str | None = Field(None, max_length=300)
    hotline: str | None = Field(None, max_length=32)
    expected_size: int | None = Field(None, ge=0, le=MAX_SIZE)


# Helpers.


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_input", message, {field: [message]})


def over() -> ApiError:
    return ApiError(409, "action_over", _("This action is cancelled or over."))


def refused(error: ValidationError) -> ApiError:
    """A service's refusal: about a field, 422 naming it; about the action's state, 409 `action_over`."""
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        return ApiError(422, "invalid_input", next(iter(fields.values()))[0], fields)
    return ApiError(409, "action_over", " ".join(error.messages))


def within_years(value: datetime | None, field: str) -> None:
    """A time within the years an action may be set in (an absurd year would reach the calendar files)."""
    now = timezone.now()
    if value is not None and not now - timedelta(days=366) <= value <= now + timedelta(days=366 * MAX_YEARS_AHEAD):
        raise invalid(field, _("Choose a time within the next %(years)d years.") % {"years": MAX_YEARS_AHEAD})


def action_values(current: dict[str, Any], changes: dict[str, Any]) -> ActionValues:
    """The action's values (`current`, by field) with `changes` (the API's names) made."""
    values = current | {name: value for name, value in changes.items() if value is not None}
    for name in ("starts_at", "ends_at"):
        if name in changes:
            within_years(changes[name], name)
    zone = current.get("zone")
    if changes.get("zone") is not None:
        slug = changes["zone"].strip()
        zone = zone_by_slug(slug) if slug else None
        if slug and zone is None:
            raise invalid("zone", _("No zone has this short name."))
    return ActionValues(
        **{name: values.get(name) or "" for name in ACTION_FIELDS if name not in ("starts_at", "ends_at")},
        starts_at=values.get("starts_at"),
        ends_at=values.get("ends_at"),
        zone=zone,
        expected_size=values.get("expected_size"),
    )


def current_values(action: Action) -> dict[str, Any]:
    found = {name: getattr(action, name) for name in ACTION_FIELDS}
    return found | {"zone": action.zone, "expected_size": action.expected_size}


def organiser_step(request: HttpRequest, action: str) -> tuple[User, Action]:
    """The caller and the action they organise, still open to changes."""
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    if found.state in OVER:
        raise over()
    return user, found


def stepped(request: HttpRequest, action: str, step: Any) -> Action:
    user, found = organiser_step(request, action)
    try:
        step(found, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return found


# The organisers'.


@router.get("/groups/{slug}/actions", response=list[EventActionOut], summary="A group's actions")
@paginate
@api_permission(GROUP_MEMBER)
def list_actions(request: HttpRequest, slug: str, filters: Query[EventActionFilters]) -> QuerySet[Action]:
    """Latest first; `state` keeps those in it."""
    found = group_actions(access_group(signed_in(request), slug, Role.MEMBER)).select_related("zone", "updates_list")
    return found.filter(state=filters.state) if filters.state else found


@router.post("/groups/{slug}/actions", response={201: EventActionOut}, summary="Plan an action")
@api_permission(GROUP_ORGANISER)
def create_action(request: HttpRequest, slug: str, payload: EventActionIn) -> Status[Action]:
    """For the group's coordinators. Being prepared (no public page) until published; the answer carries its
    `code`. Its checklist is made from the network's template."""
    user = signed_in(request)
    group = access_group(user, slug, GROUP_ORGANISER)
    values = action_values({}, payload.model_dump())
    try:
        made = do_create_action(group, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, made)


@router.get("/actions/{action}", response=EventActionOut, summary="An action")
@api_permission(ACTION_MEMBER)
def read_action(request: HttpRequest, action: str) -> Action:
    """`action`: its code (or its id)."""
    return access_action(signed_in(request), action)


@router.patch(
    "/actions/{action}",
    response={200: EventActionOut, 409: ErrorOut},
    summary="Change an action (the fields sent)",
    openapi_extra={"responses": OVER_ANSWER},
)
@api_permission(ACTION_ORGANISER)
def update_action(request: HttpRequest, action: str, payload: EventActionPatch) -> Action:
    """A new end moves the moment it becomes over."""
    user, found = organiser_step(request, action)
    values = action_values(current_values(found), payload.model_dump(exclude_unset=True))
    try:
        do_update_action(found, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return found


@router.post(
    "/actions/{action}/publish",
    response={200: EventActionOut, 409: ErrorOut},
    summary="Put the action's public page up",
    openapi_extra={"responses": OVER_ANSWER},
)
@api_permission(ACTION_ORGANISER)
def publish_action(request: HttpRequest, action: str) -> Action:
    """Up already: nothing changes."""
    return stepped(request, action, do_publish_action)


@router.post(
    "/actions/{action}/unpublish",
    response={200: EventActionOut, 409: ErrorOut},
    summary="Take the action's public page down",
    openapi_extra={"responses": OVER_ANSWER},
)
@api_permission(ACTION_ORGANISER)
def unpublish_action(request: HttpRequest, action: str) -> Action:
    """Back to being prepared: the public page, flyer and calendar file answer 404 until published again."""
    return stepped(request, action, do_unpublish_action)


@router.post(
    "/actions/{action}/cancel",
    response={200: EventActionOut, 409: ErrorOut},
    summary="Call the action off",
    openapi_extra={"responses": OVER_ANSWER},
)
@api_permission(ACTION_ORGANISER)
def cancel_action(request: HttpRequest, action: str) -> Action:
    """For good: its public page (once published) says it is cancelled."""
    return stepped(request, action, do_cancel_action)


@router.post(
    "/actions/{action}/finish",
    response={200: EventActionOut, 409: ErrorOut},
    summary="Mark the action over",
    openapi_extra={"responses": OVER_ANSWER},
)
@api_permission(ACTION_ORGANISER)
def finish_action(request: HttpRequest, action: str) -> Action:
    """It also becomes over by itself when its end passes."""
    return stepped(request, action, do_finish_action)


# The public's.


@router.get(
    "/public/actions",
    response=list[EventPublicActionOut],
    summary="Published actions still to come (no account needed)",
    auth=None,
    openapi_extra=NO_TOKEN,
)
@paginate
@api_permission("public")
def list_public_actions(request: HttpRequest) -> QuerySet[Action]:
    """Soonest first; what their public pages say, nothing else."""
    return public_actions().filter(ends_at__gt=timezone.now()).select_related("zone", "updates_list__group")


@router.get(
    "/public/actions/{action}",
    response=EventPublicActionOut,
    summary="An action's public page (no account needed)",
    auth=None,
    openapi_extra=NO_TOKEN,
)
@api_permission("public")
def read_public_action(request: HttpRequest, action: str) -> Action:
    """Published, or cancelled or over once it was; a draft is 404."""
    return access_public_action(action)
