"""Family-support cases' pages: the caller's cases, opening one from an incident, a case and its actions."""

from django.urls import path

from solidarity.incidents import case_views

app_name = "cases"
urlpatterns = [
    path("cases/", case_views.case_list, name="list"),
    path("incidents/<str:incident>/open-case/", case_views.open_case, name="open"),
    path("cases/<str:case>/", case_views.case, name="case"),
    *(
        path(f"cases/<str:case>/{action}/", case_views.act, {"action": action}, name=action)
        for action in case_views.ACTIONS
    ),
]
