"""The dashboard, driven in headless Chromium against a real running API.

The service under test is the real one: ``create_app`` served by uvicorn on a
free port, over a SQLite read model filled with the demo dockets
(``services/demo/*.jsonl``) by the real code of each stage: the processor's
per-record step (``services.processor.step.handle_record``: decode, ``evolve``,
``detect``), the records it would publish encoded as it encodes them, and the
feeder's ``decode_records`` into the store. Only Kafka is left out
(``start_feeder=False``); the pipeline through Kafka has its own tests. When
the lead wires the full pipeline, the same tests can point at it unchanged:
they only need a URL and a way to ingest the reference case.

The browser is Debian's ``chromium`` driven by Playwright (no browser
download). Without ``/usr/bin/chromium`` these tests skip and say so; the CI
script installs it (``apt-get install -y chromium``).

Screenshots are written to ``artifacts/screenshots/`` (gitignored).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    Locator,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from schemas.alerts import Alert
from schemas.codec import decode_event, encode, encode_snapshot_of
from schemas.projection import CaseState
from services.api.app import create_app
from services.processor.step import RecordRef, handle_record
from services.readmodel.feeder import TopicKind, decode_records
from services.readmodel.sqlite import SqliteReadModel
from services.settings import load_settings
from tests.tools import needs_tool

CHROMIUM = Path(os.environ.get("DOCKETLINE_TEST_CHROMIUM", "/usr/bin/chromium"))
"""Debian's chromium; another binary can be named with ``DOCKETLINE_TEST_CHROMIUM``."""

pytestmark = [
    pytest.mark.e2e,
    needs_tool(
        CHROMIUM.exists(),
        f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium)",
    ),
]

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
WAIT_MS = 20_000
"""Bound of every wait on the page (actions and expectations): generous, CI machines are shared."""
expect.set_options(timeout=WAIT_MS)

FEEDER_TOPICS: dict[str, TopicKind] = {
    "docket.events": "events",
    "case.states": "states",
    "case.alerts": "alerts",
}
REFERENCE_ID = "cand:5:25-cv-00709"
REFERENCE_FILE = "reference_case.jsonl"
COMPLAINT_WORDS = "CLASS ACTION COMPLAINT against LinkedIn Corporation"
DISMISSAL_WORDS = "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE"


# -- the service: real API, read model filled by the processor's step ----------


def demo_lines(name: str) -> list[bytes]:
    """The raw JSONL records of one demo file (package data of ``services.demo``)."""
    raw = resources.files("services.demo").joinpath(name).read_bytes()
    return [line for line in raw.splitlines() if line.strip()]


def demo_files() -> list[str]:
    return sorted(
        p.name for p in resources.files("services.demo").iterdir() if p.name.endswith(".jsonl")
    )


