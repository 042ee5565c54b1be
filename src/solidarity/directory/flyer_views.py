"""The printable flyers and cards: a public page that lists them (a form for each, no JavaScript), and the PDFs.

Public, whoever asks: a flyer reads the directory as the public does (directory.flyers), so nothing on
one is members-only or names a person. The PDFs answer GET with query parameters (paper, layout, and
the need and zone of a resource list, or the list of a sign-up flyer); a choice that cannot be used
answers the page again with the reasons (400), never an error of ours.
"""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from solidarity.core.bilingual import text_of
from solidarity.core.downloads import PDF, file_response
from solidarity.core.flyers import Layout, Paper
from solidarity.core.permissions import permission
from solidarity.directory.flyers import (
    Download,
    flyer_list,
    hotline_card_pdf,
    list_signup_pdf,
    resource_list_pdf,
    rights_card_pdf,
    signup_lists,
)
from solidarity.directory.forms import zone_choices
from solidarity.directory.models import Kind

PAPERS = [(Paper.LETTER.value, _("Letter (US)")), (Paper.A4.value, _("A4"))]
LAYOUTS = [
    (Layout.BILINGUAL.value, _("Both languages side by side")),
    (Layout.SIDES.value, _("One language per side (print on both sides)")),
]


class FlyerForm(forms.Form):
    """The paper and the layout; missing, letter and both languages side by side."""

    paper = forms.ChoiceField(label=_("Paper"), choices=PAPERS, required=False)
    layout = forms.ChoiceField(label=_("Layout"), choices=LAYOUTS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.form_name}_%s")
        super().__init__(*args, **kwargs)

    form_name = "card"

    def printing(self) -> tuple[Paper, Layout]:
        data = self.cleaned_data
        return Paper(data.get("paper") or Paper.LETTER), Layout(data.get("layout") or Layout.BILINGUAL)


class ResourceFlyerForm(FlyerForm):
    form_name = "resources"
    kind = forms.ChoiceField(label=_("Need"), required=False)
    zone = forms.ChoiceField(label=_("Zone"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any need")), *Kind.choices]  # type: ignore[attr-defined]
        self.fields["zone"].choices = [("", _("Any zone")), *zone_choices()]  # type: ignore[attr-defined]


class ListFlyerForm(FlyerForm):
    form_name = "list"
    list = forms.ChoiceField(label=_("List"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(found.slug, text_of(found, "name")) for found in signup_lists()]
        self.fields["list"].choices = choices  # type: ignore[attr-defined]


def pdf(made: Download) -> HttpResponse:
    """A flyer to open in the browser and print (public: nothing personal in it)."""
    return file_response(made.content, PDF, made.filename)


def page(request: HttpRequest, refused: forms.Form | None = None) -> HttpResponse:
    context = {
        "resources_form": ResourceFlyerForm(),
        "hotline_form": FlyerForm(auto_id="hotline_%s"),
        "rights_form": FlyerForm(auto_id="rights_%s"),
        "list_form": ListFlyerForm(),
        "refused": refused,
    }
    return render(request, "directory/flyers.html", context, status=400 if refused is not None else 200)


@require_GET
@permission("public")
def flyers(request: HttpRequest) -> HttpResponse:
    """Every flyer and card anyone may print, each with its choices."""
    return page(request)


@require_GET
@permission("public")
def resources_flyer(request: HttpRequest) -> HttpResponse:
    """The public resources for a need and a zone, with a QR code to the directory filtered alike."""
    form = ResourceFlyerForm(request.GET)
    if not form.is_valid():
        return page(request, form)
    paper, layout = form.printing()
    kind, zone = form.cleaned_data["kind"] or "", form.cleaned_data["zone"] or ""
    return pdf(resource_list_pdf(kind, zone, get_language(), paper, layout))


@require_GET
@permission("public")
def hotline_cards(request: HttpRequest) -> HttpResponse:
    """Pocket cards: the hotline, how to report and what happens next."""
    form = FlyerForm(request.GET)
    if not form.is_valid():
        return page(request, form)
    return pdf(hotline_card_pdf(get_language(), *form.printing()))


@require_GET
@permission("public")
def rights_cards(request: HttpRequest) -> HttpResponse:
    """Pocket know-your-rights cards, with the hotline."""
    form = FlyerForm(request.GET)
    if not form.is_valid():
        return page(request, form)
    return pdf(rights_card_pdf(get_language(), *form.printing()))


@require_GET
@permission("public")
def list_flyer(request: HttpRequest) -> HttpResponse:
    """A public announcement list's sign-up flyer."""
    form = ListFlyerForm(request.GET)
    if not form.is_valid():
        return page(request, form)
    found = flyer_list(form.cleaned_data["list"])
    return pdf(list_signup_pdf(found, get_language(), *form.printing()))
