"""Addresses outside the language prefix: the projector's short link and the live stream."""

from django.urls import path

from solidarity.meetings import live_views

app_name = "meetings-live"
urlpatterns = [
    path("m/<str:meeting>", live_views.short_link, name="short"),
    path("live/meetings/<str:meeting>/", live_views.stream, name="stream"),
]
