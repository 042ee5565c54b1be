"""The events' pages: jail support (events.jail_views): the board, arrests, bail, plans, leads, the arm cards."""

from django.urls import URLPattern, path

from solidarity.events import jail_views as views

ARREST = "actions/<str:action>/jail/arrests/<uuid:arrest>/"

urlpatterns: list[URLPattern] = [
    # The board (coordinators, jail-support leads, jail-support sign-ups), an arrest and its buttons.
    path("actions/<str:action>/jail/", views.jail_board, name="jail-board"),
    path("actions/<str:action>/jail/arrests/new/", views.jail_new_arrest, name="jail-new-arrest"),
    path(ARREST, views.jail_arrest, name="jail-arrest"),
    path(ARREST + "advance/", views.jail_advance, name="jail-advance"),
    path(ARREST + "bail/", views.jail_bail, name="jail-bail"),
    path(ARREST + "bail/withdraw/", views.jail_withdraw_bail, name="jail-withdraw-bail"),
    path(ARREST + "end-support/", views.jail_end_support, name="jail-end-support"),
    path(ARREST + "plan/", views.jail_link_plan, name="jail-link-plan"),
    # The arrest plans (the leads only), the leads (coordinators), the arm cards (the group's members).
    path("actions/<str:action>/jail/plans/", views.jail_plans, name="jail-plans"),
    path("actions/<str:action>/jail/leads/", views.jail_leads, name="jail-leads"),
    path("actions/<str:action>/jail/cards/", views.jail_cards, name="jail-cards"),
    path("actions/<str:action>/jail/cards.pdf", views.jail_cards_pdf, name="jail-cards-pdf"),
    # One's own arrest plan.
    path("actions/<str:action>/arrest-plan/", views.arrest_plan, name="arrest-plan"),
    path("actions/<str:action>/arrest-plan/delete/", views.delete_arrest_plan, name="arrest-plan-delete"),
]
