from django.urls import path

from solidarity.accounts import views

app_name = "accounts"
urlpatterns = [
    # Before allauth's own (config.urls): an account has one email, kept encrypted on the account.
    path("accounts/email/", views.no_email_management, name="no-email-management"),
    path("join/<str:token>/", views.accept_invitation, name="accept-invitation"),
    path("invitations/", views.invitations, name="invitations"),
    path("groups/<slug:group>/", views.group, name="group"),
    path("groups/<slug:group>/members/", views.add_member, name="add-member"),
    path("groups/<slug:group>/audit/", views.group_audit, name="group-audit"),
    path("security/tokens/", views.tokens, name="tokens"),
    path("security/tokens/<uuid:api_token>/revoke/", views.revoke_token, name="revoke-token"),
    path("people/<uuid:person>/security/", views.account_security, name="account-security"),
]
