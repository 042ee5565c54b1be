"""Canaries: short unique values planted through the ordinary paths, then searched for in raw storage.

Every part that stores personal data plants its canaries here (PLANTERS) in the change
that adds it, so the scan grows with the project.
"""

import hashlib
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pysequoia
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from solidarity.accounts.groups import do_create_group
from solidarity.accounts.services import do_accept_invitation, issue_invitation
from solidarity.campaigns.calling import do_report_outcome, next_call
from solidarity.campaigns.invite import chosen, do_invite
from solidarity.campaigns.invite_models import InviteHow
from solidarity.campaigns.models import Call, SmsCaller
from solidarity.campaigns.services import do_close_campaign, do_record_consent, do_set_subject
from solidarity.core.permissions import Role
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.events.jail import (
    ArrestValues,
    PlanValues,
    do_advance_arrest,
    do_end_support,
    do_link_plan,
    do_record_arrest,
    do_request_bail,
    do_save_plan,
)
from solidarity.funds.bonds import StepValues, do_record_bond_step
from solidarity.funds.fund_csv import do_stage_import as do_stage_fund_import
from solidarity.funds.models import Bond, Category, FundKind
from solidarity.funds.requests import (
    PayValues,
    RequestValues,
    do_approve_disbursement,
    do_pay_disbursement,
    do_refuse_disbursement,
    do_request_disbursement,
)
from solidarity.funds.services import DonationValues, FundValues, do_correct, do_create_fund, do_record_donation
from solidarity.incidents import cases
from solidarity.incidents.intake import ReportValues, do_take_report
from solidarity.incidents.models import SHORT_TEXT, Source
from solidarity.incidents.observations import ObservationValues, do_add_observation
from solidarity.incidents.services import do_add_note, do_record_verification
from solidarity.incidents.services import do_confirm as do_confirm_incident
from solidarity.lists.broadcasts import do_send_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.lists.subscriptions import do_confirm, do_subscribe
from solidarity.meetings.services import do_join_with_code
from solidarity.meetings.stack import do_add_speaker, do_next_speaker, do_request_turn
from solidarity.messaging.address_keys import do_confirm_openpgp_key, do_propose_openpgp_key
from solidarity.messaging.inbound import do_receive
from solidarity.messaging.mail import email_content
from solidarity.messaging.models import Channel
from solidarity.messaging.openpgp import check_recipient_key, generate_network_key
from solidarity.messaging.services import Outgoing, do_set_language, enqueue
from solidarity.messaging.sms import InboundSms
from solidarity.people.contact_tests import do_send_contact_test
from solidarity.people.feeds import do_make_calendar_feed
from solidarity.people.imports import do_preview_import, do_run_import, do_start_import
from solidarity.people.self_service import do_send_record_link
from solidarity.people.services import PersonValues, do_create_person, do_leave
from solidarity.trainings.services import (
    Answers,
    SessionValues,
    do_confirm_sign_up,
    do_create_session,
    do_public_sign_up,
)
from tests.factories.accounts import make_member
from tests.factories.campaigns import live_campaign
from tests.factories.events import published_action
from tests.factories.meetings import make_meeting, started
from tests.testapp.models import Dossier


