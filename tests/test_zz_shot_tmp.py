"""Render the directory's list and a resource page to HTML files, for a look in chromium."""
import pytest
from datetime import timedelta
from django.test import Client
from django.utils import timezone
import time_machine
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.directory.services import do_add_phone, do_add_session
from tests.factories.directory import make_resource

@pytest.mark.django_db
def test_shot(medics, coordinator, other_member):
    do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    with time_machine.travel(timezone.now() - timedelta(days=220)):
        make_resource(medics, coordinator, "old-pantry", kind="food", name_en="Old pantry", name_es="Despensa vieja", is_free=True)
    r = make_resource(medics, coordinator, "campus-dental", kind="dental", name_en="Campus dental clinic", name_es="Clínica dental del campus",
        offers_es="Limpiezas y empastes gratis.", hours_es="Sábados de 9 a 13", is_free=True, no_id_asked=True, languages=("en","es"), zones=("walltown",), web_address="https://dental.example.org/")
    do_add_phone(r, "+19195550101", by=coordinator, label_es="Citas", is_24h=True)
    do_add_session(r, timezone.localdate() + timedelta(days=3), by=coordinator, note_es="Atención dental gratis")
    make_resource(medics, coordinator, "quiet-shelter", kind="shelter", name_en="Quiet shelter", is_public=False)
    open("/tmp/directory-t/list.html","wb").write(Client().get("/es/resources/").content)
    open("/tmp/directory-t/resource.html","wb").write(Client().get("/es/resources/campus-dental/").content)
    from tests.factories.accounts import client_for
    open("/tmp/directory-t/members.html","wb").write(client_for(other_member).get("/en/resources/").content)