@dataclass(frozen=True)
class Record:
    """A Kafka record as the feeder reads it (``RecordLike``)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class Pipeline:
    """The processor and the feeder without Kafka, each with its own code.

    A docket event (raw JSONL bytes, as ingested) goes through the processor's
    ``handle_record``; the records the processor would publish (the event on
    ``docket.events``, the encoded snapshot on ``case.states``, each encoded alert
    on ``case.alerts``) go through the feeder's ``decode_records``; the batch
    goes into the read model.
    """

    store: SqliteReadModel
    states: dict[str, CaseState] = field(default_factory=dict)
    offsets: dict[str, int] = field(default_factory=dict)

    def _record(self, topic: str, key: bytes, value: bytes) -> Record:
        offset = self.offsets.get(topic, 0)
        self.offsets[topic] = offset + 1
        return Record(topic, 0, offset, key, value)

    def ingest(self, lines: list[bytes]) -> list[Alert]:
        published: list[Record] = []
        alerts: list[Alert] = []
        for line in lines:
            key = decode_event(line).subject.encode()
            event_record = self._record("docket.events", key, line)
            out = handle_record(
                key, line, RecordRef("docket.events", 0, event_record.offset), self.states.get
            )
            assert out.dead_letter is None, f"demo record dead-lettered: {out.dead_letter}"
            published.append(event_record)
            if out.state is not None and out.case_id is not None:
                self.states[out.case_id] = out.state
                published.append(self._record("case.states", key, encode_snapshot_of(out.state)))
                published.extend(self._record("case.alerts", key, encode(a)) for a in out.alerts)
                alerts.extend(out.alerts)
        decoded = decode_records(published, FEEDER_TOPICS)
        assert not decoded.failures, f"the feeder could not decode: {decoded.failures}"
        self.store.apply(decoded.batch)
        return alerts


@dataclass
class Service:
    url: str
    pipeline: Pipeline
    has_stream: bool

    def ingest_reference(self) -> list[Alert]:
        return self.pipeline.ingest(demo_lines(REFERENCE_FILE))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def make_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[bool], Service]]:
    """Start ``create_app`` on uvicorn in a thread over a new demo read model (stopped at the end)."""
    running: list[tuple[uvicorn.Server, threading.Thread, SqliteReadModel]] = []

    def start(with_reference: bool) -> Service:
        data_dir = tmp_path_factory.mktemp("dashboard")
        store = SqliteReadModel(data_dir / "readmodel.sqlite")
        pipeline = Pipeline(store)
        for name in demo_files():
            if name != REFERENCE_FILE or with_reference:
                pipeline.ingest(demo_lines(name))
        app = create_app(load_settings(data_dir=data_dir), store=store, start_feeder=False)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, name=f"uvicorn:{port}", daemon=True)
        thread.start()
        running.append((server, thread, store))
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"uvicorn on port {port} did not start (alive={thread.is_alive()})"
                )
            time.sleep(0.05)
        has_stream = "/api/alerts/stream" in app.openapi()["paths"]
        return Service(url=f"http://127.0.0.1:{port}", pipeline=pipeline, has_stream=has_stream)

    yield start
    for server, thread, store in running:
        server.should_exit = True
        thread.join(timeout=15)
        store.close()


@pytest.fixture(scope="module")
def service(make_service: Callable[[bool], Service]) -> Service:
    """The service with every demo docket, the reference case included (tests only read it)."""
    return make_service(True)


# -- the browser ----------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Console:
    """Errors the page reported: a dashboard that throws must fail the test."""

    errors: list[str] = field(default_factory=list)

    def record(self, kind: str, text: str) -> None:
        # A failed request is recorded with its URL by the response handler instead.
        if kind == "error" and not text.startswith("Failed to load resource"):
            self.errors.append(f"console.{kind}: {text}")

    def without(self, fragment: str) -> Console:
        return Console([e for e in self.errors if fragment not in e])


def open_page(browser: Browser, viewport: ViewportSize) -> tuple[Page, Console]:
    context = browser.new_context(viewport=viewport, reduced_motion="reduce")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    console = Console()
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: console.record(msg.type, msg.text))
    page.on(
        "response",
        lambda r: console.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
    )
    return page, console


@pytest.fixture
def laptop(browser: Browser) -> Iterator[tuple[Page, Console]]:
    page, console = open_page(browser, LAPTOP)
    yield page, console
    page.context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[tuple[Page, Console]]:
    page, console = open_page(browser, PHONE)
    yield page, console
    page.context.close()


def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate(
        "() => window.scrollTo({top: 0, behavior: 'instant'})"
    )  # the sticky header belongs on top
    page.wait_for_function("() => window.scrollY === 0")
    page.screenshot(path=str(path), full_page=full_page)
    return path


def seen(page: Page, selector: str) -> str:
    """What the page shows in ``selector`` — printed when an expectation times out."""
    texts = page.locator(selector).all_inner_texts()
    return json.dumps(texts, indent=1)[:4000]


def feed_item(page: Page, case_id: str) -> Locator:
    return page.locator(f'.feed-item[data-case-id="{case_id}"]')


def no_errors(console: Console, svc: Service) -> None:
    """No page error, no console error, no failed request (the stream's 404 only while
    the API has no stream route: the feed then polls, by design)."""
    if not svc.has_stream:
        console = console.without("/api/alerts/stream")
    assert not console.errors, "the page reported errors:\n" + "\n".join(console.errors)


def no_horizontal_overflow(page: Page, where: str) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
        " wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >"
        " document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className)})"
    )
    assert widths["scroll"] <= widths["client"], f"{where}: horizontal overflow {widths}"


# -- the tests --------------------------------------------------------------------


def test_reference_case_appears_in_the_live_feed_without_reload(
    make_service: Callable[[bool], Service], laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    svc = make_service(False)
    page.goto(svc.url + "/")
    expect(page.locator(".feed-item").first).to_be_visible()
    expected_mode = "live" if svc.has_stream else "polling"
    expect(
        page.locator(".conn"), f"feed connection; stream route present={svc.has_stream}"
    ).to_have_class(f"conn {expected_mode}")
    assert feed_item(page, REFERENCE_ID).count() == 0, (
        "reference case in the feed before it was ingested"
    )
    marker = uuid.uuid4().hex
    page.evaluate("m => { window.__docketlineMarker = m; }", marker)

    alerts = svc.ingest_reference()
    assert [(a.data.from_status, a.data.to_status) for a in alerts] == [("open", "closed")]

    item = feed_item(page, REFERENCE_ID)
    try:
        expect(item).to_have_count(1)
    except AssertionError as exc:
        raise AssertionError(
            f"reference case not in the feed; the feed shows {seen(page, '.feed-item')}"
        ) from exc
    expect(item).to_contain_text("De La Torre v. LinkedIn Corporation")
    expect(item.locator(".status-pill.open")).to_have_text("Open")
    expect(item.locator(".status-pill.closed")).to_have_text("Closed")
    expect(item).to_contain_text("Voluntary dismissal, without prejudice")
    # newest first, and the page was never reloaded
    expect(page.locator(".feed-item").first).to_have_attribute("data-case-id", REFERENCE_ID)
    assert page.evaluate("() => window.__docketlineMarker") == marker, "the page reloaded"
    # counts follow the feed: the reference case is now one more closed case
    expect(page.locator(".kpi.closed .kpi-value")).to_have_text(
        str(sum(1 for s in svc.pipeline.states.values() if s.status == "closed"))
    )
    shot(page, "feed-after-ingest-laptop")
    shot(page, "feed-after-ingest-laptop-viewport", full_page=False)
    no_errors(console, svc)


def test_feed_falls_back_to_polling_when_the_stream_is_unavailable(
    make_service: Callable[[bool], Service], laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    svc = make_service(False)
    page.route(
        "**/api/alerts/stream**", lambda route: route.fulfill(status=503, body="no stream here")
    )
    page.goto(svc.url + "/")
    expect(page.locator(".conn")).to_have_class("conn polling")
    svc.ingest_reference()
    try:
        expect(feed_item(page, REFERENCE_ID)).to_have_count(1)
    except AssertionError as exc:
        raise AssertionError(
            f"reference case not polled in; the feed shows {seen(page, '.feed-item')}"
        ) from exc
    no_errors(console.without("/api/alerts/stream"), svc)


def test_search_finds_the_reference_case_by_linkedin(
    service: Service, laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    page.goto(service.url + "/")
    page.get_by_role("searchbox", name="Search cases").first.fill("LinkedIn")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{service.url}/#/cases?q=LinkedIn")
    rows = page.locator(".case-table tbody tr")
    try:
        expect(rows).to_have_count(1)
    except AssertionError as exc:
        raise AssertionError(
            f"search for LinkedIn shows {seen(page, '.case-table tbody tr')}"
        ) from exc
    expect(rows.first).to_have_attribute("data-case-id", REFERENCE_ID)
    expect(rows.first).to_contain_text("De La Torre v. LinkedIn Corporation")
    expect(rows.first.locator(".status-pill")).to_have_text("Closed")
    expect(page.locator(".result-summary")).to_have_text("1 case")
    shot(page, "search-linkedin-laptop")
    no_errors(console, service)


def test_filters_narrow_the_case_list(service: Service, laptop: tuple[Page, Console]) -> None:
    page, console = laptop
    page.goto(service.url + "/#/cases")
    total = len(service.pipeline.states)
    expect(page.locator(".result-summary")).to_have_text(f"{total} cases")
    page.get_by_role("checkbox", name="Closed").check()
    closed = sorted(s.case_id for s in service.pipeline.states.values() if s.status == "closed")
    expect(page.locator(".case-table tbody tr")).to_have_count(len(closed))
    shown = sorted(
        page.locator(".case-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.caseId)")
    )
    assert shown == closed
    page.locator("summary", has_text="More filters").click()
    page.get_by_label("Court").select_option("cand")
    expect(page.locator(".case-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(f"{service.url}/#/cases?status=closed&court=cand")
    no_errors(console, service)


def test_case_page_shows_both_entries_and_the_closed_status(
    service: Service, laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    page.goto(service.url + "/#/cases?q=LinkedIn")
    page.get_by_role("link", name="De La Torre v. LinkedIn Corporation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("De La Torre v. LinkedIn Corporation")
    expect(page.locator(".case-status .status-pill")).to_have_text("Closed")
    expect(page.locator(".case-status")).to_contain_text("Voluntary dismissal, without prejudice")
    entries = page.locator(".entries .entry")
    try:
        expect(entries).to_have_count(2)
    except AssertionError as exc:
        raise AssertionError(f"the case page lists {seen(page, '.entries .entry')}") from exc
    expect(entries.nth(0)).to_contain_text(COMPLAINT_WORDS)
    expect(entries.nth(1)).to_contain_text(DISMISSAL_WORDS)
    # the entry that closed the case is the highlighted one, on the list and on the timeline
    expect(entries.nth(1)).to_have_class("entry is-change closed")
    expect(page.locator(".timeline svg .band")).to_have_count(2)
    expect(page.locator(".timeline svg .band.closed")).to_have_count(1)
    expect(page.locator(".timeline svg .dot")).to_have_count(2)
    expect(page.locator(".timeline svg .dot.change.closed")).to_have_count(1)
    # its text on hover, and a click finds it in the list
    dot = page.locator(".timeline svg .dot.change.closed")
    dot.hover()
    expect(page.locator("#chart-tooltip")).to_contain_text(DISMISSAL_WORDS)
    dot.click()
    expect(entries.nth(1)).to_have_class("entry is-change closed selected")
    shot(page, "case-reference-laptop")
    no_errors(console, service)


def test_timeline_points_work_from_the_keyboard(
    service: Service, laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    page.goto(f"{service.url}/#/case/{REFERENCE_ID}")
    first = page.locator(".timeline svg .dot").first
    expect(first).to_be_visible()
    first.focus()
    expect(page.locator("#chart-tooltip")).to_contain_text(COMPLAINT_WORDS)
    page.keyboard.press("Enter")
    expect(page.locator(".entries .entry").first).to_have_class("entry is-change open selected")
    no_errors(console, service)


def test_as_of_view_shows_the_reference_case_open_on_2025_01_25(
    service: Service, laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    page.goto(f"{service.url}/#/case/{REFERENCE_ID}")
    expect(page.locator(".case-status .status-pill")).to_have_text("Closed")
    with page.expect_response(lambda r: "as_of=2025-01-25" in r.url and r.status == 200):
        page.get_by_label("View as of").fill("2025-01-25")
    expect(page).to_have_url(f"{service.url}/#/case/{REFERENCE_ID}?as_of=2025-01-25")
    expect(page.locator(".case-status .status-pill")).to_have_text("Open")
    expect(page.locator(".case-status")).to_contain_text("Status on Jan 25, 2025")
    entries = page.locator(".entries .entry")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text(COMPLAINT_WORDS)
    expect(page.locator("#entries")).to_contain_text(
        "1 later entry filed after Jan 25, 2025 is not shown."
    )
    expect(page.locator(".timeline svg .band")).to_have_count(1)
    expect(page.locator(".timeline svg .band.open")).to_have_count(1)
    shot(page, "case-as-of-2025-01-25-laptop")
    page.get_by_role("button", name="Back to today").click()
    expect(page.locator(".case-status .status-pill")).to_have_text("Closed")
    no_errors(console, service)


def test_overview_charts_are_drawn_from_the_stats(
    service: Service, laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    page.goto(service.url + "/")
    expect(page.locator(".kpi .kpi-value").first).to_have_text(str(len(service.pipeline.states)))
    expect(page.locator("#chart-months svg .bucket").first).to_be_visible()
    expect(page.locator("#chart-courts svg .court-row").first).to_be_visible()
    courts_closed = {s.court_id for s in service.pipeline.states.values() if s.status == "closed"}
    expect(page.locator("#chart-courts svg .court-row")).to_have_count(len(courts_closed))
    expect(page.locator(".sync")).to_have_text(
        "Log feed off"
    )  # no feeder here: the API does not follow the log
    shot(page, "overview-laptop")
    shot(page, "overview-laptop-viewport", full_page=False)
    no_errors(console, service)


def test_phone_viewport_has_no_horizontal_overflow(
    service: Service, phone: tuple[Page, Console]
) -> None:
    page, console = phone
    page.goto(service.url + "/")
    expect(page.locator(".feed-item").first).to_be_visible()
    expect(page.locator("#chart-months svg")).to_be_visible()
    no_horizontal_overflow(page, "overview")
    shot(page, "overview-phone")
    page.goto(service.url + "/#/cases")
    expect(page.locator(".case-table tbody tr").first).to_be_visible()
    no_horizontal_overflow(page, "case list")
    shot(page, "cases-phone")
    page.goto(f"{service.url}/#/case/{REFERENCE_ID}")
    expect(page.locator(".timeline svg .dot")).to_have_count(2)
    no_horizontal_overflow(page, "case page")
    shot(page, "case-reference-phone")
    no_errors(console, service)


def test_dashboard_assets_are_served_with_a_strict_policy(
    service: Service, laptop: tuple[Page, Console]
) -> None:
    page, _ = laptop
    response = page.goto(service.url + "/")
    assert response is not None and response.ok
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    module = page.request.get(service.url + "/assets/js/main.js")
    assert module.ok and module.headers["content-type"].startswith("text/javascript")
    for bad in (
        "/assets/../app.py",
        "/assets/%2e%2e/%2e%2e/settings.py",
        "/assets/js/nope.js",
        "/assets/.hidden.js",
    ):
        assert page.request.get(service.url + bad).status == 404, bad


def test_court_names_months_and_lag_are_computed_by_the_page(
    service: Service, laptop: tuple[Page, Console]
) -> None:
    """The dashboard's own pure helpers, run by the browser that runs them for users."""
    page, console = laptop
    page.goto(service.url + "/")
    got = page.evaluate(
        """async () => {
          const f = await import('/assets/js/format.js');
          const c = await import('/assets/js/charts.js');
          const m = await import('/assets/js/main.js');
          const health = (feeder, reachable = true) => ({
            broker: {reachable, last_error: reachable ? null : 'connection refused'},
            feeder: {enabled: true, running: true, caught_up: false, lag: {}, ...feeder},
            read_model: {cases: 6, events: 17, alerts: 5},
          });
          const months = Array.from({length: 40}, (_, i) =>
            ({month: `${2020 + Math.floor(i / 12)}-${String(i % 12 + 1).padStart(2, '0')}`, opened: 1, closed: 0}));
          return {
            courts: ['cand', 'nysd', 'njd', 'dcd', 'ca9', 'cadc', 'nysb', 'wvnd', 'zzzz'].map(f.courtLabel),
            filled: c.fillMonths([{month: '2024-11', opened: 1, closed: 0}, {month: '2025-02', opened: 0, closed: 2}])
              .map((r) => [r.key, r.opened, r.closed]),
            years: c.buckets(months).rows.map((r) => [r.key, r.opened]),
            steps: [c.niceStep(7), c.niceStep(120), c.niceStep(0)],
            dispositions: [
              f.dispositionText({type: 'voluntary_dismissal', prejudice: 'without'}),
              f.dispositionText({type: 'settled', prejudice: 'unknown'}),
            ],
            sync: [
              m.syncState(health({lag: {'case.states': 0, 'case.alerts': 0}, caught_up: true}))[1],
              m.syncState(health({lag: {'case.states': 12, 'case.alerts': 3}}))[1],
              m.syncState(health({lag: {'case.states': null}}))[1],
              m.syncState(health({}, false))[1],
              m.syncState({...health({}), feeder: {enabled: false, lag: {}}})[1],
            ],
          };
        }"""
    )
    assert got["courts"] == [
        "N.D. Cal.", "S.D.N.Y.", "D.N.J.", "D.D.C.", "9th Cir.", "D.C. Cir.", "Bankr. S.D.N.Y.", "N.D. W. Va.", "ZZZZ",
    ]  # fmt: skip
    assert got["filled"] == [
        ["2024-11", 1, 0],
        ["2024-12", 0, 0],
        ["2025-01", 0, 0],
        ["2025-02", 0, 2],
    ]
    assert got["years"] == [["2020", 12], ["2021", 12], ["2022", 12], ["2023", 4]]
    assert got["steps"] == [2, 50, 1]
    assert got["dispositions"] == ["Voluntary dismissal, without prejudice", "Settled"]
    assert got["sync"] == [
        "Up to date",
        "15 records behind",
        "Syncing…",
        "Broker unreachable",
        "Log feed off",
    ]
    no_errors(console, service)


