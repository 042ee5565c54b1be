"""The calendar feed, outside the language prefixes: a calendar app sends no cookie and no language."""

from django.urls import path

from solidarity.people import self_views

app_name = "feeds"
urlpatterns = [
    path("calendar/<str:feed>.ics", self_views.calendar_feed, name="calendar"),
]
