from django.urls import path

from solidarity.meetings import record_views as views

app_name = "meetings-record"
urlpatterns = [
    # The minutes: their readers; written live by the keepers; amended by those who were there; then published.
    path("meetings/<str:meeting>/minutes/", views.minutes_page, name="minutes"),
    path("meetings/<str:meeting>/minutes/notes/", views.add_entry, name="add-entry"),
    path("meetings/<str:meeting>/minutes/notes/<uuid:minute_entry>/", views.edit_entry, name="edit-entry"),
    path("meetings/<str:meeting>/minutes/amendment-days/", views.amend_days, name="amend-days"),
    path("meetings/<str:meeting>/minutes/publish/", views.publish, name="publish"),
    path("meetings/<str:meeting>/minutes/amendments/", views.propose_amendment, name="propose-amendment"),
    path("minutes/amendments/<uuid:amendment>/accept/", views.accept_amendment, name="accept-amendment"),
    path("minutes/amendments/<uuid:amendment>/reject/", views.reject_amendment, name="reject-amendment"),
    # Proposals and decisions: the keepers of the record.
    path("meetings/<str:meeting>/proposals/", views.proposals, name="proposals"),
    path("meetings/<str:meeting>/proposals/<uuid:proposal>/decide/", views.decide, name="decide"),
    path("meetings/<str:meeting>/proposals/<uuid:proposal>/withdraw/", views.withdraw, name="withdraw"),
    path("meetings/<str:meeting>/proposals/<uuid:proposal>/pull/", views.pull, name="pull"),
    path("meetings/<str:meeting>/consent/<str:agenda_item>/", views.pass_consent, name="pass-consent"),
    # Action items: the minutes' readers; their owners mark them done.
    path("meetings/<str:meeting>/action-items/", views.action_items, name="actions"),
    path("meetings/<str:meeting>/action-items/add/", views.add_action, name="add-action"),
    path("meetings/<str:meeting>/action-items/<uuid:action_item>/done/", views.action_done, name="action-done"),
    path("meetings/<str:meeting>/action-items/<uuid:action_item>/drop/", views.action_drop, name="action-drop"),
    path("me/tasks/", views.my_tasks, name="my-tasks"),
]
