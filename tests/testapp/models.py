"""A test-only model carrying every kind of sensitive field, to prove the data protection core."""

import uuid

from django.db import models

from solidarity.core.fields import (
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
    normalise_email,
    normalise_phone,
)
from solidarity.core.files import EncryptedFileField
from solidarity.core.permissions import Role, restrict_fields


@restrict_fields({"name": {Role.COORDINATOR}, "phone": {Role.COORDINATOR}, "email": {Role.COORDINATOR}})
class Dossier(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pseudonym = models.CharField(max_length=80)
    name = EncryptedTextField(context="testapp.dossier.name", blank=True)
    phone = EncryptedTextField(context="testapp.dossier.phone", blank=True)
    phone_index = BlindIndexField(source="phone", normalise=normalise_phone)
    email = EncryptedTextField(context="testapp.dossier.email", blank=True)
    email_index = BlindIndexField(source="email", normalise=normalise_email)
    note = EncryptedTextField(context="testapp.dossier.note", blank=True)
    needs = EncryptedJSONField(context="testapp.dossier.needs", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    photo = EncryptedFileField(context="testapp.dossier.photo", image=True, blank=True)
    document = EncryptedFileField(context="testapp.dossier.document", blank=True)

    def __str__(self) -> str:
        return self.pseudonym


class Case(models.Model):
    """A record owned by a working group and addressed by its own code: what an incident or a fund will be."""

    code = models.CharField(max_length=8, unique=True)
    group = models.ForeignKey("accounts.WorkingGroup", on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return self.code


class TimerFiring(models.Model):
    """One run of the test app's timer handler (tests.testapp.timers): what fired, and when it ran."""

    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=120)
    token = models.UUIDField()
    due_at = models.DateTimeField()
    attempt = models.PositiveSmallIntegerField()
    ran_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
