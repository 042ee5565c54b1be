"""The events' pages: actions (filled in by the part's own module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
