from django.urls import path

from solidarity.incidents import drill_views, observation_urls, signoff_views, views

app_name = "incidents"
urlpatterns = [
    # The network's dispatchers: the live board, the reports waiting for a person, an incident's page and actions.
    path("incidents/", views.board, name="board"),
    path("incidents/requirements/", views.requirements, name="requirements"),
    path("incidents/requirements/remove/", views.remove_requirement, name="remove-requirement"),
    path("incidents/hotline/", views.hotline, name="hotline"),
    path("incidents/reports/<str:report>/place/", views.place_report, name="place-report"),
    path("incidents/reports/<str:report>/dismiss/", views.dismiss_report, name="dismiss-report"),
    path("incidents/drills/", drill_views.drills, name="drills"),
    path("incidents/drills/<str:drill>/", drill_views.drill, name="drill"),
    path("incidents/<str:incident>/", views.incident, name="incident"),
    # What needs a second person: a wide alert to the lists, and a purge.
    path("incidents/<str:incident>/wide-alerts/", signoff_views.ask_wide_alert, name="ask-wide-alert"),
    *(
        path(
            f"incidents/<str:incident>/wide-alerts/<str:wide_alert>/{step}/",
            signoff_views.wide_alert_step,
            {"step": step},
            name=f"{step}-wide-alert",
        )
        for step in signoff_views.WIDE_STEPS
    ),
    path("incidents/<str:incident>/purge/", signoff_views.purge_incident, name="purge"),
    *(
        path(f"incidents/<str:incident>/purge/{step}/", signoff_views.purge_step, {"step": step}, name=f"{step}-purge")
        for step in ("ask", "sign", "refuse")
    ),
    path("incidents/<str:incident>/alerts/<str:alert>/answer/", views.answer_for, name="answer"),
    *(
        path(f"incidents/<str:incident>/{action}/", views.act, {"action": action}, name=action)
        for action in views.ACTIONS
    ),
    # A responder: the email alert's one-tap link (its signed token only; acts on POST), and their own alerts.
    path("alerts/<str:alert_token>/", views.alert_link, name="alert-link"),
    path("me/alerts/", views.own_alerts, name="my-alerts"),
    path("me/alerts/<str:alert>/", views.own_answer, name="my-answer"),
    # The documented timeline: observations, their media and corrections, the exports.
    *observation_urls.urlpatterns,
]
