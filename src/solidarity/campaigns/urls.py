"""The campaigns' pages. (Minimal: the invitations only, until the pages' URL conf is merged.)"""

from django.urls import URLPattern

from solidarity.campaigns import invite_urls

app_name = "campaigns"
urlpatterns: list[URLPattern] = [*invite_urls.urlpatterns]