@dataclass(frozen=True)
class Canaries:
    name: str
    phone: str
    email: str
    note: str
    openpgp_key: str = ""  # a public key naming the canary, as a subscriber gives one

    def needles(self) -> dict[str, bytes]:
        """Each canary, in the forms it could leak in, and its SHA-256."""
        e164 = "+1" + "".join(ch for ch in self.phone if ch.isdigit())[-10:]
        found: dict[str, bytes] = {}
        for label, value in [
            ("name", self.name),
            ("phone", self.phone),
            ("phone (E.164)", e164),
            ("email", self.email),
            ("note", self.note),
        ]:
            found[label] = value.encode()
            found[f"{label} sha256"] = hashlib.sha256(value.encode()).hexdigest().encode()
        if self.openpgp_key:
            lines = [line for line in self.openpgp_key.splitlines() if len(line) == 64]
            found["openpgp key"] = lines[len(lines) // 2].encode()  # a line of its base64, from its middle
            fingerprint = pysequoia.Cert.from_bytes(self.openpgp_key.encode()).fingerprint
            found["openpgp fingerprint"] = fingerprint.lower().encode()
            found["openpgp fingerprint (upper)"] = fingerprint.upper().encode()
        return found


def fresh() -> Canaries:
    tag = uuid.uuid4().hex[:8]
    return Canaries(
        name=f"Canario {tag}",
        phone=f"(919) 555-{int(tag[:4], 16) % 10000:04d}",
        email=f"canary.{tag}@example.org",
        note=f"note-canary-{tag} needs insulin",
        openpgp_key=generate_network_key(f"Canario {tag}", f"canary.{tag}@example.org").public_armored,
    )


def plant_in_testapp(canaries: Canaries) -> None:
    Dossier.objects.create(
        pseudonym="canary",
        name=canaries.name,
        phone=canaries.phone,
        email=canaries.email,
        note=canaries.note,
        needs={"note": canaries.note},
        document=ContentFile(f"{canaries.note} {canaries.phone}".encode(), name=f"{canaries.name}.txt"),
    )


def plant_account_email(canaries: Canaries) -> None:
    """An account made as an invitation link makes it (the first admin's, or createadmin's link)."""
    invitation = issue_invitation().invitation
    do_accept_invitation(
        invitation, username="canary", email=canaries.email, password="a long canary passphrase", language="en"
    )


def plant_in_messaging(canaries: Canaries) -> None:
    """Through the outbox (an email and an SMS, as any part sends them) and an inbound SMS, as a webhook keeps it."""
    content = email_content(to=canaries.email, subject=canaries.name, text=canaries.note)
    enqueue(Outgoing(Channel.EMAIL, canaries.email, content, idempotency_key=f"canary:{uuid.uuid4()}"))
    enqueue(Outgoing(Channel.SMS, canaries.phone, {"text": canaries.note}, idempotency_key=f"canary:{uuid.uuid4()}"))
    do_set_language(Channel.SMS, canaries.phone, "es")
    do_receive("loopback", InboundSms(sender=canaries.phone, body=f"{canaries.name}: {canaries.note}"))


def plant_openpgp_key(canaries: Canaries) -> None:
    """A subscriber's own key, proposed (its proof queued, encrypted to it) and confirmed."""
    checked = check_recipient_key(canaries.openpgp_key, address=canaries.email)
    proof = do_propose_openpgp_key(canaries.email, checked, language="es")
    assert proof is not None
    do_propose_openpgp_key(canaries.email, checked, language="es")  # one left waiting
    do_confirm_openpgp_key(proof)
    do_propose_openpgp_key(canaries.email, checked, language="es")


def plant_in_lists(canaries: Canaries) -> None:
    """Sign-ups through the public form's service (an email; a phone confirmed by text), JOIN by SMS, a broadcast."""
    tag = uuid.uuid4().hex[:8]
    group = do_create_group(name=f"Canary lists {tag}")
    announcement_list = AnnouncementList.objects.create(
        group=group, name_en=f"Canary list {tag}", slug=f"canary-{tag}", has_sms=True, keyword=f"CANARY{tag.upper()}"
    )
    do_confirm(do_subscribe(announcement_list, Channel.EMAIL, canaries.email, "es"))
    texted = do_subscribe(announcement_list, Channel.SMS, canaries.phone, "es")
    do_receive("loopback", InboundSms(sender=canaries.phone, body=f"CONFIRMAR {texted.confirm_code}"))
    do_receive("loopback", InboundSms(sender=canaries.phone, body=f"JOIN CANARY{tag.upper()}"))
    broadcast = Broadcast.objects.create(
        group=group, subject_en="News", text_en="News", one_language="en", channels=[Channel.EMAIL, Channel.SMS]
    )
    broadcast.lists.set([announcement_list])
    sender = do_accept_invitation(
        issue_invitation().invitation,
        username=f"canary-coordinator-{tag}",
        email=f"coordinator.{tag}@example.net",
        password="a long canary passphrase",
        language="en",
    )
    do_send_broadcast(broadcast, by=sender)


def plant_in_people(canaries: Canaries) -> None:
    """A person made as a coordinator makes one (display name, phone, email), and one who then left."""
    values = PersonValues(display_name=canaries.name, phones=(canaries.phone,), emails=(canaries.email,))
    do_create_person(values, by=None)
    do_leave(do_create_person(values, by=None), by=None)


def plant_in_trainings(canaries: Canaries) -> None:
    """A public sign-up (name, phone, every answer the session asks), confirmed; and one by email."""
    start = timezone.now() + timedelta(days=3)
    group = do_create_group(name=f"Canary trainings {uuid.uuid4().hex[:8]}")
    values = SessionValues(
        title_en="Canary workshop",
        title_es="",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Library",
        capacity=5,
        asks_access_needs=True,
        asks_food=True,
        asks_childcare=True,
        asks_health=True,
    )
    session = do_create_session(group, values, by=None)
    answers = Answers(access_needs=canaries.note, food=canaries.note, childcare=canaries.note, health=canaries.note)
    by_phone = do_public_sign_up(
        session, display_name=canaries.name, kind="phone", contact=canaries.phone, language="es", answers=answers
    )
    do_confirm_sign_up(by_phone)
    do_public_sign_up(
        session, display_name=canaries.name, kind="email", contact=canaries.email, language="en", answers=answers
    )


def plant_in_people_import(canaries: Canaries) -> None:
    """A spreadsheet uploaded, previewed and imported, with a row that breaks (kept, encrypted, to fix)."""
    tag = uuid.uuid4().hex[:8]
    keeper = do_accept_invitation(
        issue_invitation().invitation,
        username=f"canary-keeper-{tag}",
        email=f"keeper.{tag}@example.net",
        password="a long canary passphrase",
        language="en",
    )
    sheet = (
        "nombre,teléfono,correo,notas\r\n"
        f"{canaries.name},{canaries.phone},{canaries.email},{canaries.note}\r\n"
        f"{canaries.name},not a phone,,{canaries.note}\r\n"
    )
    found = do_preview_import(sheet.encode(), f"{canaries.name}.csv", by=keeper)
    do_start_import(found, update_existing=False, by=keeper)
    do_run_import(found.uuid)  # the job, as the worker runs it once the confirmation commits


def plant_in_self_service(canaries: Canaries) -> None:
    """A volunteer asks for the link to their record by phone and email, and tests both contacts (one by text)."""
    values = PersonValues(display_name=canaries.name, phones=(canaries.phone,), emails=(canaries.email,))
    person = do_create_person(values, by=None)
    do_send_record_link(canaries.phone)
    do_send_record_link(canaries.email)
    do_make_calendar_feed(person, by=None)
    for contact in person.contacts.all():
        test = do_send_contact_test(contact, by=None)
        if test.code:
            do_receive("loopback", InboundSms(sender=canaries.phone, body=f"CONFIRM {test.code}"))


def plant_in_incidents(canaries: Canaries) -> None:
    """Reports with every field (a follow-up contact; a texted one keeps its number), a verifier's account, a note,
    where responders go, an observation: all that a reporter, a responder or a dispatcher writes."""
    zone = do_create_zone(ZoneValues(name_en=f"Canary zone {uuid.uuid4().hex[:8]}"), actor="system")
    values = ReportValues(
        type="checkpoint",
        zone=zone,
        description=canaries.note,
        place=canaries.note,
        size=canaries.note,
        activity=canaries.note,
        uniform=canaries.note,
        equipment=canaries.note,
        follow_up=True,
        contact=canaries.email,
    )
    report = do_take_report(values, source=Source.WEB)
    do_receive("loopback", InboundSms(sender=canaries.phone, body=f"REPORT {canaries.note} {zone.name_en}"))
    report.refresh_from_db()
    assert report.incident is not None
    do_record_verification(report.incident, canaries.note, actor="system")
    do_add_note(report.incident, canaries.note, by=None)
    do_confirm_incident(report.incident, by=None, where=canaries.note[:200])
    note = canaries.note[:SHORT_TEXT]  # an observation: what was seen, and how it was read
    seen = ObservationValues(
        size=note, activity=note, location=note, uniform=note, equipment=note, seen=note, reading=note
    )
    do_add_observation(report.incident, seen, actor="system", source=Source.WEB)


def plant_in_cases(canaries: Canaries) -> None:
    """A family-support case with every field a team writes (who it is for, the contact, a need, a task, a note,
    the legal path with a hearing, the identifiers) and its bond request to the fund; and one that closed."""
    tag = uuid.uuid4().hex[:8]
    dispatcher = do_accept_invitation(
        issue_invitation().invitation,
        username=f"canary-dispatcher-{tag}",
        email=f"dispatcher.{tag}@example.net",
        password="a long canary passphrase",
        language="en",
    )
    zone = do_create_zone(ZoneValues(name_en=f"Canary case zone {tag}"), actor="system")
    report = do_take_report(ReportValues(type="arrest", zone=zone, description="An arrest"), source=Source.WEB)
    report.refresh_from_db()
    assert report.incident is not None
    for closing in (False, True):
        values = cases.CaseValues(for_whom=canaries.name, language="es", contact=canaries.phone)
        case = cases.do_open_case(report.incident, values, by=dispatcher)
        cases.do_add_need(case, "childcare", canaries.note, by=dispatcher)
        cases.do_add_task(case, canaries.note, assignee=dispatcher, due_on=None, by=dispatcher)
        cases.do_add_case_note(case, canaries.note, by=dispatcher)
        path = cases.LegalPath(
            held_at=canaries.note,
            bond_status="set",
            bond_amount=Decimal("5000.00"),
            referral_to=canaries.name,
            referral_note=canaries.note,
        )
        cases.do_set_legal_path(case, path, by=dispatcher)
        cases.do_add_hearing(case, "bond", timezone.localdate(), canaries.note, by=dispatcher)
        identifiers = cases.Identifiers(
            a_number="A-201-555-017",
            name_on_record=canaries.name,
            country_of_birth=canaries.note,
            booking_number=canaries.phone,
        )
        cases.do_set_identifiers(case, identifiers, by=dispatcher)
        cases.do_request_bond(case, due_on=None, payer_note="", by=dispatcher)  # the note from the case
        if closing:
            cases.do_close_case(case, by=dispatcher)


def plant_in_meetings(canaries: Canaries) -> None:
    """At a meeting under way: someone joins with the code and the name they choose, someone texts TURNO and the
    code from their number (and is told they are next), and the stack keeper adds a speaker by name."""
    group = do_create_group(name=f"Canary assembly {uuid.uuid4().hex[:8]}", description="")
    meeting = started(make_meeting(group))
    participant, _token = do_join_with_code(meeting, canaries.name, "en")
    do_request_turn(meeting, participant)
    do_receive("loopback", InboundSms(sender=canaries.phone, body=f"TURNO {meeting.code}"))
    assert meeting.participants.exclude(phone_index="").exists()  # the text joined
    do_add_speaker(meeting, canaries.name, by=None)
    do_next_speaker(meeting, by=None)


def plant_in_funds(canaries: Canaries) -> None:
    """A payment asked for with its purpose and payee (the canaries), approved, refused or paid; a bond paid and a
    step of it recorded with a note; a gift with the donor's name and a note, corrected with a reason;
    a payment platform's export naming the donor (staged, not yet applied)."""
    tag = uuid.uuid4().hex[:8]
    group = do_create_group(name=f"Canary funds {tag}", description="")
    asker = make_member(f"canary-asker-{tag}", group, Role.COORDINATOR)
    treasurer = make_member(f"canary-treasurer-{tag}", group, Role.TREASURER)
    values = FundValues(name_en=f"Canary fund {tag}", kind=FundKind.MEDICAL_LEGAL)
    fund = do_create_fund(group, values, by=treasurer)
    do_record_donation(fund, DonationValues(cents=1_000_000, on=timezone.localdate()), by=treasurer)
    for category in (Category.LEGAL, Category.BAIL, Category.OTHER):
        asked = RequestValues(cents=10_000, category=category, purpose=canaries.note, payee=canaries.name)
        made = do_request_disbursement(fund, asked, by=asker)
        if category == Category.OTHER:
            do_refuse_disbursement(made, canaries.note, by=treasurer)
            continue
        do_approve_disbursement(made, by=treasurer)
        do_pay_disbursement(made, PayValues(on=timezone.localdate()), by=treasurer)
    bail = Bond.objects.get(fund=fund)
    do_record_bond_step(
        bail, StepValues(state="case_closed", on=timezone.localdate(), note=canaries.note), by=treasurer
    )
    today = timezone.localdate()
    gift = do_record_donation(
        fund, DonationValues(cents=12_345, on=today, donor_name=canaries.name, note=canaries.note), by=None
    )
    do_correct(fund, gift.transaction, on=today, by=None, note=canaries.note)
    export = f"date,amount,name,reference,note\r\n{today},10,{canaries.name},canary-1,{canaries.note}\r\n"
    do_stage_fund_import(fund, export.encode(), "export.csv", by=treasurer)


def plant_in_campaigns(canaries: Canaries) -> None:
    """A campaign about a detained person: their name and identifiers recorded, consented (the scripts name them),
    called from the web and by text (the number kept as the SMS handler keeps it: through the model, as no SMS
    handler is in this change), invitations by skill and zone (to someone with the canaries' contacts) and
    through a list; and a campaign that closed (the name and identifiers erased)."""
    tag = uuid.uuid4().hex[:8]
    group = do_create_group(name=f"Canary call-ins {tag}", description="")
    organiser = make_member(f"canary-organiser-{tag}", group, Role.COORDINATOR)
    checker = make_member(f"canary-checker-{tag}", group, Role.COORDINATOR)
    zone = do_create_zone(ZoneValues(name_en=f"Canary call zone {tag}"), actor="system")
    values = PersonValues(
        display_name=canaries.name,
        phones=(canaries.phone,),
        emails=(canaries.email,),
        zones=(zone.slug,),
        consent_announcements=True,
    )
    do_create_person(values, by=None)
    announcement_list = AnnouncementList.objects.create(
        group=group, name_en=f"Canary callers {tag}", slug=f"calls-{tag}"
    )
    do_confirm(do_subscribe(announcement_list, Channel.EMAIL, canaries.email, "es"))
    for closing in (False, True):
        campaign = live_campaign(group, organiser, checker)
        do_set_subject(campaign, canaries.name, canaries.note, by=organiser)
        do_record_consent(campaign, lawyer=False, consent_from="family", by=organiser)
        campaign = do_record_consent(campaign, lawyer=True, by=organiser)
        call = next_call(campaign, via="web", language="en")
        assert isinstance(call, Call)
        do_report_outcome(call, 2)
        texted = next_call(campaign, via="sms", language="es")
        assert isinstance(texted, Call)
        SmsCaller.objects.create(
            campaign=campaign,
            phone=canaries.phone,
            language="es",
            call=texted,
            called_targets=[texted.target_id],
            last_seen_at=timezone.now(),
        )
        assert do_invite(campaign, chosen(campaign, InviteHow.PEOPLE, [], [], [zone.slug]), by=organiser).reached == 1
        assert do_invite(
            campaign, chosen(campaign, InviteHow.LISTS, [announcement_list.slug], [], []), by=organiser
        ).reached
        if closing:
            do_close_campaign(campaign, "won", "Home on bond.", "", by=organiser)  # a public text: no canary


def plant_in_events_jail(canaries: Canaries) -> None:
    """Jail support at an action: an arrest by the canary's name with a note and where held, a criminal bail request
    with a payer's note (still live), and an arrest plan in every field; a second arrest whose support ended."""
    tag = uuid.uuid4().hex[:8]
    group = do_create_group(name=f"Canary actions {tag}", description="")
    organiser = make_member(f"canary-action-organiser-{tag}", group, Role.COORDINATOR)
    action = published_action(group, organiser)
    person = do_create_person(PersonValues(display_name=f"Canary marcher {tag}"), by=None)
    plan = do_save_plan(
        action,
        person,
        PlanValues(
            support_name=canaries.name,
            who_to_call=canaries.phone,
            medication=canaries.note,
            pets_and_car=canaries.note,
            bail_wishes=canaries.email,
        ),
        by=None,
    )
    for ending in (False, True):
        values = ArrestValues(support_name=canaries.name, arrested_at=timezone.now(), note=canaries.note)
        arrest = do_record_arrest(action, values, by=organiser)
        do_advance_arrest(arrest, by=organiser, where=canaries.note)
        if not ending:
            do_link_plan(arrest, plan, by=organiser)
        do_request_bail(arrest, Decimal(500), payer_note=f"{canaries.name} {canaries.phone}", by=organiser)
        if ending:
            do_advance_arrest(arrest, by=organiser)
            do_advance_arrest(arrest, by=organiser)
            do_end_support(arrest, by=organiser)


PLANTERS: list[Callable[[Canaries], None]] = [
    plant_in_testapp,
    plant_account_email,
    plant_in_messaging,
    plant_openpgp_key,
    plant_in_lists,
    plant_in_people,
    plant_in_trainings,
    plant_in_people_import,
    plant_in_self_service,
    plant_in_incidents,
    plant_in_cases,
    plant_in_meetings,
    plant_in_funds,
    plant_in_campaigns,
    plant_in_events_jail,
]


def raw_database_bytes() -> bytes:
    """The database as an attacker with the files would see it: SQLite files with their WAL, or pg_dump.

    On SQLite the files are read by another process (`cat`). A close() of any descriptor on the database
    file drops every POSIX lock this process holds on it, SQLite's included: the next process to close its
    last connection then finds the file unused, checkpoints and deletes the WAL and its index under this
    process's open connections, whose next new connection fails ("disk I/O error", "file is not a
    database"). CI's SQLite pass failed so, twice, in the tests that start workers or threads afterwards.
    """
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        parts = [str(part) for part in [path, Path(f"{path}-wal")] if part.exists()]
        return subprocess.run(["cat", *parts], check=True, capture_output=True).stdout
    db = connection.settings_dict
    return subprocess.run(
        ["pg_dump", "-h", str(db["HOST"]), "-p", str(db["PORT"]), "-U", str(db["USER"]), str(db["NAME"])],
        check=True,
        capture_output=True,
    ).stdout


def raw_media_bytes() -> bytes:
    """Every uploaded file as it lies on disk."""
    media = Path(settings.HOME) / "media"
    return b"".join(path.read_bytes() for path in sorted(media.rglob("*")) if path.is_file())


def leaks(canaries: Canaries, haystack: bytes) -> list[str]:
    return [label for label, needle in canaries.needles().items() if needle in haystack]
