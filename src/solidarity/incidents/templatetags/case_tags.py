"""An incident's cases on its page: how many, and the codes of those the viewer is on the team of."""

from typing import Any

from django import template

from solidarity.incidents.case_access import IncidentCases, cases_of_incident
from solidarity.incidents.models import Incident

register = template.Library()


@register.simple_tag(takes_context=True)
def incident_cases(context: dict[str, Any], incident: Incident) -> IncidentCases:
    return cases_of_incident(context["request"].user, incident)
