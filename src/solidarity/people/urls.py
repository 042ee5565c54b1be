from django.urls import path

from solidarity.people import record_views, views

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
