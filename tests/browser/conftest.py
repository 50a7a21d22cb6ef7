"""Browser fixtures: the real stack (embedded Redis, the dashboard app, the built UI) driven
by Debian's Chromium through Playwright.

Data reaches the dashboard as the other roles write it: fingerprint entries XADDed to
``system-fingerprints``, alerts appended to ``anomalies`` and published on ``alerts``, and
the detector's training state in its hash. Chromium is launched exactly as SPEC section 10
says (Playwright's own browser download does not work here); `make chromium` installs it
and `make ui` builds the page.

Each page's screenshot is saved under the test's temp dir; set ``SEISMO_SCREENSHOT`` to a
path to also keep the overview screenshot there (how docs/dashboard.png is made).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app
from seismo.dashboard.static import STATIC_DIR
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.fingerprint.entry import Fingerprint
from tests import builders

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WINDOW_MS = 5000
FEATURES = [
    "request_count",
    "request_rate",
    "error_rate_4xx",
    "error_rate_5xx",
    "latency_p50",
    "latency_p95",
    "latency_p99",
    "distinct_endpoints",
    "new_interactions",
    "top_endpoint_share",
    "log_errors",
    "log_warnings",
    "business_observations",
    "business_out_of_range",
]
SERVICES = {"web": 1.0, "checkout": 0.45, "payments": 0.3, "catalog": 0.6}
WAIT_MS = 15_000
"""How long a page action or expectation may take: generous, for a busy 2-core CI machine."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives a browser: mark it so (`-m "not browser"` skips)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def system_features(rate: float, error_5xx: float = 0.004, p95: float = 120.0) -> dict[str, float]:
    """A plausible system fingerprint around ``rate`` requests per second."""
    return {
        "request_count": rate * WINDOW_MS / 1000,
        "request_rate": rate,
        "error_rate_4xx": 0.012,
        "error_rate_5xx": error_5xx,
        "latency_p50": p95 * 0.35,
        "latency_p95": p95,
        "latency_p99": p95 * 1.6,
        "distinct_endpoints": 14,
        "new_interactions": 0,
        "top_endpoint_share": 0.22,
        "log_errors": 1,
        "log_warnings": 3,
        "business_observations": 12,
        "business_out_of_range": 0,
    }


def service_features(system: dict[str, float]) -> dict[str, dict[str, float]]:
    """Each demo service's share of the system's traffic, same error rates and latency."""
    return {
        name: {
            "request_rate": system["request_rate"] * share / 2.35,
            "error_rate_4xx": system["error_rate_4xx"],
            "error_rate_5xx": system["error_rate_5xx"] * (3 if name == "checkout" else 0.5),
            "latency_p95": system["latency_p95"] * (0.6 + share),
        }
        for name, share in SERVICES.items()
    }


def add_fingerprint(
    client: redis.Redis, keys: Keys, window_end: int, features: dict[str, float]
) -> str:
    """XADD the fingerprint of the window ending at ``window_end``, as the aggregator does."""
    window = Fingerprint(
        window_end - WINDOW_MS,
        window_end,
        {name: features[name] for name in FEATURES},
        service_features(features),
        {"checkout_value": {"count": 12, "mean": 54.2, "out_of_range": 0}},
    )
    return builders.add_fingerprint(client, keys, window)


def add_history(
    client: redis.Redis, keys: Keys, count: int, now_ms: int, incident: range = range(0)
) -> int:
    """``count`` windows of gently varying traffic ending at ``now_ms`` (5xx errors and slow
    responses in the windows whose index is in ``incident``); returns the last window end."""
    last = now_ms - now_ms % WINDOW_MS
    for i in range(count):
        wave = math.sin(i / 6)
        rate = 40 + 6 * wave + (i % 3)
        if i in incident:
            features = system_features(rate, error_5xx=0.21, p95=340)
        else:
            features = system_features(rate, p95=120 + 15 * wave)
        add_fingerprint(client, keys, last - (count - 1 - i) * WINDOW_MS, features)
    return last


def set_training(client: redis.Redis, keys: Keys, trained: int, needed: int) -> None:
    """The detector's training progress, in its state hash."""
    status = "ready" if trained >= needed else "training"
    client.hset(
        keys.detector_state, mapping={"trained": trained, "needed": needed, "status": status}
    )


@dataclass
class Console:
    """What the page said on its console that a user would call an error."""

    errors: list[str] = field(default_factory=list)

    def on_message(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, shared by the browser tests of this package only: the
    sync Playwright API keeps an asyncio loop marked running in the main thread while it is
    open, and the tests after this package call ``asyncio.run`` there."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium")
    if not (STATIC_DIR / "index.html").exists():
        pytest.fail("the UI is not built: `make ui` builds it into src/seismo/dashboard/static")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def dashboard(redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys) -> Iterator[str]:
    """The dashboard app (API, WebSocket, built UI) on a free port, on a flushed Redis."""
    with serving(create_app(Settings(redis_url=redis_server.url, namespace=keys.namespace))) as url:
        yield url


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, console: Console, tmp_path: Path) -> Iterator[Page]:
    """A fresh page with its console watched; a screenshot of its last state is kept (tests
    ask for ``dashboard`` before ``page``, so the page is shot while its backend still runs)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme="dark")
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    opened.on("console", console.on_message)
    opened.on("pageerror", console.on_page_error)
    yield opened
    opened.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    context.close()
