"""People's API for the skill catalogue (`/api/v1/skills`); persons have their own (people.people_api)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from solidarity.core.api import api_permission
from solidarity.people.models import Skill

skills_router = Router(tags=["skills"])


class SkillOut(Schema):
    slug: str = Field(description="How dispatch, trainings and scripts name the skill.")
    name_en: str
    name_es: str
    refresher_days: int = Field(description="How many days a certification counts after it is granted or renewed.")
    needs_sign_off: bool = Field(description="The course is not enough: a practical sign-off must be recorded.")


@skills_router.get("", response=list[SkillOut], summary="The skill catalogue, by slug")
@paginate
@api_permission("authenticated")
def list_skills(request: HttpRequest) -> QuerySet[Skill]:
    return Skill.objects.order_by("slug")  # the page of it asked for is read, each row into a SkillOut