# -- entry classes, milestones and deadlines (issue 16) ----------------------------

TODAY = dt.date(2026, 3, 2)
"""The day the browser believes it is (its clock is set to it): the dated docket below is
written relative to it, so the test reads the same on any real day."""
ORBIT_ID = "ohsd:2:26-cv-00311"
ORBIT_NAME = "Chen v. Orbit Telecom, Inc."


def _day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def _us(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def dated_docket() -> list[bytes]:
    """A class action whose motion to dismiss is granted, with a hearing and a conference set,
    run through the real ingest step (classify, entry class, build_event) as the demo is."""
    from services.demo.make_demo import REFERENCE, SOURCE, jsonl_bytes
    from services.ingest.common import SourceCase, SourceEntry, to_result
    from services.ingest.records import Parsed

    orbit = SourceCase(
        court_id="ohsd",
        docket_number="2:26-cv-00311-ALR",
        case_name=ORBIT_NAME,
        nature_of_suit="890 Other Statutory Actions",
        date_filed=_day(-60).isoformat(),
        parties=("Maya Chen", "Orbit Telecom, Inc."),
    )
    entries = [
        SourceEntry(case=orbit, date_filed=_day(-60).isoformat(), document_number=1,
                    text="CLASS ACTION COMPLAINT against Orbit Telecom, Inc. filed by Maya Chen."),
        SourceEntry(case=orbit, date_filed=_day(-40).isoformat(), document_number=20,
                    text="MOTION to Dismiss for Failure to State a Claim by Orbit Telecom, Inc. Motion "
                         f"Hearing set for {_us(_day(5))} 10:00 AM in Courtroom 3 before Judge Ana Ruiz."),
        SourceEntry(case=orbit, date_filed=_day(-20).isoformat(), document_number=25,
                    text=f"CLERK'S NOTICE: Status Conference set for {_us(_day(9))} 09:30 AM in Courtroom 3 "
                         "before Judge Ana Ruiz."),
        SourceEntry(case=orbit, date_filed=_day(-3).isoformat(), document_number=31,
                    text="ORDER granting 20 Motion to Dismiss for Failure to State a Claim. The complaint "
                         f"is dismissed. Signed by Judge Ana Ruiz on {_us(_day(-3))}."),
        SourceEntry(case=orbit, date_filed=_day(-3).isoformat(), document_number=32,
                    text=f"ORDER: The Motion Hearing set for {_us(_day(5))} is VACATED."),
        # the reference case's entry 3: its Case Management Statement is due on 2025-04-22
        SourceEntry(case=REFERENCE, date_filed="2025-01-21", document_number=3,
                    text="ORDER Setting Initial Case Management Conference and ADR Deadlines: Case "
                         "Management Statement due by 4/22/2025. (Filed on 1/21/2025)"),
    ]  # fmt: skip
    events = []
    for i, se in enumerate(entries, start=1):
        result = to_result(se, source=SOURCE, where=f"dated#{i}", raw=None)
        assert isinstance(result, Parsed), result
        events.append(result.event)
    return jsonl_bytes(events).splitlines()


@pytest.fixture(scope="module")
def dated_service(make_service: Callable[[bool], Service]) -> Service:
    """Every demo docket, plus the dated docket above and the reference case's entry 3."""
    svc = make_service(True)
    svc.pipeline.ingest(dated_docket())
    return svc


def at_today(page: Page) -> None:
    page.clock.set_fixed_time(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0))


