"""The dashboard with SEISMO_AUTH=required, in a real Chromium: the page asks for a key once,
then loads its history and goes live on the WebSocket with it; an admin key shows the audit
log, in which the first refused requests are."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from playwright.sync_api import Dialog, Page, expect

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from tests.access.conftest import make_key

from .conftest import WINDOW_MS, add_fingerprint, add_history, system_features

RATE_CHART = '[data-testid="chart-Request rate"]'


@pytest.fixture
def secured_dashboard(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> Iterator[str]:
    settings = Settings(redis_url=redis_server.url, namespace=keys.namespace, auth="required")
    with serving(create_app(settings)) as url:
        yield url


def test_the_page_asks_for_a_key_once_then_works_live_with_it(
    secured_dashboard: str, page: Page, redis_client: redis.Redis, keys: Keys
) -> None:
    last = add_history(redis_client, keys, 3, int(time.time() * 1000))
    token = make_key(redis_client, "admin", "operator")
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept(token)

    page.on("dialog", answer)
    page.goto(secured_dashboard)
    expect(page.get_by_test_id("connection")).to_have_text("live")
    chart = page.locator(RATE_CHART)
    expect(chart).to_have_attribute("data-points", "3")
    add_fingerprint(redis_client, keys, last + WINDOW_MS, system_features(rate=97.0))
    expect(chart).to_have_attribute("data-points", "4")  # pushed on the keyed WebSocket
    page.reload()
    expect(page.get_by_test_id("connection")).to_have_text("live")
    page.get_by_role("link", name="redis", exact=False).first.click()
    expect(page.get_by_test_id("audit-log")).to_contain_text("anonymous")
    assert len(asked) == 1 and "API key" in asked[0]
