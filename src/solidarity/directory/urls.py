from django.urls import path

from solidarity.directory import views

app_name = "directory"
urlpatterns = [
    # Public (members of the network also see members-only resources).
    path("resources/", views.resource_list, name="list"),
    path("resources/<slug:resource>/", views.resource_page, name="resource"),
    # A resource's keepers: the coordinators of the working group that keeps it.
    path("groups/<slug:group>/resources/new/", views.create_resource, name="create"),
    path("resources/<slug:resource>/edit/", views.edit_resource, name="edit"),
    path("resources/<slug:resource>/keep/", views.keep_resource, name="keep"),
    path("resources/<slug:resource>/checked/", views.mark_checked, name="checked"),
    path("resources/<slug:resource>/phones/", views.add_phone, name="add-phone"),
    path("resources/<slug:resource>/phones/<uuid:phone>/remove/", views.remove_phone, name="remove-phone"),
    path("resources/<slug:resource>/sessions/", views.add_session, name="add-session"),
    path(
        "resources/<slug:resource>/sessions/<uuid:resource_session>/remove/",
        views.remove_session,
        name="remove-session",
    ),
]

# Spreadsheets (directory.csv_views): a group's keepers import a CSV with a preview; anyone exports what they see.
from solidarity.directory import csv_views  # noqa: E402

urlpatterns += [
    path("resources/export.csv", csv_views.export, name="export"),
    path("groups/<slug:group>/resources/import/", csv_views.upload, name="import"),
    path("groups/<slug:group>/resources/import/sample.csv", csv_views.sample, name="import-sample"),
    path("groups/<slug:group>/resources/import/<uuid:resource_import>/", csv_views.preview, name="import-preview"),
    path("groups/<slug:group>/resources/import/<uuid:resource_import>/apply/", csv_views.apply, name="import-apply"),
    path(
        "groups/<slug:group>/resources/import/<uuid:resource_import>/discard/",
        csv_views.discard,
        name="import-discard",
    ),
]
