"""A real Flask app instrumented with one line: each request lands as ``GET:/users/{id}``
with its status, size and caller, unknown paths share one bucket, and the service shows
up in the fingerprints."""

from __future__ import annotations

import httpx
import redis
from flask import Flask, abort

from seismo.engine.keys import Keys
from seismo_client import RetryPolicy, SeismoClient, caller_headers
from tests.conftest import free_port
from tests.sdk.conftest import by_endpoint, entries, service_counts, wsgi_serving


def shop_app(client: SeismoClient) -> Flask:
    app = Flask("shop")

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        if user_id == 404:
            abort(404)
        return {"id": user_id}

    client.flask(app, "flask-shop")
    return app


def test_flask_requests_are_recorded_by_route_template(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    with SeismoClient(collector_url) as client, wsgi_serving(shop_app(client)) as url:
        with httpx.Client(base_url=url, headers=caller_headers("web")) as http:
            for path in ("/users/17", "/users/18", "/users/404", "/nope/1", "/nope/2"):
                http.get(path)
        assert client.flush()
    rows = by_endpoint(entries(redis_client, keys.detailed_metrics))
    assert sorted(rows) == ["GET:/<unmatched>", "GET:/users/{user_id}"]
    users = rows["GET:/users/{user_id}"]
    assert [row["status_code"] for row in users] == ["200", "200", "404"]
    assert users[0]["payload_size"] == str(len(b'{"id":17}\n'))
    assert {row["service"] for row in users} == {"flask-shop"}
    assert {row["caller"] for row in users} == {"web"}
    assert len(rows["GET:/<unmatched>"]) == 2
    assert service_counts(redis_client, keys)["flask-shop"] == 5


def test_flask_app_answers_as_usual_while_the_collector_is_down() -> None:
    client = SeismoClient(f"http://127.0.0.1:{free_port()}", retry=RetryPolicy(attempts=1))
    with wsgi_serving(shop_app(client)) as url, httpx.Client(base_url=url) as http:
        answers = [http.get(f"/users/{i}") for i in range(20)]
    assert [(a.status_code, a.json()) for a in answers] == [(200, {"id": i}) for i in range(20)]
    assert client.flush(timeout=30)
    assert (client.stats.failed, client.stats.errors) == (20, 0)
    client.close()
