from django.urls import path

from solidarity.people import import_views, record_views, self_views, views

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
    # A roster keeper sends a test message to one of a person's contacts (people.contact_tests).
    path("people/<uuid:person_id>/contacts/<uuid:contact>/test/", self_views.keeper_contact_test, name="test-contact"),
    # A volunteer's own record, opened by a link sent to their phone or email (people.self_access).
    path("me/", self_views.ask_link, name="ask-link"),
    path("me/open/<str:link>/", self_views.open_record, name="open-record"),
    path("me/record/", self_views.own_record, name="own-record"),
    path("me/language/", self_views.own_language, name="own-language"),
    path("me/pause/", self_views.own_pause, name="own-pause"),
    path("me/back/", self_views.own_back, name="own-back"),
    path("me/leave/", self_views.own_leave, name="own-leave"),
    path("me/shifts/", self_views.own_shifts, name="own-shifts"),
    path("me/contacts/<uuid:contact>/test/", self_views.own_contact_test, name="own-contact-test"),
    path("me/calendar/", self_views.own_calendar, name="own-calendar"),
    path("me/sign-out/", self_views.own_sign_out, name="own-sign-out"),
    # An email test's link: one button confirms the address works.
    path("contact-tests/<str:test>/", self_views.confirm_contact_test, name="confirm-contact-test"),
    # What changes on a record after it was made (people.record_views).
    path("people/<uuid:person_id>/contacts/", record_views.add_contact, name="add-contact"),
    path("people/<uuid:person_id>/contacts/<uuid:contact>/remove/", record_views.remove_contact, name="remove-contact"),
    path(
        "people/<uuid:person_id>/contacts/<uuid:contact>/primary/",
        record_views.primary_contact,
        name="primary-contact",
    ),
    path("people/<uuid:person_id>/shifts/", record_views.edit_shifts, name="edit-shifts"),
    path("people/<uuid:person_id>/one-off-shifts/", record_views.add_one_off, name="add-one-off"),
    path(
        "people/<uuid:person_id>/one-off-shifts/<uuid:change>/remove/",
        record_views.remove_one_off,
        name="remove-one-off",
    ),
    path("people/<uuid:person_id>/account/", record_views.link_account, name="link-account"),
    path("people/<uuid:person_id>/account/unlink/", record_views.unlink_account, name="unlink-account"),
    path(
        "people/<uuid:person_id>/certifications/<uuid:certification>/sign-off/",
        record_views.sign_off,
        name="sign-off",
    ),
    path(
        "people/<uuid:person_id>/certifications/<uuid:certification>/remove/",
        record_views.remove_certification,
        name="remove-certification",
    ),
    path("people/<uuid:person_id>/groups/", record_views.add_to_group, name="add-to-group"),
    path(
        "people/<uuid:person_id>/groups/<slug:slug>/remove/", record_views.remove_from_group, name="remove-from-group"
    ),
    path("people/vouches-needed/", record_views.vouches_needed, name="vouches-needed"),
]
