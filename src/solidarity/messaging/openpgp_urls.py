from django.urls import path

from solidarity.messaging import openpgp_views

app_name = "openpgp"
urlpatterns = [
    path("openpgp/", openpgp_views.network_key_page, name="network-key"),
    path("openpgp/keys/<str:proof>/", openpgp_views.confirm_key, name="confirm-key"),
]
