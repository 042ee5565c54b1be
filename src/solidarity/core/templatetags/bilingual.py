"""`{% load bilingual %}{{ announcement_list|in_language:"name" }}`: a public text in the page's language."""

from typing import Any

from django import template

from solidarity.core.bilingual import text_of

register = template.Library()


@register.filter
def in_language(obj: Any, field: str) -> str:
    return text_of(obj, field)
