"""The organisers' invitations (campaigns.invite_views); the lead's campaigns/urls.py includes these."""

from django.urls import URLPattern, path

from solidarity.campaigns import invite_views

urlpatterns: list[URLPattern] = [
    # A campaign's invitations (its group's members), and the form that sends one (its organisers).
    path("campaigns/<str:campaign>/invitations/", invite_views.invitations, name="invitations"),
    path("campaigns/<str:campaign>/invitations/new/", invite_views.invite, name="invite"),
]
