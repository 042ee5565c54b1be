"""The events' pages: the actions and their public pages (action_urls), sign-ups (signup_urls), the jail-support
board and arrest plans (jail_urls), the checklist and the debrief (checklist_urls)."""

from django.urls import URLPattern

from solidarity.events import action_urls, checklist_urls, jail_urls, signup_urls

app_name = "events"
urlpatterns: list[URLPattern] = [
    # First: "actions/checklist-template/" would otherwise read as an action's code.
    *checklist_urls.urlpatterns,
    *action_urls.urlpatterns,
    *signup_urls.urlpatterns,
    *jail_urls.urlpatterns,
]
