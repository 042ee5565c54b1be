"""Fetching the checklist's objects a request may touch: a step of an action the caller reached through
events.access, and a step of the network's template (for those who keep it: events.checklist.may_edit_template)."""

from uuid import UUID

from django.http import Http404

from solidarity.core.codes import as_uuid, is_uuid
from solidarity.events.models import Action, ChecklistStep, TemplateStep


def step_of(action: Action, step: str | UUID) -> ChecklistStep:
    """A step of `action` by its uuid; Http404 for any other."""
    if not isinstance(step, UUID) and not is_uuid(str(step)):
        raise Http404
    found = ChecklistStep.objects.filter(action=action, uuid=as_uuid(step)).select_related("owner", "done_by").first()
    if found is None:
        raise Http404
    found.action = action
    return found


def find_template_step(step: str | UUID) -> TemplateStep | None:
    """A step of the network's template by its uuid, or None (another keeper may have just removed it)."""
    if not isinstance(step, UUID) and not is_uuid(str(step)):
        return None
    return TemplateStep.objects.filter(uuid=as_uuid(step)).first()


def template_step_of(step: str | UUID) -> TemplateStep:
    """A step of the network's template by its uuid; Http404 for none."""
    found = find_template_step(step)
    if found is None:
        raise Http404
    return found
