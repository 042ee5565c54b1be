from django.urls import path

from solidarity.directory import csv_views, flyer_views, views

app_name = "directory"
urlpatterns = [
    # Public (members of the network also see members-only resources).
    path("resources/", views.resource_list, name="list"),
    path("resources/dates.ics", views.sessions_feed, name="feed"),
    path("resources/to-check/", views.to_check, name="to-check"),
    path("resources/still-right/<str:keeper_token>/", views.still_right, name="still-right"),
    path("resources/<slug:resource>/", views.resource_page, name="resource"),
    path("resources/<slug:resource>/card.vcf", views.vcard_file, name="vcard"),
    path("resources/<slug:resource>/dates.ics", views.resource_feed, name="resource-feed"),
    # A resource's keepers: the coordinators of the working group that keeps it.
    path("groups/<slug:group>/resources/new/", views.create_resource, name="create"),
    path("resources/<slug:resource>/edit/", views.edit_resource, name="edit"),
    path("resources/<slug:resource>/keep/", views.keep_resource, name="keep"),
    path("resources/<slug:resource>/checked/", views.mark_checked, name="checked"),
    path("resources/<slug:resource>/pin/", views.pin, name="pin"),
    path("resources/<slug:resource>/phones/", views.add_phone, name="add-phone"),
    path("resources/<slug:resource>/phones/<uuid:phone>/remove/", views.remove_phone, name="remove-phone"),
    path("resources/<slug:resource>/sessions/", views.add_session, name="add-session"),
    path(
        "resources/<slug:resource>/sessions/<uuid:resource_session>/remove/",
        views.remove_session,
        name="remove-session",
    ),
]

# Printable flyers and cards (public: directory.flyer_views).
urlpatterns += [
    path("flyers/", flyer_views.flyers, name="flyers"),
    path("flyers/resources.pdf", flyer_views.resources_flyer, name="flyer-resources"),
    path("flyers/hotline-cards.pdf", flyer_views.hotline_cards, name="flyer-hotline"),
    path("flyers/rights-cards.pdf", flyer_views.rights_cards, name="flyer-rights"),
    path("flyers/list.pdf", flyer_views.list_flyer, name="flyer-list"),
]

# Spreadsheets (directory.csv_views): a group's keepers import a CSV with a preview; anyone exports what they see.
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
