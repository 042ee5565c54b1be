"""The network's key where programs look for it, outside the language prefix: a file and a Web Key Directory."""

from django.urls import path

from solidarity.messaging import openpgp_views

app_name = "published"
urlpatterns = [
    path("openpgp/network-key.asc", openpgp_views.network_key_file, name="network-key-file"),
    path(".well-known/openpgpkey/hu/<str:hashed>", openpgp_views.wkd_key, name="wkd-key"),
    path(".well-known/openpgpkey/policy", openpgp_views.wkd_policy, name="wkd-policy"),
]
