from django.urls import path

from solidarity.people import import_views, views

app_name = "people"
urlpatterns = [
    # The network's roster: roster keepers and dispatchers (people.access).
    path("people/", views.roster_page, name="roster"),
    path("people/new/", views.add_person, name="add-person"),
    path("people/mark-vetted/", views.mark_vetted, name="mark-vetted"),
    # A person's page: whoever may see them; the rest for roster keepers. UUIDs only: no name in a URL.
    path("people/<uuid:person_id>/", views.person_page, name="person"),
    path("people/<uuid:person_id>/edit/", views.edit_person, name="edit-person"),
    path("people/<uuid:person_id>/pause/", views.pause_person, name="pause-person"),
    path("people/<uuid:person_id>/back/", views.back_person, name="back-person"),
    path("people/<uuid:person_id>/leave/", views.leave_person, name="leave-person"),
    path("people/<uuid:person_id>/certifications/", views.grant_certification, name="grant-certification"),
    path("people/<uuid:person_id>/vouch/", views.vouch, name="vouch"),
    path("people/<uuid:person_id>/vouches/<uuid:vouch>/withdraw/", views.withdraw_vouch, name="withdraw-vouch"),
    # Spreadsheets in and out, and merging two records of one person: roster keepers (people.import_views).
    path("people/import/", import_views.upload, name="import"),
    path("people/imports/<uuid:import_id>/", import_views.import_page, name="import-detail"),
    path("people/imports/<uuid:import_id>/run/", import_views.run_import, name="run-import"),
    path("people/imports/<uuid:import_id>/live/", import_views.import_live, name="import-live"),
    path("people/imports/<uuid:import_id>/broken-rows/", import_views.broken_rows, name="import-broken-rows"),
    path("people/imports/<uuid:import_id>/mark-vetted/", import_views.mark_vetted, name="import-mark-vetted"),
    path("people/export/", import_views.export, name="export"),
    path("people/<uuid:person_id>/merge/", import_views.merge_pick, name="merge"),
    path("people/<uuid:person_id>/merge/<uuid:gone_id>/", import_views.merge_confirm, name="merge-confirm"),
]
