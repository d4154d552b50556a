"""The dashboard in real headless Chromium against `indgang run`: live, scoped, accessible."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from streams.embedded_broker import free_port
from tests.conftest import REPO
from tests.processes import RunningEngine, start_engine, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.broker]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "docs" / "screenshots"
PASSWORD = "rotter-og-hjemmepleje-2026"
RAT_REPORT = (
    "Der løber rotter rundt i min baggård, og de har gravet huller ved kloakken. "
    "Kan I sende en rottebekæmper?"
)
HOME_CARE = (
    "Jeg vil klage over hjemmeplejen. Min far fik ikke sin medicin i går aftes, og ingen "
    "ringede til os. Det er tredje gang denne måned."
)
# Live updates arrive within a second or two; this is only the limit before the test gives up.
LIVE_TIMEOUT_MS = 60_000


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[RunningEngine]:
    """`indgang run` on the embedded broker and SQLite, with an MTM operator and a supervisor."""
    running = start_engine(tmp_path, free_port())
    running.create_operator(
        username="mette", password=PASSWORD, department="MTM", display_name="Mette Madsen"
    )
    running.create_operator(
        username="sofie", password=PASSWORD, role="supervisor", display_name="Sofie Skov"
    )
    yield running
    running.stop()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless; Playwright never downloads a browser here."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def _context(browser: Browser) -> BrowserContext:
    # A common laptop screen.
    return browser.new_context(viewport={"width": 1366, "height": 768}, locale="da-DK")


def _post(engine: RunningEngine, *, channel: str, text: str) -> str:
    response = engine.post_inquiry({"channel": channel, "text": text})
    assert response.status_code in (200, 202), response.text
    return str(response.json()["id"])


def _decision(engine: RunningEngine, inquiry_id: str) -> Any:
    ledger = engine.ledger

    def decided() -> bool:
        status = ledger.status(inquiry_id=inquiry_id)
        return status is not None and status.decision is not None

    wait_until(decided, timeout_s=60, what=f"a decision for {inquiry_id}")
    status = ledger.status(inquiry_id=inquiry_id)
    assert status is not None
    return status.decision


def _log_in(page: Page, engine: RunningEngine, username: str) -> None:
    page.goto(f"{engine.base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Køoversigt")


def _serious_violations(page: Page) -> list[str]:
    """axe-core's violations of impact serious or critical, as readable lines."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_an_mtm_operator_works_a_live_rat_report_and_a_supervisor_sees_every_queue(
    engine: RunningEngine, browser: Browser
) -> None:
    care_id = _post(engine, channel="mail", text=HOME_CARE)
    care = _decision(engine, care_id)
    assert (care.action, care.classification.department) == ("queue", "MSO"), care

    operator = _context(browser).new_page()
    operator.goto(f"{engine.base_url}/dashboard/login")
    operator.get_by_label("Brugernavn").fill("mette")
    operator.get_by_label("Adgangskode").fill("ikke-mettes-adgangskode")
    operator.get_by_role("button", name="Log ind").click()
    expect(operator.get_by_role("alert")).to_have_text("Forkert brugernavn eller adgangskode.")
    assert _serious_violations(operator) == []
    _log_in(operator, engine, "mette")
    assert _serious_violations(operator) == []
    operator.keyboard.press("Tab")
    expect(operator.locator(":focus")).to_have_text("Spring til indhold")
    operator.evaluate("window.loadedOnce = true")

    rat_id = _post(engine, channel="web", text=RAT_REPORT)
    rat = _decision(engine, rat_id)
    assert (rat.action, rat.queue) == ("queue", "mtm.miljoe"), rat
    row = operator.locator(f"tr[data-id='{rat_id}']")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert operator.evaluate("window.loadedOnce") is True, "the page was reloaded"
    expect(operator.locator("#announcer")).to_have_text("1 ny henvendelse.")
    expect(operator.locator(f"tr[data-id='{care_id}']")).to_have_count(0)

    row.get_by_role("button", name="Tag").click()
    expect(operator.locator(".flash")).to_have_text("Du har taget henvendelsen.")
    expect(row).to_contain_text("Taget af dig")

    row.locator("summary", has_text="Overfør").click()
    row.get_by_label("Til kø").select_option("mtm.affald")
    row.get_by_label("Begrundelse").fill("Rotterne holder til ved affaldsøerne")
    _screenshot(operator, "operator-transfer-da.png")
    row.get_by_role("button", name="Overfør henvendelsen").click()
    expect(operator.locator(".flash")).to_have_text(
        "Henvendelsen er overført til Affald og genbrug."
    )
    expect(row).to_contain_text("Overført 1 gang")
    misrouted = operator.locator("#summary tr[data-queue='mtm.miljoe'] td").last
    expect(misrouted).to_have_text("1 af 1")

    # The MSO item is not there, and neither its page nor its actions answer this operator.
    expect(operator.locator(f"tr[data-id='{care_id}']")).to_have_count(0)
    assert HOME_CARE[:40] not in operator.content()
    refused = operator.evaluate(
        """async ([url]) => {
            const token = document.querySelector("input[name=csrf_token]").value;
            const body = new URLSearchParams({csrf_token: token});
            return (await fetch(url, {method: "POST", body, redirect: "manual"})).status;
        }""",
        [f"/dashboard/items/{care_id}/claim"],
    )
    assert refused == 404
    assert operator.request.get(f"{engine.base_url}/dashboard/items/{care_id}").status == 404
    assert _serious_violations(operator) == []
    _screenshot(operator, "operator-da.png")

    # Filtering with JavaScript reconnects the live stream instead of reloading.
    operator.evaluate("window.loadedOnce = true")
    operator.get_by_label("Kanal").select_option("phone")
    operator.get_by_role("button", name="Vis").click()
    expect(row).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    assert operator.url.endswith("/dashboard/?channel=phone")
    operator.get_by_label("Kanal").select_option("web")
    operator.get_by_role("button", name="Vis").click()
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert operator.evaluate("window.loadedOnce") is True, "the page was reloaded"

    supervisor = _context(browser).new_page()
    _log_in(supervisor, engine, "sofie")
    expect(supervisor.locator(f"tr[data-id='{rat_id}']")).to_be_visible()
    expect(supervisor.locator(f"tr[data-id='{care_id}']")).to_be_visible()
    assert _serious_violations(supervisor) == []
    _screenshot(supervisor, "supervisor-da.png")

    supervisor.locator(f"#text-{care_id} a").click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Henvendelse: Hjemmeplejen")
    expect(supervisor.locator(".full-text")).to_have_text(HOME_CARE)
    assert _serious_violations(supervisor) == []
    _screenshot(supervisor, "item-supervisor-da.png")
    supervisor.locator("summary", has_text="Ret klassifikation").click()
    kind = supervisor.get_by_label("Type", exact=True)
    corrected = "sagsstatus" if kind.input_value() == "klage" else "klage"
    kind.select_option(corrected)
    assert _serious_violations(supervisor) == []
    supervisor.get_by_role("button", name="Ret type").click()
    expect(supervisor.locator(".flash")).to_have_text(
        f"Henvendelsens type er rettet til {corrected}."
    )
    assert _serious_violations(supervisor) == []
    supervisor.get_by_role("link", name="Tilbage til køoversigten").click()

    supervisor.get_by_role("button", name="English").click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Queue dashboard")
    expect(supervisor.locator("html")).to_have_attribute("lang", "en")
    assert _serious_violations(supervisor) == []
    _screenshot(supervisor, "supervisor-en.png")
