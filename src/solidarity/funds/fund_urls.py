"""The funds' fund pages (funds.fund_views) and the import of a payment platform's export (fund_csv_views)."""

from django.urls import URLPattern, path

from solidarity.funds import fund_csv_views, fund_views

urlpatterns: list[URLPattern] = [
    # A group's funds (its members), and a new one (its treasurers).
    path("groups/<slug:group>/funds/", fund_views.group_funds_page, name="group-funds"),
    path("groups/<slug:group>/funds/new/", fund_views.create_fund, name="create-fund"),
    # A fund's page (its group's members), and its treasurers' forms.
    path("funds/<str:fund>/", fund_views.fund_page, name="fund"),
    path("funds/<str:fund>/gifts/new/", fund_views.record_donation, name="record-donation"),
    path("funds/<str:fund>/gifts/<uuid:donation>/collect/", fund_views.collect_pledge, name="collect-pledge"),
    path("funds/<str:fund>/transfer/", fund_views.transfer, name="transfer"),
    path("funds/<str:fund>/transactions/<uuid:transaction>/correct/", fund_views.correct, name="correct"),
    path("funds/<str:fund>/settings/", fund_views.fund_settings, name="settings"),
    path("funds/<str:fund>/bands/", fund_views.bands, name="bands"),
    # A payment platform's export: upload, preview, record or discard.
    path("funds/<str:fund>/import/", fund_csv_views.upload, name="import"),
    path("funds/<str:fund>/import/sample.csv", fund_csv_views.sample, name="import-sample"),
    path("funds/<str:fund>/import/<uuid:fund_import>/", fund_csv_views.preview, name="import-preview"),
    path("funds/<str:fund>/import/<uuid:fund_import>/apply/", fund_csv_views.apply, name="import-apply"),
    path("funds/<str:fund>/import/<uuid:fund_import>/discard/", fund_csv_views.discard, name="import-discard"),
]
