"""The directory's flyers and cards: valid PDFs in every paper, layout and language, whose QR codes a phone
would read (rasterised with PDFium, decoded with ZXing), whose text stays on the page and on each card, and
which never show what the public may not see."""

from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # it ships no type hints
import pytest
import zxingcpp
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.flyers import CARD_HEIGHT, CARD_WIDTH, MM_PER_POINT, Paper, grid_of
from solidarity.core.services import do_update_network_settings, network_values
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.directory.models import NAME_LENGTH, Resource
from solidarity.directory.services import do_add_phone
from solidarity.lists.models import AnnouncementList
from solidarity.messaging.sms.twilio import TwilioBackend
from tests.factories.accounts import client_for
from tests.factories.directory import make_resource
from tests.factories.lists import make_list

pytestmark = pytest.mark.django_db

HOST = "https://flyers.example.org"
PAGE_POINTS = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}
LONG_WORD = "Supercalifragilisticexpialidocious" * 4


def set_network(**changes: Any) -> None:
    """The network's settings as they are, with `changes`, saved as the settings page saves them."""
    values: dict[str, Any] = {**network_values(), **changes}
    do_update_network_settings(**values)


@pytest.fixture(autouse=True)
def network(settings: Any) -> None:
    settings.BASE_URL = HOST
    settings.SMS_BACKENDS = []
    set_network(phone_region="US", hotline="+1 919-555-0100")


@pytest.fixture
def resources(medics: WorkingGroup, coordinator: User) -> dict[str, Resource]:
    do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    dental = make_resource(
        medics,
        coordinator,
        "campus-dental",
        kind="dental",
        name_en="Campus dental clinic",
        name_es="Clínica dental de la niñez",
        offers_en="Free cleanings and fillings.",
        offers_es="Limpiezas y empastes gratis.",
        hours_en="Last Saturday of each month, 9 to 1",
        hours_es="Último sábado de cada mes, de 9 a 1",
        is_free=True,
        no_id_asked=True,
        zones=("walltown",),
    )
    do_add_phone(dental, "+19195550101", by=coordinator, is_24h=True)
    return {
        "dental": dental,
        "hidden": make_resource(
            medics, coordinator, "quiet-shelter", kind="dental", name_en="Quiet shelter", is_public=False
        ),
        "sanctuary": make_resource(
            medics, coordinator, "hidden-church", kind="sanctuary", name_en="Hidden church", is_public=False
        ),
    }


