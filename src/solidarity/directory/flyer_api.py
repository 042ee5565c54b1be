"""The directory's printable flyers and cards in the JSON API: the same PDFs as the pages, readable without a
token (they are public: a flyer reads the directory as the public does, and names no person)."""

from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.flyers import Layout, Paper
from solidarity.core.zones import zone_by_slug
from solidarity.directory.api import NO_TOKEN
from solidarity.directory.flyer_views import pdf
from solidarity.directory.flyers import (
    flyer_list,
    hotline_card_pdf,
    list_signup_pdf,
    resource_list_pdf,
    rights_card_pdf,
)
from solidarity.directory.models import Kind

router = Router(tags=["directory"])

PDF: dict[str, object] = {
    **NO_TOKEN,
    "responses": {200: {"description": "The PDF.", "content": {"application/pdf": {}}}},
}
Language = Literal["en", "es"]
LANGUAGE_HELP = "The language of the page the QR code opens when both languages share a page; the caller's by default."
ZoneSlug = Annotated[str, Field(min_length=1, max_length=60)]


class FlyerListQuery(Schema):
    list_slug: str = Field(alias="list", min_length=1, max_length=60, description="The list's short name.")


def language_of(language: Language | None) -> str:
    return language or (get_language() or "en")[:2]


@router.get(
    "/flyers/resources",
    response={200: None},
    summary="A flyer of the public resources for a need and a zone (PDF)",
    auth=None,
    openapi_extra=PDF,
)
@api_permission("public")
def resources_flyer(
    request: HttpRequest,
    paper: Paper = Paper.LETTER,
    layout: Layout = Layout.BILINGUAL,
    kind: Kind | None = None,
    zone: ZoneSlug | None = None,
    language: Annotated[Language | None, Field(description=LANGUAGE_HELP)] = None,
) -> HttpResponse:
    """The resources listed publicly (never the members-only), phones first, each with when it was last
    checked; its QR code opens the public directory filtered alike."""
    if zone and zone_by_slug(zone) is None:
        message = _("No zone has this short name.")
        raise ApiError(422, "unknown_zone", message, fields={"zone": [message]})
    made = resource_list_pdf(kind or "", zone or "", language_of(language), paper, layout)
    return pdf(made)


@router.get(
    "/flyers/hotline-cards",
    response={200: None},
    summary="Pocket cards: the hotline, how to report and what happens next (PDF)",
    auth=None,
    openapi_extra=PDF,
)
@api_permission("public")
def hotline_cards(
    request: HttpRequest,
    paper: Paper = Paper.LETTER,
    layout: Layout = Layout.BILINGUAL,
    language: Annotated[Language | None, Field(description=LANGUAGE_HELP)] = None,
) -> HttpResponse:
    return pdf(hotline_card_pdf(language_of(language), paper, layout))


@router.get(
    "/flyers/rights-cards",
    response={200: None},
    summary="Pocket know-your-rights cards with the hotline (PDF)",
    auth=None,
    openapi_extra=PDF,
)
@api_permission("public")
def rights_cards(
    request: HttpRequest,
    paper: Paper = Paper.LETTER,
    layout: Layout = Layout.BILINGUAL,
    language: Annotated[Language | None, Field(description=LANGUAGE_HELP)] = None,
) -> HttpResponse:
    return pdf(rights_card_pdf(language_of(language), paper, layout))


@router.get(
    "/flyers/list",
    response={200: None, 404: ErrorOut},
    summary="A sign-up flyer for a public announcement list (PDF)",
    auth=None,
    openapi_extra=PDF,
)
@api_permission("public")
def list_flyer(
    request: HttpRequest,
    chosen: Query[FlyerListQuery],
    paper: Paper = Paper.LETTER,
    layout: Layout = Layout.BILINGUAL,
    language: Annotated[Language | None, Field(description=LANGUAGE_HELP)] = None,
) -> HttpResponse:
    """404 for a list that is not open to the public."""
    return pdf(list_signup_pdf(flyer_list(chosen.list_slug), language_of(language), paper, layout))
