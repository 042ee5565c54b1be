"""Public texts written in two languages: the page's own, else the other, never English over Spanish."""

from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

from solidarity.core.bilingual import pick, text_of


def test_the_page_language_wins_and_the_other_fills_a_gap() -> None:
    assert pick("Rapid response", "Respuesta rápida", "es") == "Respuesta rápida"
    assert pick("Rapid response", "Respuesta rápida", "en") == "Rapid response"
    assert pick("Rapid response", "", "es") == "Rapid response"
    assert pick("", "Respuesta rápida", "en") == "Respuesta rápida"
    assert pick("", "", "es") == ""


def test_a_template_shows_a_field_pair_in_the_active_language() -> None:
    announcement_list = SimpleNamespace(name_en="Workshops", name_es="Talleres")
    template = Template('{% load bilingual %}{{ item|in_language:"name" }}')
    with translation.override("es"):
        assert template.render(Context({"item": announcement_list})) == "Talleres"
        assert text_of(announcement_list, "name") == "Talleres"
    with translation.override("en"):
        assert template.render(Context({"item": announcement_list})) == "Workshops"
