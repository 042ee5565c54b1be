"""The supplies' charts: stock against par month by month (judged by the same rule as today's status), expiry
in the next months as a share of each item's stock; well-formed SVG with every number for screen readers, in
both languages; the item page and the stock page show them, and the API gives the same numbers."""

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from solidarity.accounts.models import User, WorkingGroup
from solidarity.supplies.charts import expiry_by_month, expiry_chart, par_chart, stock_history
from solidarity.supplies.models import Item, Location, Movement
from solidarity.supplies.services import ParState, do_use, par_status, stock_by_lot
from tests.factories.accounts import client_for
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
# Mid-month, mid-day: month ends are far from "now" in any time zone the settings choose.
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def depot(medics: WorkingGroup, coordinator: User) -> Location:
    return make_location(medics, coordinator, "North depot")


def back_to(movement: Movement, when: datetime) -> None:
    Movement.objects.filter(pk=movement.pk).update(at=when)


def parsed(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314  (our own chart, not untrusted input)


@pytest.fixture
def inhalers(medics: WorkingGroup, coordinator: User, depot: Location) -> Item:
    """Received 60 a year ago, none used for six months, then 10 a month for the last five months."""
    with time_machine.travel(NOW, tick=False):
        item = make_item(medics, coordinator, "INH", name_en="Inhaler", name_es="Inhalador", unit_en="inhaler")
        item.unit_es = "inhalador"
        item.save()
        back_to(receive(depot, item, 60, coordinator, date(2028, 1, 1)), datetime(2025, 12, 3, tzinfo=ZoneInfo("UTC")))
        for months_ago in range(5, 0, -1):
            used = do_use(depot, item, 10, by=coordinator)
            back_to(used[0], NOW - timedelta(days=30 * months_ago))
    return item


def test_the_history_follows_the_ledger_month_by_month(inhalers: Item) -> None:
    with time_machine.travel(NOW, tick=False):
        points = stock_history(inhalers)
        status = par_status(inhalers)
    assert [point.month for point in points][:2] == [date(2025, 12, 1), date(2026, 1, 1)]
    assert points[-1].month == date(2026, 11, 1)
    assert len(points) == 12
    assert [point.on_hand for point in points] == [60, 60, 60, 60, 60, 60, 50, 40, 30, 20, 10, 10]
    # Today's point is today's status: the chart and the stock page judge by one rule.
    assert (points[-1].on_hand, points[-1].par_level, points[-1].state) == (
        status.on_hand,
        status.par_level,
        status.state,
    )
    # Before any use, kept for less than its six-month window: no use to judge by; then the par level rises.
    assert {point.state for point in points[:6]} == {ParState.NO_USE_YET}
    assert points[5].par_level == 0 < points[6].par_level
    assert points[-1].par_level > points[7].par_level > 0
    assert points[-1].state == ParState.BELOW_PAR  # 10 on hand, par of two months at ~8 a month
    assert all(point.far_above >= point.par_level for point in points)


def test_the_par_chart_is_well_formed_svg_with_every_number_in_words(inhalers: Item) -> None:
    with time_machine.travel(NOW, tick=False):
        points = stock_history(inhalers)
        svg = parsed(par_chart(inhalers, points))
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None
    assert "Inhaler" in (title.text or "")
    assert desc is not None
    for point in points:
        assert f"{point.on_hand} on hand" in (desc.text or "")
    assert "December 2025: 60 on hand, no use to set a par level" in (desc.text or "")
    assert len(svg.findall(f".//{SVG}polyline")) == 3  # on hand, par, far above need
    assert len(svg.findall(f".//{SVG}circle")) == 12
    months = [text.text for text in svg.iter(f"{SVG}text")]
    assert "Dec" in months
    assert "Nov" in months


def test_the_par_chart_speaks_spanish(inhalers: Item) -> None:
    with time_machine.travel(NOW, tick=False), translation.override("es"):
        svg = parsed(par_chart(inhalers, stock_history(inhalers)))
    desc = svg.find(f"{SVG}desc")
    assert desc is not None
    assert "diciembre de 2025: 60 disponibles, sin uso" in (desc.text or "").lower()
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert "Inhalador" in (title.text or "")


def test_an_item_never_used_draws_its_stock_alone(medics: WorkingGroup, coordinator: User, depot: Location) -> None:
    gauze = make_item(medics, coordinator, "GZ")
    receive(depot, gauze, 7, coordinator)
    svg = parsed(par_chart(gauze, stock_history(gauze)))
    assert len(svg.findall(f".//{SVG}polyline")) == 1
    assert stock_history(gauze)[-1].on_hand == 7


def test_expiry_by_month_shares_each_items_stock(medics: WorkingGroup, coordinator: User, depot: Location) -> None:
    today = timezone.localdate()
    naloxone = make_item(medics, coordinator, "NLX", name_en="Naloxone", name_es="Naloxona")
    gauze = make_item(medics, coordinator, "GZ", name_en="Gauze", name_es="Gasa", unit_en="pack")
    receive(depot, naloxone, 6, coordinator, today + timedelta(days=40))
    receive(depot, naloxone, 4, coordinator, today + timedelta(days=400))
    receive(depot, gauze, 3, coordinator, today - timedelta(days=1))
    receive(depot, gauze, 9, coordinator)
    months = expiry_by_month(stock_by_lot(group=medics))
    assert months[0].month is None  # expired, still on a shelf, first
    assert [(e.item.code, e.quantity, e.held) for e in months[0].items] == [("GZ", 3, 12)]
    assert next(month.month for month in months[1:]) == today.replace(day=1)
    assert len(months) == 7
    due = [(month.month, e.item.code, e.quantity, e.held) for month in months[1:] for e in month.items]
    assert due == [((today + timedelta(days=40)).replace(day=1), "NLX", 6, 10)]
    chart = expiry_chart(months)
    assert "GZ: 3 of 12" in chart.desc
    assert "NLX: 6 of 10" in chart.desc
    assert "nothing expires" in chart.desc
    bars = [bar for group in chart.groups for bar in group.bars]
    assert [bar.width for bar in bars] == [f"{190 * 3 / 12:.1f}", f"{190 * 6 / 10:.1f}"]


def test_nothing_expired_starts_with_this_month(medics: WorkingGroup, coordinator: User, depot: Location) -> None:
    assert next(month.month for month in expiry_by_month([])) == timezone.localdate().replace(day=1)


def test_the_pages_show_the_charts_and_the_api_the_same_numbers(
    inhalers: Item, coordinator: User, medic: User, outsider: User
) -> None:
    member = client_for(medic)
    page = member.get(f"/en/supplies/items/{inhalers.code}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'role="img"' in body
    assert "Stock of Inhaler against its par level" in body
    assert "Change the item" not in body  # a member reads; a keeper changes
    assert "Change the item" in client_for(coordinator).get(f"/en/supplies/items/{inhalers.code}/").content.decode()
    assert client_for(outsider).get(f"/en/supplies/items/{inhalers.code}/").status_code == 404
    spanish = member.get(f"/es/supplies/items/{inhalers.code}/").content.decode()
    assert "Inhalador" in spanish
    assert "Existencias frente al uso real" in spanish
    stock = member.get("/en/groups/street-medics-committee/supplies/").content.decode()
    assert "Expiry in the next months" in stock
    assert 'aria-labelledby="expiry-title expiry-desc"' in stock
    history = member.get(f"/api/v1/supplies/items/{inhalers.code}/history").json()
    assert [row["on_hand"] for row in history] == [point.on_hand for point in stock_history(inhalers)]
    months = member.get("/api/v1/groups/street-medics-committee/supplies/expiry-by-month").json()
    assert months[0]["items"] == []
    assert len(months) == 6
    assert client_for(outsider).get(f"/api/v1/supplies/items/{inhalers.code}/history").status_code == 404