@pytest.fixture
def signup(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return make_list(
        medics,
        coordinator,
        "east-durham",
        name_en="Rapid response alerts",
        name_es="Alertas de respuesta rápida",
        description_es="Alertas cuando se ve a ICE en el barrio. ¿Quiere recibirlas?",
        keyword="ESTE",
    )


def pages(content: bytes) -> list[pdfium.PdfPage]:
    assert content.startswith(b"%PDF-")
    return list(pdfium.PdfDocument(content))


def qr_codes(page: pdfium.PdfPage) -> list[str]:
    image = page.render(scale=3).to_pil().convert("L")
    return [
        found.text
        for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    ]


def text(page: pdfium.PdfPage) -> str:
    """The page's text, its wrapped lines joined by spaces."""
    return " ".join(str(page.get_textpage().get_text_range()).split())


def char_boxes(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """Each printed character's box (left, bottom, right, top) in points, from the page's bottom left."""
    found = page.get_textpage()
    boxes = [found.get_charbox(index) for index in range(found.count_chars())]
    return [box for box, char in zip(boxes, str(found.get_text_range()), strict=False) if not char.isspace()]


def get_pdf(client: Client, url: str, **query: str) -> bytes:
    answer = client.get(url, query)
    assert answer.status_code == 200, answer.content[:500]
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"].startswith('inline; filename="')
    assert answer["Content-Disposition"].endswith('.pdf"')
    return answer.content


FLYERS = [
    ("flyers/resources.pdf", {"kind": "dental", "zone": "walltown"}, "resources/?kind=dental&zone=walltown"),
    ("flyers/hotline-cards.pdf", {}, "report/"),
    ("flyers/rights-cards.pdf", {}, ""),
    ("flyers/list.pdf", {"list": "east-durham"}, "lists/east-durham/"),
]


@pytest.mark.parametrize(("path", "query", "target"), FLYERS)
@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("layout", ["bilingual", "sides"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_flyer_and_card_is_a_pdf_whose_qr_code_opens_its_page(
    resources: dict[str, Resource],
    signup: AnnouncementList,
    path: str,
    query: dict[str, str],
    target: str,
    paper: str,
    layout: str,
    language: str,
) -> None:
    content = get_pdf(Client(), f"/{language}/{path}", paper=paper, layout=layout, **query)

    found = pages(content)
    assert len(found) == (1 if layout == "bilingual" else 2)
    for page in found:
        assert page.get_size() == pytest.approx(PAGE_POINTS[paper], abs=1)
    is_cards = "cards" in path
    if layout == "sides":  # page 1 in English, page 2 in Spanish, each opening its own language's page
        for page, side in zip(found, ["en", "es"], strict=True):
            codes = qr_codes(page)
            assert set(codes) == {f"{HOST}/{side}/{target}"}
            if is_cards:
                assert len(codes) == (8 if paper == "letter" else 10)
    elif is_cards:  # an English card and its Spanish twin side by side
        codes = qr_codes(found[0])
        assert set(codes) == {f"{HOST}/en/{target}", f"{HOST}/es/{target}"}
        assert len(codes) == (8 if paper == "letter" else 10)
    else:  # one code, to the page in the language it was asked in
        assert qr_codes(found[0]) == [f"{HOST}/{language}/{target}"]


def test_spanish_accents_survive_on_every_flyer(resources: dict[str, Resource], signup: AnnouncementList) -> None:
    client = Client()
    resource_list = text(pages(get_pdf(client, "/es/flyers/resources.pdf", kind="dental"))[0])
    assert "Clínica dental de la niñez" in resource_list
    assert "Último sábado" in resource_list
    assert "24 horas" in resource_list
    hotline = text(pages(get_pdf(client, "/es/flyers/hotline-cards.pdf", layout="sides"))[1])
    assert "Línea de emergencia" in hotline
    assert "(919) 555-0100" in hotline
    rights = text(pages(get_pdf(client, "/es/flyers/rights-cards.pdf"))[0])
    assert "(919) 555-0100" in rights
    signup_text = text(pages(get_pdf(client, "/es/flyers/list.pdf", list="east-durham"))[0])
    assert "¿Quiere recibirlas?" in signup_text
    assert "Alertas de respuesta rápida" in signup_text


def test_a_resource_list_shows_phones_hours_and_when_last_checked(resources: dict[str, Resource]) -> None:
    found = text(pages(get_pdf(Client(), "/en/flyers/resources.pdf", zone="walltown", layout="sides"))[0])

    assert "Campus dental clinic" in found
    assert "(919) 555-0101 - 24 hours" in found
    assert "Free · No ID asked" in found
    assert "Last Saturday of each month" in found
    assert "Last checked" in found
    assert "call first" not in found


def test_a_stale_resource_says_call_first(resources: dict[str, Resource]) -> None:
    Resource.objects.filter(pk=resources["dental"].pk).update(last_checked_at=None)

    found = text(pages(get_pdf(Client(), "/en/flyers/resources.pdf", layout="sides"))[0])

    assert "Never checked: call first." in found


def test_members_only_resources_and_unagreed_sanctuaries_are_never_on_a_flyer(
    resources: dict[str, Resource], coordinator: User
) -> None:
    # Printed by a member of the network, who sees them on the web: a flyer is public all the same.
    client = client_for(coordinator)
    assert "Quiet shelter" in client.get("/en/resources/").content.decode()

    for layout in ("bilingual", "sides"):
        for kind in ("", "dental", "sanctuary"):
            content = get_pdf(client, "/en/flyers/resources.pdf", kind=kind, layout=layout)
            printed = " ".join(text(page) for page in pages(content))
            assert "Quiet shelter" not in printed
            assert "Hidden church" not in printed
    api = Client().get("/api/v1/flyers/resources", {"layout": "sides"}).content
    assert "Quiet shelter" not in " ".join(text(page) for page in pages(api))


def test_the_hotline_card_says_how_to_text_a_report_when_the_network_has_a_number(settings: Any) -> None:
    settings.SMS_BACKENDS = [
        TwilioBackend("AC" + "0" * 32, "a-test-token", sender="+19195550199", webhook_url=f"{HOST}/webhooks/twilio")
    ]

    english, spanish = pages(get_pdf(Client(), "/en/flyers/hotline-cards.pdf", layout="sides"))

    assert "Text REPORT and what you saw to (919) 555-0199." in text(english)
    assert "REPORTE" in text(spanish)
    assert "(919) 555-0100" in text(english)


def test_the_hotline_card_leaves_out_texting_when_the_network_has_no_number() -> None:
    found = text(pages(get_pdf(Client(), "/en/flyers/hotline-cards.pdf", layout="sides"))[0])

    assert "REPORT" not in found
    assert "Call the hotline." in found


def test_the_sign_up_flyer_says_how_to_join_by_text(settings: Any, signup: AnnouncementList) -> None:
    settings.SMS_BACKENDS = [
        TwilioBackend("AC" + "0" * 32, "a-test-token", sender="+19195550199", webhook_url=f"{HOST}/webhooks/twilio")
    ]

    english, spanish = pages(get_pdf(Client(), "/en/flyers/list.pdf", list="east-durham", layout="sides"))

    assert "JOIN ESTE" in text(english)
    assert "UNIRSE ESTE" in text(spanish)
    assert "flyers.example.org/en/lists/east-durham/" in text(english)


def inside(
    boxes: list[tuple[float, float, float, float]], left: float, bottom: float, right: float, top: float
) -> bool:
    return all(
        left - 0.5 <= box[0] and box[2] <= right + 0.5 and bottom - 0.5 <= box[1] and box[3] <= top + 0.5
        for box in boxes
    )


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("layout", ["bilingual", "sides"])
def test_long_names_wrap_or_shrink_and_never_leave_the_page_or_the_card(
    medics: WorkingGroup, coordinator: User, paper: str, layout: str
) -> None:
    for number in range(12):
        make_resource(
            medics,
            coordinator,
            f"long-{number}",
            # As long as a name may be (NAME_LENGTH), with a word longer than any column.
            name_en=(f"{LONG_WORD} {number} " + "Very long clinic name " * 4)[:NAME_LENGTH],
            name_es=(f"{LONG_WORD} {number} " + "Nombre muy largo de clínica " * 4)[:NAME_LENGTH],
            offers_en="Everything " * 150,
            hours_en="Always " * 100,
        )
    long_list_name = (LONG_WORD + " " + "Long list name " * 5)[:120]  # the longest a list's name may be
    make_list(medics, coordinator, "long-list", name_en=long_list_name, keyword="LARGA")
    set_network(hotline="+52 55 1234 5678")
    client = Client()
    width, height = PAGE_POINTS[paper]

    for url, query in [
        ("/en/flyers/resources.pdf", {}),
        ("/en/flyers/list.pdf", {"list": "long-list"}),
        ("/es/flyers/hotline-cards.pdf", {}),
        ("/es/flyers/rights-cards.pdf", {}),
    ]:
        for page in pages(get_pdf(client, url, paper=paper, layout=layout, **query)):
            boxes = char_boxes(page)
            assert boxes
            assert inside(boxes, 0, 0, width, height)
            if "cards" in url:
                grid = grid_of(Paper(paper))
                cells = [(x / MM_PER_POINT, height - (y + CARD_HEIGHT) / MM_PER_POINT) for _c, _r, x, y in grid.cells()]
                for box in boxes:  # each character on one card, none across a cut
                    assert any(
                        inside([box], x, y, x + CARD_WIDTH / MM_PER_POINT, y + CARD_HEIGHT / MM_PER_POINT)
                        for x, y in cells
                    )
    resource_list = text(pages(get_pdf(client, "/en/flyers/resources.pdf", paper=paper, layout=layout))[0])
    assert "More on the web page: scan the code." in resource_list


def test_the_flyers_page_lists_every_printable_with_a_form_and_no_script(
    resources: dict[str, Resource], signup: AnnouncementList
) -> None:
    answer = Client().get("/es/flyers/")

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<script" not in html.split("<main", 1)[-1]
    for name in ("resources.pdf", "hotline-cards.pdf", "rights-cards.pdf", "list.pdf"):
        assert f'action="/es/flyers/{name}"' in html
    assert '<label for="resources_id_kind"' in html or 'for="resources_kind"' in html
    assert "Alertas de respuesta rápida" in html
    assert len(answer.content) < 100_000
    assert 'href="/es/flyers/"' in Client().get("/es/resources/").content.decode()


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("flyers/resources.pdf", {"paper": "tabloid"}),
        ("flyers/resources.pdf", {"layout": "zigzag"}),
        ("flyers/resources.pdf", {"kind": "spaceship"}),
        ("flyers/resources.pdf", {"zone": "nowhere"}),
        ("flyers/hotline-cards.pdf", {"paper": "A3"}),
        ("flyers/rights-cards.pdf", {"layout": "x" * 500}),
        ("flyers/list.pdf", {}),
        ("flyers/list.pdf", {"list": "private-list"}),
    ],
)
def test_bad_choices_answer_the_page_again_with_the_reason(
    medics: WorkingGroup, coordinator: User, path: str, query: dict[str, str]
) -> None:
    make_list(medics, coordinator, "private-list", is_public=False)

    answer = Client().get(f"/es/{path}", query)

    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("text/html")
    html = answer.content.decode()
    assert '<div class="errors" role="alert">' in html
    assert "<li>" in html.split('role="alert"', 1)[1].split("</div>", 1)[0]  # the field and its reason


def test_the_api_answers_the_pdfs_without_a_token(resources: dict[str, Resource], signup: AnnouncementList) -> None:
    client = Client()
    for url, query in [
        ("/api/v1/flyers/resources", {"kind": "dental", "zone": "walltown", "paper": "a4", "language": "es"}),
        ("/api/v1/flyers/hotline-cards", {"layout": "sides"}),
        ("/api/v1/flyers/rights-cards", {}),
        ("/api/v1/flyers/list", {"list": "east-durham"}),
    ]:
        content = get_pdf(client, url, **query)
        assert pages(content)
    spanish = pages(get_pdf(client, "/api/v1/flyers/resources", kind="dental", zone="walltown", language="es"))
    assert qr_codes(spanish[0]) == [f"{HOST}/es/resources/?kind=dental&zone=walltown"]


@pytest.mark.parametrize(
    ("url", "query", "status", "field"),
    [
        ("/api/v1/flyers/resources", {"paper": "tabloid"}, 422, "paper"),
        ("/api/v1/flyers/resources", {"kind": "spaceship"}, 422, "kind"),
        ("/api/v1/flyers/resources", {"zone": "nowhere"}, 422, "zone"),
        ("/api/v1/flyers/hotline-cards", {"language": "fr"}, 422, "language"),
        ("/api/v1/flyers/list", {}, 422, "list"),
        ("/api/v1/flyers/list", {"list": "private-list"}, 404, ""),
    ],
)
def test_the_api_refuses_bad_choices_in_its_one_shape(
    medics: WorkingGroup, coordinator: User, url: str, query: dict[str, str], status: int, field: str
) -> None:
    make_list(medics, coordinator, "private-list", is_public=False)

    answer = Client().get(url, query)

    assert answer.status_code == status
    body = answer.json()
    assert body["error"]["code"]
    assert body["error"]["message"]
    if field:
        assert field in body["error"]["fields"]
