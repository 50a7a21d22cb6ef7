"""The dashboard as an operator sees it, in a real Chromium against the real backend."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import redis
from playwright.sync_api import Page, expect

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from tests.builders import add_alert, alert_dict

from .conftest import (
    SERVICES,
    WINDOW_MS,
    Console,
    add_fingerprint,
    add_history,
    set_training,
    system_features,
)

RATE_CHART = '[data-testid="chart-Request rate"]'


def now_ms() -> int:
    return int(time.time() * 1000)


def open_live(page: Page, url: str) -> None:
    """Open ``url`` and wait until the page's WebSocket is live."""
    page.goto(url)
    expect(page.get_by_test_id("connection")).to_have_text("live")


def test_every_view_loads_without_console_errors(
    dashboard: str, page: Page, console: Console, redis_client: redis.Redis, keys: Keys
) -> None:
    last = add_history(redis_client, keys, 20, now_ms())
    add_alert(redis_client, keys, alert_dict("a1", last))
    set_training(redis_client, keys, 20, 60)
    open_live(page, dashboard)
    expect(page.get_by_test_id("training")).to_contain_text("learning 33%")
    for view, marker in [
        ("anomalies", page.get_by_test_id("alert")),
        ("services", page.get_by_test_id("service-graph")),
        ("redis", page.get_by_test_id("redis-table")),
        ("overview", page.locator(RATE_CHART)),
    ]:
        page.get_by_role("link", name=view, exact=False).first.click()
        expect(marker.first).to_be_visible()
    assert console.errors == []


