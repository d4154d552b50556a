"""The live stream: server-sent events carry the viewer's board whenever it changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from dashboard.live import sse_event
from queues.accounts import Operator
from tests.dashboard.conftest import DashboardServer, soup

pytestmark = pytest.mark.broker

RAT = "Der løber rotter rundt i min baggård, de kommer fra kloakken."


def _boards(response: httpx.Response) -> Iterator[str]:
    """The data of each `board` event, as the browser's EventSource joins it."""
    event, data = "", []
    for line in response.iter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data.append(line.removeprefix("data: "))
        elif line == "" and event:
            if event == "board":
                yield "\n".join(data)
            event, data = "", []


def _ids(fragment: str) -> list[str]:
    return [str(tr["data-id"]) for tr in soup(fragment).select("#items tbody tr[data-id]")]


def test_an_event_keeps_every_line_of_a_multi_line_fragment() -> None:
    assert sse_event("board", "<p>\n</p>") == "event: board\ndata: <p>\ndata: </p>\n\n"


def test_a_new_item_is_pushed_to_a_connected_operator_without_a_reload(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    first = queue_item(text=RAT)
    client = dashboard_server.login("mtm")
    # The read timeout is the only clock here: no event within it fails the test.
    timeout = httpx.Timeout(30.0)
    with client.stream("GET", "/dashboard/live", timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        boards = _boards(response)
        assert _ids(next(boards)) == [first]
        second = queue_item(text="Der er også rotter ved skraldespandene i gården.")
        queue_item(queue="mso.hjemmepleje", text="Hjemmeplejen kom ikke.")
        fresh = next(boards)
    assert sorted(_ids(fresh)) == sorted([first, second])


def test_the_stream_honours_the_boards_filters(
    dashboard_server: DashboardServer,
    make_account: Callable[..., Operator],
    queue_item: Callable[..., str],
) -> None:
    make_account(username="mtm")
    phoned = queue_item(text=RAT, channel="phone")
    queue_item(text=RAT, channel="mail")
    client = dashboard_server.login("mtm")
    with client.stream("GET", "/dashboard/live?channel=phone", timeout=30.0) as response:
        assert _ids(next(_boards(response))) == [phoned]


def test_the_stream_refuses_a_visitor_who_is_not_signed_in(
    dashboard_server: DashboardServer,
) -> None:
    response = dashboard_server.client().get("/dashboard/live")
    assert response.status_code == 401