def test_case_page_shows_entry_classes_milestones_and_deadlines_upcoming_first(
    dated_service: Service, laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    at_today(page)
    page.goto(f"{dated_service.url}/#/case/{ORBIT_ID}")
    expect(page.get_by_role("heading", level=1)).to_have_text(ORBIT_NAME)
    expect(page.locator(".case-status .status-pill")).to_have_text("Closed")
    entries = page.locator(".entries .entry")
    expect(entries).to_have_count(5)
    order = page.locator('.entries .entry[data-entry-class="order_on_motion_to_dismiss"]')
    expect(order).to_have_count(1)
    expect(order.locator(".entry-class")).to_have_text("Order on motion to dismiss")
    expect(order.locator(".outcome")).to_have_text("Granted")
    expect(
        page.locator('.entries .entry[data-entry-class="motion_to_dismiss"] .entry-class')
    ).to_have_text("Motion to dismiss")
    # the class filter narrows the list and says how many it shows
    page.get_by_label("Entry class").select_option("motion_to_dismiss")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("MOTION to Dismiss for Failure to State a Claim")
    expect(page.locator(".class-count")).to_have_text("1 entry of 5")
    page.get_by_label("Entry class").select_option("")
    expect(entries).to_have_count(5)

    milestones = page.locator("#milestones .milestone")
    try:
        expect(milestones).to_have_count(1)
    except AssertionError as exc:
        raise AssertionError(f"the milestones card shows {seen(page, '#milestones')}") from exc
    expect(milestones.first.locator(".entry-class")).to_have_text("Order on motion to dismiss")
    expect(milestones.first.locator(".outcome")).to_have_text("Granted")
    expect(milestones.first).to_contain_text(_day(-3).strftime("%b %-d, %Y"))

    rows = page.locator("#deadlines .deadline-table tbody tr")
    try:
        expect(rows).to_have_count(2)
    except AssertionError as exc:
        raise AssertionError(f"the deadlines card shows {seen(page, '#deadlines')}") from exc
    hearing, conference = rows.nth(0), rows.nth(1)  # upcoming first, soonest first
    expect(hearing).to_have_attribute("data-date", _day(5).isoformat())
    expect(hearing).to_have_class("deadline vacated upcoming")
    expect(hearing.locator("s .d-name")).to_have_text("motion hearing")  # struck through
    expect(hearing.locator(".d-status")).to_have_text("Vacated")
    expect(hearing.locator(".d-rel")).to_have_text("In 5 days")
    expect(conference).to_have_attribute("data-date", _day(9).isoformat())
    expect(conference).to_have_class("deadline pending case-closed upcoming")
    expect(conference.locator(".d-time")).to_have_text("9:30 AM")
    expect(conference.locator(".d-status")).to_have_text("Pending, case closed")
    expect(page.locator("#deadlines")).to_contain_text("1 pending date ahead")
    expect(page.get_by_role("table", name="Deadlines, upcoming first")).to_be_visible()
    # a milestone's link finds its entry in the docket
    milestones.first.get_by_role("link", name="Find in the docket").click()
    expect(order).to_have_class("entry is-change closed is-milestone selected")
    shot(page, "case-deadlines-milestones-laptop")
    no_errors(console, dated_service)


def test_the_reference_cases_pending_deadline_stays_listed_after_it_closed(
    dated_service: Service, laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    at_today(page)
    page.goto(f"{dated_service.url}/#/case/{REFERENCE_ID}")
    expect(page.locator(".entries .entry")).to_have_count(3)
    row = page.locator("#deadlines .deadline-table tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_have_attribute("data-date", "2025-04-22")
    expect(row.first).to_have_class("deadline pending case-closed past")
    expect(row.first.locator(".d-status")).to_have_text("Pending, case closed")
    expect(page.locator("#deadlines")).to_contain_text("Nothing pending ahead. The case is closed")
    expect(page.locator("#milestones")).to_contain_text("No milestone yet")
    no_errors(console, dated_service)


def test_overview_lists_the_deadlines_coming_up_and_the_latest_milestones(
    dated_service: Service, laptop: tuple[Page, Console]
) -> None:
    page, console = laptop
    at_today(page)
    with page.expect_response(
        lambda r: "/api/deadlines?" in r.url and f"from={TODAY.isoformat()}" in r.url and r.ok
    ):
        page.goto(dated_service.url + "/")
    coming = page.get_by_role("region", name="Coming up: the next 14 days")
    rows = coming.locator("tbody tr")
    try:
        expect(rows).to_have_count(2)  # the demo dockets' dates are all long past
    except AssertionError as exc:
        raise AssertionError(f"coming up shows {seen(page, '#coming-up')}") from exc
    expect(rows.nth(0)).to_have_attribute("data-case-id", ORBIT_ID)
    expect(rows.nth(0)).to_have_class("deadline vacated upcoming")
    expect(rows.nth(0).locator("s .d-name")).to_have_text("motion hearing")
    expect(rows.nth(1)).to_have_class("deadline pending case-closed upcoming")
    expect(rows.nth(1).locator(".d-case a")).to_have_text(ORBIT_NAME)
    expect(rows.nth(1).locator(".d-status")).to_have_text("Pending, case closed")
    last = _day(13).strftime("%b %-d, %Y")
    expect(coming).to_contain_text(f"2 dates from Mar 2, 2026 to {last}, soonest first.")
    feed = page.get_by_role("region", name="Latest milestones").locator(".milestone")
    expect(feed.first).to_have_attribute("data-case-id", ORBIT_ID)
    expect(feed.first.locator(".outcome")).to_have_text("Granted")
    expect(feed.first.locator(".m-case")).to_have_text(ORBIT_NAME)
    feed.first.locator(".m-case").click()
    expect(page).to_have_url(f"{dated_service.url}/#/case/{ORBIT_ID}")
    expect(page.get_by_role("heading", level=1)).to_have_text(ORBIT_NAME)
    page.goto(dated_service.url + "/")
    expect(rows).to_have_count(2)
    shot(page, "overview-coming-up-laptop")
    no_errors(console, dated_service)


def test_phone_shows_the_calendar_without_horizontal_overflow(
    dated_service: Service, phone: tuple[Page, Console]
) -> None:
    page, console = phone
    at_today(page)
    page.goto(dated_service.url + "/")
    expect(page.locator("#coming-up tbody tr")).to_have_count(2)
    no_horizontal_overflow(page, "overview with the calendar")
    shot(page, "overview-coming-up-phone")
    page.goto(f"{dated_service.url}/#/case/{ORBIT_ID}")
    expect(page.locator("#deadlines tbody tr")).to_have_count(2)
    no_horizontal_overflow(page, "case page with deadlines")
    shot(page, "case-deadlines-phone")
    no_errors(console, dated_service)
