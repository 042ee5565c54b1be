"""Two records of one person merged: the union of contacts, zones, skills, vouches and shifts; vetting recounted.

Names and numbers are fictional (555-01xx).
"""

from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.services import get_network_settings
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.merge import do_merge_people, merge_preview
from solidarity.people.models import Certification, Person, Vouch
from solidarity.people.services import Window, do_set_vouches_needed, do_vouch, do_withdraw_vouch, vetted
from tests.factories.accounts import client_for, make_member, make_user
from tests.factories.people import make_person, skill

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def keeper(medics: WorkingGroup) -> User:
    return make_member("kim.keeper", medics, ROSTER_KEEPER)


def test_the_kept_record_gets_the_union_of_contacts_zones_and_skills(keeper: User) -> None:
    keep = make_person(
        "Rosa Ejemplo", phones=["+19195550101"], emails=["rosa@example.org"], zones=["east-durham"], skills=["naloxone"]
    )
    gone = make_person(
        "Rosa E.",
        phones=["+19195550101", "+19195550102"],
        emails=["rosa.new@example.org"],
        zones=["walltown"],
        skills=["naloxone", "legal-observer"],
        windows=[Window(weekday=2, starts=time(18), duration_minutes=120)],
    )
    older = timezone.now() - timedelta(days=400)
    Certification.objects.filter(person=gone, skill=skill("naloxone")).update(first_granted_at=older)
    preview = merge_preview(keep, gone)
    assert preview.contacts == 4
    assert preview.contacts_moved == 2
    assert preview.zones == ["east-durham", "walltown"]
    assert [s.slug for s in preview.skills] == ["legal-observer", "naloxone"]

    do_merge_people(keep, gone, by=keeper, role=ROSTER_KEEPER)

    assert not Person.objects.filter(pk=gone.pk).exists()
    values = sorted(str(c.value) for c in keep.contacts.all())
    assert values == ["+19195550101", "+19195550102", "rosa.new@example.org", "rosa@example.org"]
    assert keep.contacts.filter(is_primary=True).count() == 2  # one phone, one email: keep's own
    assert sorted(z.slug for z in keep.zones.all()) == ["east-durham", "walltown"]
    naloxone = Certification.objects.get(person=keep, skill=skill("naloxone"))
    assert naloxone.first_granted_at == older  # the earlier "holds it since"
    assert Certification.objects.filter(person=keep).count() == 2
    assert keep.shifts.count() == 2  # all week, and Wednesday evening
    merged = AuditEntry.objects.filter(object_type="people.person", detail__merged=str(gone.uuid)).get()
    assert merged.action == AuditAction.CHANGED
    assert "Rosa" not in str(merged.detail)
    assert AuditEntry.objects.filter(action=AuditAction.DELETED, object_type="people.person").exists()


def test_vouches_move_without_self_vouches_or_doubles_and_are_recounted(keeper: User) -> None:
    keep = make_person("Rosa Ejemplo", vetted=False)
    gone = make_person("Rosa E.", vetted=False)
    ana, ben, cam = (make_person(name) for name in ("Ana", "Ben", "Cam"))
    do_vouch(ana, keep, by=None)
    do_vouch(ana, gone, by=None)  # the same voucher for both: counts once after the merge
    do_vouch(ben, gone, by=None)
    withdrawn = do_vouch(cam, gone, by=None)
    do_withdraw_vouch(withdrawn, by=None)
    do_vouch(keep, gone, by=None)  # would become a vouch for oneself
    do_set_vouches_needed(2, by=None)

    do_merge_people(keep, gone, by=keeper, role=ROSTER_KEEPER)

    live = Vouch.objects.filter(vouched=keep, withdrawn_at__isnull=True)
    assert sorted(str(v.voucher.display_name) for v in live) == ["Ana", "Ben"]
    assert Vouch.objects.filter(vouched=keep, withdrawn_at__isnull=False).count() == 1  # history moves too
    assert not Vouch.objects.filter(voucher=keep, vouched=keep).exists()
    assert keep.vouch_count == 2
    assert vetted(keep, get_network_settings().vouches_needed)


def test_someone_vouched_for_by_both_records_is_recounted_and_may_lose_vetting(keeper: User) -> None:
    keep, gone = make_person("Rosa Ejemplo"), make_person("Rosa E.")
    dee = make_person("Dee", vetted=False)
    do_vouch(keep, dee, by=None)
    do_vouch(gone, dee, by=None)
    do_set_vouches_needed(2, by=None)
    dee.refresh_from_db()
    assert dee.vouch_count == 2

    do_merge_people(keep, gone, by=keeper, role=ROSTER_KEEPER)

    dee.refresh_from_db()
    assert dee.vouch_count == 1
    assert dee.lost_vetting_reason == "merged"


def test_the_account_moves_when_only_one_has_it_and_two_accounts_are_refused(keeper: User) -> None:
    rosa = make_user("rosa")
    keep, gone = make_person("Rosa Ejemplo"), make_person("Rosa E.", user=rosa)
    do_merge_people(keep, gone, by=keeper)
    assert keep.user == rosa

    other = make_person("Rosa Dos", user=make_user("rosa2"))
    with pytest.raises(ValidationError, match="account"):
        do_merge_people(keep, other, by=keeper)
    with pytest.raises(ValidationError, match="two different"):
        do_merge_people(keep, keep, by=keeper)
    assert Person.objects.filter(pk=other.pk).exists()


def test_the_merge_pages_are_for_roster_keepers(keeper: User, dispatcher: User, outsider: User) -> None:
    keep = make_person("Rosa Ejemplo", phones=["+19195550101"])
    gone = make_person("Rosa E.", phones=["+19195550102"])
    pick = reverse("people:merge", kwargs={"person_id": keep.uuid})
    confirm = reverse("people:merge-confirm", kwargs={"person_id": keep.uuid, "gone_id": gone.uuid})
    for user in (dispatcher, outsider):
        client = client_for(user)
        assert client.get(pick).status_code == 404
        assert client.get(confirm).status_code == 404
        assert client.post(confirm).status_code == 404
    assert Person.objects.filter(pk=gone.pk).exists()

    client = client_for(keeper)
    found = client.post(pick, {"contact": "(919) 555-0102"})
    assert found.status_code == 200
    assert confirm in found.content.decode()
    page = client.get(confirm)
    assert page.status_code == 200
    assert "Rosa E." in page.content.decode()
    done = client.post(confirm)
    assert done.status_code == 302
    assert done["Location"] == reverse("people:person", kwargs={"person_id": keep.uuid})
    assert not Person.objects.filter(pk=gone.pk).exists()


def test_the_merge_api(keeper: User, dispatcher: User) -> None:
    keep, gone = make_person("Rosa Ejemplo", skills=["naloxone"]), make_person("Rosa E.", zones=["walltown"])
    body = {"keep": str(keep.uuid), "gone": str(gone.uuid)}
    refused = client_for(dispatcher).post("/api/v1/people/merge", body, content_type="application/json")
    assert refused.status_code == 404  # need to know: without the role, nothing is there
    answer = client_for(keeper).post("/api/v1/people/merge", body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["id"] == str(keep.uuid)
    assert answer.json()["zones"] == ["east-durham", "walltown"]
    again = client_for(keeper).post("/api/v1/people/merge", body, content_type="application/json")
    assert again.status_code == 404
