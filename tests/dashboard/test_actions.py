"""Actions from the board: claim, release, transfer, resolve; refusals explained, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine, select

from ledger.schema import QueueEventRow, QueueItemRow
from queues.accounts import Operator
from tests.dashboard.conftest import DashboardServer, flashes, submit

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


def test_a_refused_action_shows_the_reason_on_the_page(
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
    assert messages == ["Handlingen blev afvist: the item is claimed by first already"]
    assert _item(dashboard_server.engine, item).claimed_by == "first"


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
