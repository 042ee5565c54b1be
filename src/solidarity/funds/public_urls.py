"""The funds' public pages and statements: see the views they name."""

from django.urls import URLPattern, path

from solidarity.funds import public_views

urlpatterns: list[URLPattern] = [
    path("funds/<slug:fund>/public/", public_views.public_page, name="public"),
    path("funds/<slug:fund>/statements/", public_views.statements, name="statements"),
    path("funds/<slug:fund>/statements/<str:month>.pdf", public_views.statement_pdf_file, name="statement-pdf"),
    path("funds/<slug:fund>/statements/<str:month>.csv", public_views.statement_csv_file, name="statement-csv"),
]
