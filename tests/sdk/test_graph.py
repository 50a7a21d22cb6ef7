"""Four apps instrumented with one line each — Express, FastAPI, Flask, Django — calling
one another in a chain show up in the dashboard's service-call graph, each call an edge,
as during a demo: the callers travel in the header the SDKs' helpers add."""

from __future__ import annotations

import subprocess

import httpx
import redis
from django.core.wsgi import get_wsgi_application
from flask import Flask

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app
from seismo.engine.server import EmbeddedRedis
from seismo_client import SeismoClient, caller_headers
from tests.sdk.conftest import SDK_JS, wsgi_serving
from tests.sdk.test_django import configure_django
from tests.sdk.test_fastapi import orders_app

EXPRESS_SCRIPT = """
import express from "express";
import { SeismoClient, callerHeaders } from "./src/index.js";
const [seismo, orders] = process.argv.slice(1);
const client = new SeismoClient(seismo);
const app = express();
app.use(client.expressMiddleware("web-api"));
app.get("/checkout/:id", async (req, res) => {
  const order = await fetch(`${orders}/orders/${req.params.id}`, { headers: callerHeaders() });
  res.json({ checkout: req.params.id, order: await order.json() });
});
const server = app.listen(0, "127.0.0.1", async () => {
  for (const id of [1, 2]) await fetch(`http://127.0.0.1:${server.address().port}/checkout/${id}`);
  server.close();
  await client.close();
});
"""


def users_app(client: SeismoClient, django_url: str) -> Flask:
    app = Flask("users")

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, object]:
        order = httpx.get(f"{django_url}/orders/{user_id}", headers=caller_headers())
        return {"id": user_id, "order": order.json()}

    client.flask(app, "flask-shop")
    return app


def test_four_instrumented_apps_calling_each_other_form_the_dashboard_graph(
    node_tests_ready: None,
    collector_url: str,
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
) -> None:
    configure_django()
    with SeismoClient(collector_url) as client:
        django_app = client.django(get_wsgi_application(), "django-orders")
        with (
            wsgi_serving(django_app) as django_url,
            wsgi_serving(users_app(client, django_url)) as users_url,
            serving(orders_app(client, users_url)) as orders_url,
        ):
            subprocess.run(
                ["node", "--input-type=module", "-e", EXPRESS_SCRIPT, collector_url, orders_url],
                cwd=SDK_JS,
                check=True,
                timeout=60,
            )
        assert client.flush()
    dashboard = create_app(Settings(redis_url=redis_server.url), background=False)
    with serving(dashboard) as url:
        graph = httpx.get(f"{url}/api/graph").json()
    assert graph["nodes"] == ["django-orders", "flask-shop", "orders-api", "web-api"]
    assert graph["edges"] == [
        {"source": "flask-shop", "target": "django-orders", "count": 2},
        {"source": "orders-api", "target": "flask-shop", "count": 2},
        {"source": "web-api", "target": "orders-api", "count": 2},
    ]
