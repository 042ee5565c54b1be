"""Field level: a role that may see a record may still not see all of it (a dispatcher and a phone number)."""

import pytest
from django.template import Context, Template

from solidarity.core.permissions import FieldHidden, Redacted, Role, readable_fields
from tests.testapp.models import Dossier

pytestmark = pytest.mark.django_db


def dossier() -> Dossier:
    return Dossier.objects.create(
        pseudonym="Río", name="Ana Example", phone="+1 919 555 0142", email="ana@example.org", needs={"skill": "medic"}
    )


def test_a_dispatcher_sees_the_pseudonym_and_needs_but_no_contact() -> None:
    seen = Redacted(dossier(), frozenset({Role.MEMBER, Role.DISPATCHER}))

    assert (seen.pseudonym, seen.needs) == ("Río", {"skill": "medic"})
    for hidden in ("name", "phone", "email", "phone_index", "email_index"):
        with pytest.raises(FieldHidden):
            getattr(seen, hidden)
    assert {"name", "phone", "email", "phone_index", "email_index"} <= set(seen.hidden)
    assert "phone" not in seen.as_dict()


def test_a_coordinator_and_an_admin_see_the_contacts() -> None:
    record = dossier()

    assert Redacted(record, frozenset({Role.MEMBER, Role.COORDINATOR})).phone == "+1 919 555 0142"
    assert Redacted(record, frozenset(), is_admin=True).email == "ana@example.org"
    assert "phone" not in readable_fields(Dossier, frozenset({Role.MEMBER, Role.RESPONDER}))


def test_a_template_cannot_show_a_hidden_field() -> None:
    page = Template("{{ d.pseudonym }}|{{ d.phone }}|{{ d.email }}").render(
        Context({"d": Redacted(dossier(), frozenset({Role.MEMBER, Role.DISPATCHER}))})
    )

    assert page == "Río||"
