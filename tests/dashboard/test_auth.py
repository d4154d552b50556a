"""Signing in and out: sessions in a signed cookie, CSRF tokens on every form, nothing leaked."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from queues.accounts import Operator
from tests.dashboard.conftest import PASSWORD, DashboardServer, csrf_of, flashes, page, submit

pytestmark = pytest.mark.broker


def test_the_front_page_leads_to_the_dashboard(dashboard_server: DashboardServer) -> None:
    with dashboard_server.client() as client:
        response = client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/dashboard/"


def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back_afterwards(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada")
    with dashboard_server.client() as client:
        response = client.get("/dashboard/?channel=mail")
        assert response.status_code == 303
        assert (
            response.headers["location"] == "/dashboard/login?next=%2Fdashboard%2F%3Fchannel%3Dmail"
        )
        form = client.get(response.headers["location"])
        signed = client.post(
            "/dashboard/login",
            data={
                "csrf_token": csrf_of(form.text),
                "next": "/dashboard/?channel=mail",
                "username": "ada",
                "password": PASSWORD,
            },
        )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/dashboard/?channel=mail"


def test_the_login_page_is_danish_with_labelled_fields(dashboard_server: DashboardServer) -> None:
    with dashboard_server.client() as client:
        html = page(client.get("/dashboard/login"))
    assert html.html is not None
    assert html.html["lang"] == "da"
    for field in ("username", "password"):
        assert html.select_one(f"label[for={field}]") is not None
    assert html.select_one("h1").get_text() == "Log ind"  # type: ignore[union-attr]


def test_a_wrong_password_shows_the_form_again_and_signs_nobody_in(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada")
    with dashboard_server.client() as client:
        response = submit(
            client, "/dashboard/login", {"username": "ada", "password": PASSWORD + "x"}
        )
        assert response.status_code == 401
        assert flashes(response.text) == ["Forkert brugernavn eller adgangskode."]
        assert client.get("/dashboard/").status_code == 303


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(
    dashboard_server: DashboardServer,
) -> None:
    with dashboard_server.client() as client:
        response = submit(client, "/dashboard/login", {"username": "nobody", "password": "x" * 20})
    assert response.status_code == 401
    assert flashes(response.text) == ["Forkert brugernavn eller adgangskode."]


def test_five_wrong_passwords_lock_the_name_even_against_the_right_one(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada")
    make_account(username="grace")
    with dashboard_server.client() as client:
        tries = [
            submit(client, "/dashboard/login", {"username": "ada", "password": f"guess-{n}"})
            for n in range(5)
        ]
        right = submit(client, "/dashboard/login", {"username": "ada", "password": PASSWORD})
        other = submit(client, "/dashboard/login", {"username": "grace", "password": PASSWORD})
    assert [r.status_code for r in tries] == [401, 401, 401, 401, 429]
    assert right.status_code == 429
    assert 800 < int(right.headers["Retry-After"]) <= 900
    assert flashes(right.text) == [
        "For mange forkerte forsøg. Prøv igen om 15 min., eller bed en supervisor om hjælp."
    ]
    assert other.status_code == 303


def test_a_login_without_the_sessions_csrf_token_is_refused(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada")
    with dashboard_server.client() as client:
        client.get("/dashboard/login")
        response = client.post(
            "/dashboard/login",
            data={"csrf_token": "forged", "username": "ada", "password": PASSWORD},
        )
        assert response.status_code == 403
        assert client.get("/dashboard/").status_code == 303


def test_the_session_cookie_is_http_only_and_strictly_same_site(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada")
    with dashboard_server.client() as client:
        response = submit(client, "/dashboard/login", {"username": "ada", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/dashboard" in cookie


def test_a_signed_in_operator_sees_their_name_role_and_department(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada", display_name="Ada Rottefænger")
    client = dashboard_server.login("ada")
    header = page(client.get("/dashboard/")).select_one(".who")
    assert header is not None
    text = header.get_text(" ", strip=True)
    assert "Ada Rottefænger (medarbejder)" in text
    assert "Teknik og Miljø" in text


def test_signing_out_ends_the_session(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada")
    client = dashboard_server.login("ada")
    response = submit(client, "/dashboard/logout", {}, page="/dashboard/")
    assert response.status_code == 303
    login = client.get(response.headers["location"])
    assert flashes(login.text) == ["Du er logget ud."]
    assert client.get("/dashboard/").status_code == 303


def test_pages_are_not_cached_and_refuse_to_be_framed(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada")
    response = dashboard_server.login("ada").get("/dashboard/")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_forged_logout_leaves_the_operator_signed_in(
    dashboard_server: DashboardServer, make_account: Callable[..., Operator]
) -> None:
    make_account(username="ada")
    client = dashboard_server.login("ada")
    response = client.post("/dashboard/logout", data={"csrf_token": "forged"})
    assert response.status_code == 303
    board = client.get(response.headers["location"])
    assert board.status_code == 200
    assert flashes(board.text) == ["Formularen var forældet, så intet blev gjort. Prøv igen."]
