from django.urls import path

from solidarity.accounts import group_views, views

app_name = "accounts"
urlpatterns = [
    # Before allauth's own (config.urls): an account has one email, kept encrypted on the account.
    path("accounts/email/", views.no_email_management, name="no-email-management"),
    path("join/<str:token>/", views.accept_invitation, name="accept-invitation"),
    path("invitations/", views.invitations, name="invitations"),
    # Working groups: an admin's list of them, and each group's settings.
    path("groups/", group_views.groups, name="groups"),
    path("groups/<slug:group>/settings/", group_views.group_settings, name="group-settings"),
    path("groups/<slug:group>/settings/appoint/", group_views.appoint_coordinator, name="appoint-coordinator"),
    path(
        "groups/<slug:group>/settings/coordinators/<uuid:person>/remove/",
        group_views.remove_coordinator,
        name="remove-coordinator",
    ),
    path("groups/<slug:group>/settings/join/", group_views.join_group, name="join-group"),
    path("groups/<slug:group>/settings/archive/", group_views.archive_group, name="archive-group"),
    # A group's own pages, for its members and coordinators.
    path("groups/<slug:group>/", group_views.group, name="group"),
    path("groups/<slug:group>/members/", group_views.add_member, name="add-member"),
    path("groups/<slug:group>/members/<uuid:person>/", group_views.member, name="member"),
    path("groups/<slug:group>/members/<uuid:person>/remove/", group_views.remove_member, name="remove-member"),
    path("groups/<slug:group>/audit/", group_views.group_audit, name="group-audit"),
    path("security/tokens/", views.tokens, name="tokens"),
    path("security/tokens/<uuid:api_token>/revoke/", views.revoke_token, name="revoke-token"),
    path("people/<uuid:person>/security/", views.account_security, name="account-security"),
]
