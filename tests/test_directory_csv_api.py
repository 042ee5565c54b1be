"""The directory's spreadsheets through the JSON API: staged imports with their preview, apply, discard, export."""

import csv
import io
import json
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.directory.csv_models import ResourceImport
from solidarity.directory.models import Resource
from tests.factories.directory import make_resource

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"
FILE = (
    "slug,kind,name_en,name_es,free,languages,public,phones\r\n"
    "campus-dental,dental,Campus dental clinic,Clínica dental,yes,en es,yes,+19195550101 24h\r\n"
    "broken,spa,Broken,,yes,en,yes,\r\n"
).encode()


def bearer(user: User) -> Client:
    return Client(headers={"authorization": f"Bearer {do_create_token(user, name=f'test-{uuid4().hex[:8]}').secret}"})


def upload(client: Client, data: bytes, group: str = MEDICS, **headers: str) -> Any:
    handle = io.BytesIO(data)
    handle.name = "resources.csv"
    return client.post(f"/api/v1/groups/{group}/resource-imports", {"file": handle}, headers=headers)


def apply(client: Client, found: str, **body: Any) -> Any:
    return client.post(f"/api/v1/resource-imports/{found}/apply", json.dumps(body), content_type="application/json")


def test_a_keeper_stages_reads_and_applies_an_import(medics: WorkingGroup, coordinator: User) -> None:
    client = bearer(coordinator)
    answer = upload(client, FILE, **{"accept-language": "es"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["state"], body["new"], body["errors"]) == ("staged", 1, 1)
    broken = body["rows"][1]
    assert broken["status"] == "error"
    assert broken["errors"][0]["column"] == "kind"
    assert broken["errors"][0]["code"] == "bad_kind"
    assert broken["errors"][0]["message"].startswith("kind: ")
    assert not Resource.objects.exists()

    found = body["id"]
    again = client.get(f"/api/v1/resource-imports/{found}", headers={"accept-language": "es"})
    assert again.json()["rows"] == body["rows"]
    assert "Elija un tipo" in broken["errors"][0]["message"]  # in the caller's language
    refused = apply(client, found)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "rows_with_errors"
    assert not Resource.objects.exists()

    done = apply(client, found, skip_errors=True)
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["new"], done.json()["errors"]) == ("applied", 1, 1)
    dental = Resource.objects.get(slug="campus-dental")
    assert [(p.number, p.is_24h) for p in dental.phones.all()] == [("+19195550101", True)]
    again = apply(client, found, skip_errors=True)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_applied"


def test_discarding_an_import_deletes_it(medics: WorkingGroup, coordinator: User) -> None:
    client = bearer(coordinator)
    found = upload(client, FILE).json()["id"]
    assert client.delete(f"/api/v1/resource-imports/{found}").status_code == 204
    assert not ResourceImport.objects.exists()
    assert client.get(f"/api/v1/resource-imports/{found}").status_code == 404


def test_a_file_that_cannot_be_read_is_refused_in_the_one_error_shape(medics: WorkingGroup, coordinator: User) -> None:
    answer = upload(bearer(coordinator), b"name,phone\r\nA,1\r\n")
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert "slug" in error["fields"]["file"][0]
    huge = upload(bearer(coordinator), b"slug\r\n" + b"a" * (1024 * 1024 + 1))
    assert huge.status_code == 422
    assert "1 MB" in huge.json()["error"]["message"]
    assert not ResourceImport.objects.exists()


def test_others_get_nothing(
    medics: WorkingGroup, coordinator: User, medic: User, other_coordinator: User, outsider: User
) -> None:
    found = upload(bearer(coordinator), FILE).json()["id"]
    assert upload(Client(), FILE).status_code == 401
    for user in (medic, other_coordinator, outsider):
        client = bearer(user)
        assert upload(client, FILE).status_code == 404
        assert client.get(f"/api/v1/resource-imports/{found}").status_code == 404
        assert apply(client, found, skip_errors=True).status_code == 404
        assert client.delete(f"/api/v1/resource-imports/{found}").status_code == 404
    assert ResourceImport.objects.filter(state="staged").count() == 1
    assert not Resource.objects.exists()


def test_the_export_is_public_for_public_resources_and_whole_for_members(
    medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    make_resource(medics, coordinator, "open-clinic", kind="dental")
    make_resource(medics, coordinator, "quiet-church", kind="sanctuary", is_public=False)

    def slugs(client: Client, **query: str) -> list[str]:
        answer = client.get("/api/v1/resources.csv", query)
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith("text/csv")
        return [row["slug"] for row in csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))]

    assert slugs(Client()) == ["open-clinic"]
    assert slugs(Client(headers={"authorization": "Bearer nonsense"})) == ["open-clinic"]
    assert sorted(slugs(bearer(medic))) == ["open-clinic", "quiet-church"]
    assert slugs(bearer(medic), kind="sanctuary") == ["quiet-church"]
    assert slugs(Client(), group="rapid-response") == []
