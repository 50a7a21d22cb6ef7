"""A real Django app instrumented with one line: requests land as ``GET:/orders/{order_id}``,
unknown paths in the one unmatched bucket, the caller from ``tracestate``."""

from __future__ import annotations

import django
import httpx
import redis
from django.conf import settings
from django.core.wsgi import get_wsgi_application

from seismo.engine.keys import Keys
from seismo_client import SeismoClient
from tests.sdk.conftest import by_endpoint, entries, service_counts, wsgi_serving


def configure_django() -> None:
    """Settings for a one-view site (once per process: Django's settings are global)."""
    if not settings.configured:
        settings.configure(
            ROOT_URLCONF="tests.sdk.django_site",
            ALLOWED_HOSTS=["127.0.0.1"],
            SECRET_KEY="test-only",
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
        )
        django.setup()


def test_django_requests_are_recorded_by_url_pattern(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    configure_django()
    with SeismoClient(collector_url) as client:
        application = client.django(get_wsgi_application(), "django-orders")
        tracestate = {"tracestate": "other=1,seismo=checkout"}
        with wsgi_serving(application) as url, httpx.Client(headers=tracestate) as http:
            for path in ("/orders/1", "/orders/2", "/admin/x", "/wp-login.php"):
                http.get(url + path)
        assert client.flush()
    rows = by_endpoint(entries(redis_client, keys.detailed_metrics))
    assert sorted(rows) == ["GET:/<unmatched>", "GET:/orders/{order_id}"]
    orders = rows["GET:/orders/{order_id}"]
    assert [(row["status_code"], row["caller"]) for row in orders] == [("200", "checkout")] * 2
    assert [row["status_code"] for row in rows["GET:/<unmatched>"]] == ["404", "404"]
    assert service_counts(redis_client, keys)["django-orders"] == 4
