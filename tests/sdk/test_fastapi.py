"""A real FastAPI app instrumented with one line, calling an instrumented Flask app: both
services are recorded by route template, and the call between them carries the caller, so
the service graph gets its edge."""

from __future__ import annotations

import httpx
import redis
from fastapi import FastAPI

from seismo.bench.serving import serving
from seismo.engine.keys import Keys
from seismo_client import ASGIMiddleware, SeismoClient, caller_headers
from tests.sdk.conftest import by_endpoint, entries, service_counts, wsgi_serving
from tests.sdk.test_flask import shop_app


def orders_app(client: SeismoClient, users_url: str) -> FastAPI:
    app = FastAPI()

    @app.get("/orders/{order_id}")
    async def order(order_id: int) -> dict[str, object]:
        async with httpx.AsyncClient() as http:
            user = await http.get(f"{users_url}/users/{order_id}", headers=caller_headers())
        return {"order": order_id, "user": user.json()}

    app.add_middleware(ASGIMiddleware, client=client, service="orders-api")
    return app


def test_fastapi_calls_are_recorded_with_their_caller_downstream(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    with (
        SeismoClient(collector_url) as client,
        wsgi_serving(shop_app(client)) as users_url,
        serving(orders_app(client, users_url)) as url,
        httpx.Client(base_url=url) as http,
    ):
        for path in ("/orders/5", "/orders/6", "/orders/x", "/missing"):
            http.get(path)
        assert client.flush()
    rows = by_endpoint(entries(redis_client, keys.detailed_metrics))
    assert sorted(rows) == ["GET:/<unmatched>", "GET:/orders/{order_id}", "GET:/users/{user_id}"]
    orders = rows["GET:/orders/{order_id}"]
    assert [row["status_code"] for row in orders] == ["200", "200", "422"]
    assert {row["service"] for row in orders} == {"orders-api"}
    users = rows["GET:/users/{user_id}"]
    assert [(row["service"], row["caller"]) for row in users] == [("flask-shop", "orders-api")] * 2
    assert redis_client.execute_command("CF.EXISTS", keys.service_calls, "orders-api:flask-shop")
    assert service_counts(redis_client, keys) == {"orders-api": 4, "flask-shop": 2}
