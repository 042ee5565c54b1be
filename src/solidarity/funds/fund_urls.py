"""The funds' fund pages : see the views they name."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
