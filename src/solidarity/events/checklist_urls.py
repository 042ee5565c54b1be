"""The events' pages: an action's checklist, the legal-observer request, the debrief training, the debrief and its
report (events.checklist_views), and the network's checklist template.

The template's address sits under actions/ beside the actions' codes: it must come before `actions/<action>/`."""

from django.urls import URLPattern, path

from solidarity.events import checklist_views as views

urlpatterns: list[URLPattern] = [
    # The network's template (any working group's coordinators, and admins).
    path("actions/checklist-template/", views.template_page, name="checklist-template"),
    path("actions/checklist-template/new/", views.add_template_step, name="add-template-step"),
    path("actions/checklist-template/<uuid:template_step>/", views.edit_template_step, name="edit-template-step"),
    path("actions/checklist-template/<uuid:template_step>/move/", views.move_template_step, name="move-template-step"),
    path(
        "actions/checklist-template/<uuid:template_step>/remove/",
        views.remove_template_step,
        name="remove-template-step",
    ),
    # An action's checklist (its group's members see it; its coordinators change it).
    path("actions/<str:action>/checklist/", views.checklist_page, name="checklist"),
    path("actions/<str:action>/checklist/<uuid:step>/", views.edit_step, name="edit-step"),
    path("actions/<str:action>/checklist/<uuid:step>/done/", views.tick_step, name="tick-step"),
    path("actions/<str:action>/checklist/<uuid:step>/undone/", views.untick_step, name="untick-step"),
    path("actions/<str:action>/legal-observers/", views.observers, name="observers"),
    path("actions/<str:action>/debrief/schedule/", views.schedule_debrief, name="schedule-debrief"),
    # After the action: the report (members), the debrief form and the lessons to copy (coordinators).
    path("actions/<str:action>/debrief/", views.debrief_page, name="debrief"),
    path("actions/<str:action>/debrief/edit/", views.edit_debrief, name="edit-debrief"),
    path("actions/<str:action>/lessons/copy/", views.copy_lessons, name="copy-lessons"),
]
