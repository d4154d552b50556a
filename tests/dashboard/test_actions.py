"""Actions from the board: claim, release, transfer, resolve; refusals explained, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from bs4 import Tag
from sqlalchemy import Engine, select

from ledger.schema import QueueEventRow, QueueItemRow
from queues.accounts import Operator
from tests.dashboard.conftest import DashboardServer, flashes, soup, submit

pytestmark = pytest.mark.broker

RAT = "Der løber rotter rundt i min baggård, de kommer fra kloakken."


def _item(engine: Engine, inquiry_id: str) -> QueueItemRow:
    with engine.connect() as connection:
        row = connection.execute(
            select(QueueItemRow).where(QueueItemRow.inquiry_id == inquiry_id)
        ).one()
    return row  # type: ignore[return-value]


def _events(engine: Engine, inquiry_id: str) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(QueueEventRow.kind, QueueEventRow.actor)
            .where(QueueEventRow.inquiry_id == inquiry_id, QueueEventRow.applied)
            .order_by(QueueEventRow.at)
        ).all()
    return [(kind, actor) for kind, actor in rows]


def _act(
    client: httpx.Client, inquiry_id: str, action: str, **fields: str
) -> tuple[int, list[str]]:
    """Post an action form from the board, follow the redirect, return status and messages."""
    response = submit(
        client,
        f"/dashboard/items/{inquiry_id}/{action}",
        {"next": "/dashboard/", **fields},
        page="/dashboard/",
    )
    if response.status_code != 303:
        return response.status_code, flashes(response.text)
    assert response.headers["location"] == "/dashboard/"
    return 303, flashes(client.get("/dashboard/").text)


def test_claim_transfer_and_resolve_are_recorded_with_who_did_them(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    make_account(username="mso", department="MSO")
    item = queue_item(text="Min mor skal have hjemmehjælp oftere.")
    mtm = dashboard_server.login("mtm")
    assert _act(mtm, item, "claim") == (303, ["Du har taget henvendelsen."])
    assert _item(dashboard_server.engine, item).claimed_by == "mtm"
    moved = _act(mtm, item, "transfer", to_queue="mso.hjemmepleje", reason="Hjemmepleje")
    assert moved == (303, ["Henvendelsen er overført til Hjemmeplejen."])
    mso = dashboard_server.login("mso")
    assert _act(mso, item, "resolve", outcome="Besøg flyttet") == (
        303,
        ["Henvendelsen er afsluttet."],
    )
    row = _item(dashboard_server.engine, item)
    assert (row.queue, row.state, row.outcome) == ("mso.hjemmepleje", "resolved", "Besøg flyttet")
    assert _events(dashboard_server.engine, item)[-3:] == [
        ("claimed", "mtm"),
        ("transferred", "mtm"),
        ("resolved", "mso"),
    ]


def test_a_claimed_item_can_be_released_to_the_queue(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    item = queue_item(text=RAT)
    client = dashboard_server.login("mtm")
    _act(client, item, "claim")
    assert _act(client, item, "release") == (303, ["Henvendelsen er frigivet."])
    row = _item(dashboard_server.engine, item)
    assert (row.state, row.claimed_by) == ("open", None)


def test_an_action_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    item = queue_item(text=RAT)
    client = dashboard_server.login("mtm")
    response = client.post(f"/dashboard/items/{item}/claim", data={"csrf_token": "guess"})
    assert response.status_code == 403
    assert _item(dashboard_server.engine, item).state == "open"


def test_an_operator_cannot_see_or_act_on_another_departments_item(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    care = queue_item(queue="mso.hjemmepleje", text="Hjemmeplejen kom ikke i dag.")
    client = dashboard_server.login("mtm")
    assert client.get(f"/dashboard/items/{care}").status_code == 404
    status, messages = _act(client, care, "claim")
    assert status == 404
    assert messages == ["Henvendelsen findes ikke, eller du har ikke adgang til den."]
    assert _item(dashboard_server.engine, care).state == "open"
    assert _events(dashboard_server.engine, care) == [("enqueued", "system")]


def test_a_refused_action_shows_the_reason_on_the_page_in_danish(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="first")
    make_account(username="second")
    item = queue_item(text=RAT)
    _act(dashboard_server.login("first"), item, "claim")
    status, messages = _act(dashboard_server.login("second"), item, "claim")
    assert status == 303
    assert messages == ["Handlingen blev afvist: henvendelsen er allerede taget af first."]
    assert _item(dashboard_server.engine, item).claimed_by == "first"


def test_a_refusal_names_the_queue_and_the_verb_in_the_chosen_language(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="first")
    make_account(username="second")
    item = queue_item(text=RAT)
    _act(dashboard_server.login("first"), item, "claim")
    second = dashboard_server.login("second")
    moved = _act(second, item, "transfer", to_queue="mtm.natur", reason="Træer")
    assert moved == (
        303,
        [
            "Handlingen blev afvist: henvendelsen er taget af first, og kun vedkommende eller "
            "en supervisor kan overføre den."
        ],
    )
    submit(second, "/dashboard/language", {"lang": "en"}, page="/dashboard/")
    assert _act(second, item, "resolve", outcome="Svar sendt") == (
        303,
        [
            "The action was refused: the inquiry is claimed by first; only they or a "
            "supervisor may resolve it."
        ],
    )


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("transfer", {"to_queue": "mso.hjemmepleje", "reason": "  "}, "Udfyld feltet Begrundelse."),
        ("transfer", {"to_queue": "mars.base", "reason": "Forkert kø"}, "Vælg en kø fra listen."),
        ("resolve", {"outcome": ""}, "Udfyld feltet Udfald."),
        ("resolve", {"outcome": "x" * 201}, "Feltet Udfald må højst være 200 tegn."),
    ],
)
def test_an_incomplete_form_is_refused_with_a_message_and_loses_nothing(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
    action: str,
    fields: dict[str, str],
    message: str,
) -> None:
    make_account(username="mtm")
    item = queue_item(text=RAT)
    assert _act(dashboard_server.login("mtm"), item, action, **fields) == (303, [message])
    row = _item(dashboard_server.engine, item)
    assert (row.queue, row.state) == ("mtm.miljoe", "open")


def test_an_unknown_action_is_not_found(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    item = queue_item(text=RAT)
    status, _ = _act(dashboard_server.login("mtm"), item, "delete")
    assert status == 404


def _relabel(client: httpx.Client, inquiry_id: str, **fields: str) -> tuple[int, list[str]]:
    """Post the re-label form from the item's page; return status and the page's messages."""
    here = f"/dashboard/items/{inquiry_id}"
    response = submit(client, f"{here}/relabel", {"next": here, **fields}, page=here)
    if response.status_code != 303:
        return response.status_code, flashes(response.text)
    assert response.headers["location"] == here
    return 303, flashes(client.get(here).text)


def _relabel_form(html: str, field: str) -> Tag:
    marker = soup(html).select_one(f'form[action$="/relabel"] input[name=field][value="{field}"]')
    assert marker is not None, f"no re-label form for {field}"
    form = marker.find_parent("form")
    assert form is not None
    return form


def test_the_item_page_offers_each_label_with_danish_names_and_the_current_one_chosen(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    item = queue_item(text=RAT, inquiry_type="indberetning")
    html = dashboard_server.login("mtm").get(f"/dashboard/items/{item}").text
    kind = _relabel_form(html, "type")
    select = kind.select_one("select[name=value]")
    assert select is not None
    label = kind.select_one(f'label[for="{select["id"]}"]')
    assert label is not None and label.get_text(strip=True) == "Type"
    assert [(o["value"], o.get_text(strip=True)) for o in select.select("option")][:3] == [
        ("omstilling", "Omstilling"),
        ("generel_information", "Generel information"),
        ("hjaelp_til_selvbetjening", "Hjælp til selvbetjening"),
    ]
    assert len(select.select("option")) == 8
    assert [o["value"] for o in select.select("option[selected]")] == ["indberetning"]
    assert kind.select_one('input[name="csrf_token"]') is not None
    urgent = _relabel_form(html, "urgent")
    assert [o.get_text(strip=True) for o in urgent.select("option")] == ["Haster", "Haster ikke"]
    assert [o["value"] for o in urgent.select("option[selected]")] == ["false"]
    assert _relabel_form(html, "complexity").select_one("button") is not None


def test_a_relabel_from_the_item_page_is_recorded_and_shown(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    item = queue_item(text=RAT, inquiry_type="indberetning")
    client = dashboard_server.login("mtm")
    assert _relabel(client, item, field="type", value="klage") == (
        303,
        ["Henvendelsens type er rettet til klage."],
    )
    assert _relabel(client, item, field="urgent", value="true") == (
        303,
        ["Henvendelsens hastegrad er rettet til haster."],
    )
    html = client.get(f"/dashboard/items/{item}").text
    assert [o["value"] for o in _relabel_form(html, "type").select("option[selected]")] == ["klage"]
    assert _events(dashboard_server.engine, item)[-2:] == [("relabelled", "mtm")] * 2
    row = _item(dashboard_server.engine, item)
    assert (row.queue, row.state) == ("mtm.miljoe", "open")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"field": "type", "value": "spam"}, "Vælg en værdi fra listen."),
        ({"field": "queue", "value": "mtm.natur"}, "Vælg en værdi fra listen."),
        ({"field": "urgent"}, "Vælg en værdi fra listen."),
        (
            {"field": "complexity", "value": "mellem"},
            "Handlingen blev afvist: henvendelsens kompleksitet er allerede mellem.",
        ),
    ],
)
def test_a_relabel_outside_the_label_space_or_to_the_same_label_changes_nothing(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
    fields: dict[str, str],
    message: str,
) -> None:
    make_account(username="mtm")
    item = queue_item(text=RAT)
    assert _relabel(dashboard_server.login("mtm"), item, **fields) == (303, [message])
    assert _events(dashboard_server.engine, item) == [("enqueued", "system")]


def test_a_relabel_without_the_sessions_csrf_token_is_refused(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    item = queue_item(text=RAT)
    client = dashboard_server.login("mtm")
    response = client.post(
        f"/dashboard/items/{item}/relabel",
        data={"csrf_token": "guess", "field": "type", "value": "klage"},
    )
    assert response.status_code == 403
    assert _events(dashboard_server.engine, item) == [("enqueued", "system")]