def test_charts_take_new_fingerprints_live(
    dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys
) -> None:
    last = add_history(redis_client, keys, 3, now_ms())
    open_live(page, dashboard)
    chart = page.locator(RATE_CHART)
    expect(chart).to_have_attribute("data-points", "3")
    add_fingerprint(redis_client, keys, last + WINDOW_MS, system_features(rate=97.0))
    expect(chart).to_have_attribute("data-points", "4")
    expect(chart).to_have_attribute("data-last", str((last + WINDOW_MS) // 1000))
    expect(chart.locator(".legend-item")).to_contain_text("97")


def test_a_page_that_lost_its_backend_reconnects_and_gets_what_it_missed(
    page: Page, redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    last = add_history(redis_client, keys, 3, now_ms())
    chart = page.locator(RATE_CHART)
    with serving(create_app(Settings(redis_url=redis_server.url, namespace=keys.namespace))) as url:
        open_live(page, url)
        expect(chart).to_have_attribute("data-points", "3")
    expect(page.get_by_test_id("connection")).not_to_have_text("live")
    add_fingerprint(redis_client, keys, last + WINDOW_MS, system_features(rate=97.0))
    add_alert(redis_client, keys, alert_dict("missed", last + WINDOW_MS))
    with serving(
        create_app(Settings(redis_url=redis_server.url, namespace=keys.namespace)),
        port=int(url.rsplit(":", 1)[1]),
    ):
        expect(page.get_by_test_id("connection")).to_have_text("live")
        expect(chart).to_have_attribute("data-points", "4")
        expect(page.get_by_role("link", name="Anomalies")).to_contain_text("1")


def test_a_published_alert_appears_in_the_feed(
    dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys
) -> None:
    open_live(page, f"{dashboard}/#/anomalies")
    expect(page.get_by_text("No anomalies yet")).to_be_visible()
    summary = "p99 latency of payments rose from 180 ms to 2.4 s"
    add_alert(redis_client, keys, alert_dict("live1", now_ms(), summary=summary))
    card = page.get_by_test_id("alert").filter(has_text=summary)
    expect(card).to_be_visible()
    expect(card.locator("table.explanation")).to_contain_text("error rate 5xx")
    expect(page.get_by_role("link", name="Anomalies")).to_contain_text("1")


def test_the_feed_asks_for_the_recent_alerts_once_at_load_and_again_when_shown_again(
    dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("r1", now_ms()))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/anomalies?" in r.url else None)
    open_live(page, f"{dashboard}/#/anomalies")
    expect(page.locator('[data-alert-id="r1"]')).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert len(asked) == 1
    page.get_by_role("link", name="overview", exact=False).first.click()
    page.get_by_role("link", name="anomalies", exact=False).first.click()
    expect(page.locator('[data-alert-id="r1"]')).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert len(asked) == 2


def test_a_false_alarm_mark_survives_a_reload(
    dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("fa1", now_ms()))
    open_live(page, f"{dashboard}/#/anomalies")
    card = page.locator('[data-alert-id="fa1"]')
    card.get_by_role("button", name="False alarm").click()
    expect(card.get_by_test_id("feedback")).to_have_text("false alarm")
    page.reload()
    card = page.locator('[data-alert-id="fa1"]')
    expect(card.get_by_test_id("feedback")).to_have_text("false alarm")
    expect(card.get_by_role("button", name="False alarm")).to_be_disabled()


def test_search_finds_a_past_alert_by_a_word_of_its_summary(
    dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys
) -> None:
    moment = now_ms()
    add_alert(redis_client, keys, alert_dict("s1", moment - 60_000))
    timeout = "Upstream timeouts on search: p95 latency tripled"
    add_alert(redis_client, keys, alert_dict("s2", moment, summary=timeout, target="search"))
    open_live(page, f"{dashboard}/#/anomalies")
    expect(page.get_by_test_id("alert")).to_have_count(2)
    page.get_by_label("Search").fill("timeouts")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("feed-caption")).to_have_text("1 alert(s) match")
    expect(page.get_by_test_id("alert")).to_have_count(1)
    expect(page.get_by_test_id("alert")).to_contain_text(timeout)


def test_overview_screenshot_shows_charts_alerts_and_training(
    dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys, tmp_path: Path
) -> None:
    last = add_history(redis_client, keys, 75, now_ms(), incident=range(62, 66))
    add_alert(redis_client, keys, alert_dict("shot1", last - 11 * WINDOW_MS))
    catalog = "p95 latency of catalog rose from 110 ms to 260 ms"
    earlier = last - 40 * WINDOW_MS
    add_alert(
        redis_client,
        keys,
        alert_dict("shot2", earlier, severity="warning", target="catalog", summary=catalog),
    )
    set_training(redis_client, keys, 60, 60)
    page.set_viewport_size({"width": 1440, "height": 720})
    open_live(page, dashboard)
    expect(page.locator(RATE_CHART)).to_have_attribute("data-points", "75")
    expect(page.get_by_test_id("training")).to_contain_text("scoring")
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if target := os.environ.get("SEISMO_SCREENSHOT"):
        shutil.copyfile(shot, target)


def test_the_fault_panel_injects_a_fault_the_backend_then_lists(
    dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys
) -> None:
    add_history(redis_client, keys, 3, now_ms())
    open_live(page, dashboard)
    panel = page.get_by_test_id("fault-panel")
    panel.get_by_label("Fault", exact=True).select_option("latency-regression")
    panel.get_by_label("Fault service").select_option("catalog")
    panel.get_by_role("button", name="Inject").click()
    expect(panel).to_contain_text("Injected latency-regression on catalog for 60 s")
    expect(panel.get_by_test_id("active-faults")).to_contain_text("latency-regression on catalog")


def test_the_call_graph_marks_an_open_incident_origin_and_what_it_impacts(
    dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys
) -> None:
    last = add_history(redis_client, keys, 5, now_ms())
    add_alert(redis_client, keys, alert_dict("g1", last, target="payments", impacted=["checkout"]))
    open_live(page, f"{dashboard}/#/services")
    graph = page.get_by_test_id("service-graph")

    expect(graph.locator('[data-state="origin"]')).to_have_text("payments")
    expect(graph.locator('[data-state="impacted"]')).to_have_text("checkout")
    expect(graph.locator('[data-state="ok"]')).to_have_count(len(SERVICES) - 2)
