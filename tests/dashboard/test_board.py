"""The board: who sees which queues, in what order, how breaches and misroutes are shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from queues.accounts import Operator
from tests.dashboard.conftest import DashboardServer, flashes, page, soup, submit

pytestmark = pytest.mark.broker

RAT = "Der løber rotter rundt i min baggård, de kommer fra kloakken."
CARE = "Min mor skal have ændret tidspunktet for hjemmeplejens besøg om morgenen."


def _row_ids(html: str) -> list[str]:
    return [str(tr["data-id"]) for tr in soup(html).select("#items tbody tr[data-id]")]


def test_an_operator_sees_the_queues_and_items_of_their_department_only(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm", department="MTM")
    rat = queue_item(queue="mtm.miljoe", text=RAT)
    care = queue_item(queue="mso.hjemmepleje", text=CARE)
    html = dashboard_server.login("mtm").get("/dashboard/").text
    assert _row_ids(html) == [rat]
    queues = [tr["data-queue"] for tr in soup(html).select("#summary tbody tr")]
    assert queues == ["mtm.miljoe"]
    assert care not in html


def test_a_supervisor_sees_every_department(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="chef", role="supervisor", department=None)
    rat = queue_item(queue="mtm.miljoe", text=RAT)
    care = queue_item(queue="mso.hjemmepleje", text=CARE)
    html = dashboard_server.login("chef").get("/dashboard/").text
    assert sorted(_row_ids(html)) == sorted([rat, care])


def test_an_operator_reads_the_text_redacted_and_a_caseworker_in_full(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm", role="operator")
    make_account(username="sag", role="caseworker")
    item = queue_item(text="Rotter ved mit hus. Mit cpr-nummer er 010203-1234.")
    redacted = dashboard_server.login("mtm").get(f"/dashboard/items/{item}").text
    full = dashboard_server.login("sag").get(f"/dashboard/items/{item}").text
    assert "010203-1234" not in redacted
    assert "Personoplysninger skjult" in redacted
    assert "010203-1234" in full


def test_urgent_items_come_first_and_a_breach_is_said_in_words_not_only_in_red(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    late = queue_item(text=RAT, due_in=-timedelta(hours=3), priority=5)
    calm = queue_item(text=RAT, due_in=timedelta(days=3), priority=2)
    urgent = queue_item(text=RAT, urgent=True, due_in=timedelta(days=1), priority=5)
    html = dashboard_server.login("mtm").get("/dashboard/").text
    assert _row_ids(html) == [urgent, calm, late]
    breached = soup(html).select_one(f"tr[data-id='{late}'] .breach")
    assert breached is not None
    assert "Overskredet med 3 t" in breached.get_text()
    urgent_badge = soup(html).select_one(f"tr[data-id='{urgent}'] .badge-urgent")
    assert urgent_badge is not None
    assert urgent_badge.get_text() == "Haster"


def test_an_items_age_and_received_time_are_from_when_the_citizen_wrote(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    # Mail written three days ago and queued only now, as after an outage.
    written = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    item = queue_item(text=RAT, received_at=written)
    client = dashboard_server.login("mtm")
    age = soup(client.get("/dashboard/").text).select_one(f"tr[data-id='{item}'] time")
    assert age is not None
    assert (age["datetime"], age.get_text()) == (written.isoformat(), "3 d 0 t")
    received = page(client.get(f"/dashboard/items/{item}")).select_one("dl dd time")
    assert received is not None
    assert received["datetime"] == written.isoformat()


def test_filters_by_channel_and_service_area_narrow_the_items(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    phoned = queue_item(queue="mtm.miljoe", channel="phone", text=RAT)
    mailed = queue_item(queue="mtm.miljoe", channel="mail", text=RAT)
    bins = queue_item(queue="mtm.affald", channel="mail", text="Min skraldespand er ikke tømt.")
    client = dashboard_server.login("mtm")
    assert _row_ids(client.get("/dashboard/?channel=phone").text) == [phoned]
    assert sorted(_row_ids(client.get("/dashboard/?channel=mail").text)) == sorted([mailed, bins])
    assert _row_ids(client.get("/dashboard/?channel=mail&area=mtm.affald").text) == [bins]


def test_an_unknown_filter_value_is_refused_by_name(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="mtm")
    response = dashboard_server.login("mtm").get("/dashboard/?channel=fax")
    assert response.status_code == 400
    assert flashes(response.text) == ["Filteret Kanal kender ikke værdien »fax«."]


def test_the_summary_counts_arrivals_moved_out_of_a_queue_as_misrouted(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="chef", role="supervisor", department=None)
    moved = queue_item(queue="mtm.miljoe", text=CARE)
    queue_item(queue="mtm.miljoe", text=RAT)
    client = dashboard_server.login("chef")
    done = submit(
        client,
        f"/dashboard/items/{moved}/transfer",
        {"to_queue": "mso.hjemmepleje", "reason": "Handler om hjemmepleje"},
        page="/dashboard/",
    )
    assert done.status_code == 303
    html = soup(client.get("/dashboard/").text)
    row = html.select_one("#summary tr[data-queue='mtm.miljoe']")
    assert row is not None
    assert row.select("td")[-1].get_text(strip=True) == "1 af 2"


def test_the_language_switch_turns_the_page_english_and_back(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    queue_item(text=RAT)
    client = dashboard_server.login("mtm")
    switched = submit(
        client, "/dashboard/language", {"lang": "en", "next": "/dashboard/"}, page="/dashboard/"
    )
    assert switched.headers["location"] == "/dashboard/"
    english = page(client.get("/dashboard/"))
    assert english.html is not None
    assert english.html["lang"] == "en"
    assert english.select_one("h1").get_text() == "Queue dashboard"  # type: ignore[union-attr]
    assert "Environment" in english.select_one("#items tbody").get_text()  # type: ignore[union-attr]
    submit(client, "/dashboard/language", {"lang": "da"}, page="/dashboard/")
    danish = page(client.get("/dashboard/"))
    assert danish.select_one("h1").get_text() == "Køoversigt"  # type: ignore[union-attr]
    assert flashes(str(danish)) == []
