"""The checklist's objects for the URL walk and the API fuzz (core.permissions.WALK_FILLERS): a step of the walk's
action (a hand-ticked one, so its buttons act) and a step of the network's template."""

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.events.checklist import HAND_TICKED, template_steps_now
from solidarity.events.models import ChecklistStep, StepKind, TemplateStep
from solidarity.events.walk import an_action


def a_step(world: WalkWorld) -> str:
    action = an_action(world)
    found = ChecklistStep.objects.filter(action=action, kind__in=HAND_TICKED).order_by("position", "pk").first()
    if found is None:
        found = ChecklistStep.objects.create(action=action, kind=StepKind.MANUAL, title_en="Walk step", position=99)
    return str(found.uuid)


def a_template_step(world: WalkWorld) -> str:
    found = next(iter(template_steps_now()), None)
    if found is None:  # the fuzz removed every step: one comes back
        found = TemplateStep.objects.create(kind=StepKind.MANUAL, title_en="Walk template step")
    return str(found.uuid)


def register() -> None:
    WALK_FILLERS.register("step", a_step)
    WALK_FILLERS.register("template_step", a_template_step)
