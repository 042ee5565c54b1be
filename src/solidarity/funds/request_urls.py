"""The funds' request pages: payments out of a fund and the bonds it follows (funds.request_views)."""

from django.urls import URLPattern, path

from solidarity.funds import request_views as views

urlpatterns: list[URLPattern] = [
    path("funds/<slug:fund>/requests/", views.requests_list, name="requests"),
    path("funds/<slug:fund>/requests/new/", views.request_new, name="request-new"),
    path("funds/requests/<uuid:disbursement>/", views.request_detail, name="request"),
    path("funds/requests/<uuid:disbursement>/approve/", views.approve, name="request-approve"),
    path("funds/requests/<uuid:disbursement>/refuse/", views.refuse, name="request-refuse"),
    path("funds/requests/<uuid:disbursement>/withdraw/", views.withdraw, name="request-withdraw"),
    path("funds/requests/<uuid:disbursement>/pay/", views.pay, name="request-pay"),
    path("funds/<slug:fund>/bonds/", views.bonds_list, name="bonds"),
    path("funds/bonds/<uuid:bond>/", views.bond_detail, name="bond"),
    path("funds/bonds/<uuid:bond>/steps/", views.bond_step, name="bond-step"),
]
