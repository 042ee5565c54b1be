"""The events' pages of actions: the organisers' (action_views) and the public's (public_views)."""

from django.urls import URLPattern, path

from solidarity.events import action_views, public_views

urlpatterns: list[URLPattern] = [
    # A group's actions (its members), and a new one (its coordinators).
    path("groups/<slug:group>/actions/", action_views.group_actions_page, name="group-actions"),
    path("groups/<slug:group>/actions/new/", action_views.create_action, name="create-action"),
    # The organisers' page (the group's members see it; its coordinators act), and the coordinators' buttons.
    path("actions/<str:action>/", action_views.action_page, name="action"),
    path("actions/<str:action>/edit/", action_views.edit_action, name="edit-action"),
    path("actions/<str:action>/publish/", action_views.publish_action, name="publish-action"),
    path("actions/<str:action>/unpublish/", action_views.unpublish_action, name="unpublish-action"),
    path("actions/<str:action>/cancel/", action_views.cancel_action, name="cancel-action"),
    path("actions/<str:action>/finish/", action_views.finish_action, name="finish-action"),
    # Public: the actions to come, an action's page made for circulation, its calendar file and its flyer.
    path("a/", public_views.public_list, name="public-actions"),
    path("a/<str:action>/", public_views.public_action, name="public-action"),
    path("a/<str:action>/calendar.ics", public_views.action_calendar, name="action-calendar"),
    path("a/<str:action>/flyer.pdf", public_views.action_flyer, name="action-flyer"),
]
