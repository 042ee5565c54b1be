from django.urls import path

from solidarity.supplies import csv_views, views

app_name = "supplies"
urlpatterns = [
    # A group's stock and report (its members), and its setup (its coordinators and medic leads).
    path("groups/<slug:group>/supplies/", views.stock, name="stock"),
    path("groups/<slug:group>/supplies/report/", views.report, name="report"),
    path("groups/<slug:group>/supplies/count-sheet.pdf", views.count_sheet_pdf, name="count-sheet"),
    path("groups/<slug:group>/supplies/setup/", views.setup, name="setup"),
    path("groups/<slug:group>/supplies/items/new/", views.create_item, name="create-item"),
    path("groups/<slug:group>/supplies/locations/new/", views.create_location, name="create-location"),
    path("groups/<slug:group>/supplies/kits/new/", views.create_kit_template, name="create-kit"),
    # Spreadsheets (supplies.csv_views): a group's keepers import items or stock with a preview, and export them.
    path("groups/<slug:group>/supplies/items.csv", csv_views.export, {"sheet": "items"}, name="export-items"),
    path("groups/<slug:group>/supplies/stock.csv", csv_views.export, {"sheet": "stock"}, name="export-stock"),
    path("groups/<slug:group>/supplies/import/items/", csv_views.upload, {"sheet": "items"}, name="import-items"),
    path("groups/<slug:group>/supplies/import/stock/", csv_views.upload, {"sheet": "stock"}, name="import-stock"),
    path(
        "groups/<slug:group>/supplies/import/items/sample.csv",
        csv_views.sample,
        {"sheet": "items"},
        name="import-items-sample",
    ),
    path(
        "groups/<slug:group>/supplies/import/stock/sample.csv",
        csv_views.sample,
        {"sheet": "stock"},
        name="import-stock-sample",
    ),
    path("groups/<slug:group>/supplies/import/<uuid:supply_import>/", csv_views.preview, name="import-preview"),
    path("groups/<slug:group>/supplies/import/<uuid:supply_import>/apply/", csv_views.apply, name="import-apply"),
    path("groups/<slug:group>/supplies/import/<uuid:supply_import>/discard/", csv_views.discard, name="import-discard"),
    path("supplies/items/<str:supply_item>/", views.item_detail, name="item"),
    path("supplies/items/<str:supply_item>/edit/", views.edit_item, name="edit-item"),
    path("supplies/kits/<uuid:kit_template>/edit/", views.edit_kit_template, name="edit-kit"),
    path("supplies/kits/<uuid:kit_template>/pack/", views.pack_kit, name="pack"),
    # A location: its stock and ledger, and one small form per change of stock.
    path("supplies/locations/<uuid:supply_location>/", views.location_page, name="location"),
    path("supplies/locations/<uuid:supply_location>/edit/", views.edit_location, name="edit-location"),
    path("supplies/locations/<uuid:supply_location>/receive/", views.receive, name="receive"),
    path("supplies/locations/<uuid:supply_location>/move/", views.move, name="move"),
    path("supplies/locations/<uuid:supply_location>/use/", views.use, name="use"),
    path("supplies/locations/<uuid:supply_location>/distribute/", views.distribute, name="distribute"),
    path("supplies/locations/<uuid:supply_location>/count/", views.count, name="count"),
    path("supplies/locations/<uuid:supply_location>/labels.pdf", views.labels, name="labels"),
    path("supplies/locations/<uuid:supply_location>/expire/", views.expire, name="expire"),
    path("supplies/locations/<uuid:supply_location>/donate/", views.donate, name="donate"),
    # Naloxone reversals: anyone reports one (no account); the kit's group marks the kit refilled.
    path("naloxone/", views.report_reversal, name="report-reversal"),
    path("supplies/reversals/<uuid:reversal>/refilled/", views.refilled, name="refilled"),
]
