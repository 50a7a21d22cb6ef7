"""The demo proxy: forwards to a real service on loopback and records each call."""

from __future__ import annotations

import httpx
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from seismo.bench.serving import serving
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.conftest import free_port
from tests.ingest.conftest import collector_settings


async def data(request: Request) -> JSONResponse:
    return JSONResponse({"items": [1, 2], "q": request.query_params.get("q")})


async def broken(request: Request) -> JSONResponse:
    return JSONResponse({"error": "boom"}, status_code=500)


UPSTREAM = Starlette(routes=[Route("/api/data", data), Route("/api/error", broken)])


def test_forward_returns_the_upstream_answer_and_records_the_call(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    with serving(UPSTREAM) as upstream:
        settings = collector_settings(redis_server.url, forward_targets={"service-b": upstream})
        with serving(create_app(settings)) as url, httpx.Client(base_url=url) as client:
            ok = client.get(
                "/forward/service-b/api/data?q=7", headers={"X-Seismo-Caller": "service-a"}
            )
            failed = client.get("/forward/service-b/api/error")
    assert ok.status_code == 200 and ok.json() == {"items": [1, 2], "q": "7"}
    assert failed.status_code == 500
    entries = [entry for _, entry in redis_client.xrange(keys.detailed_metrics)]
    assert [(e[b"endpoint"], e[b"status_code"]) for e in entries] == [
        (b"GET:/api/data", b"200"),
        (b"GET:/api/error", b"500"),
    ]
    assert entries[0][b"caller"] == b"service-a"
    assert redis_client.execute_command("CF.EXISTS", keys.service_calls, "service-a:service-b")


def test_forward_to_a_service_that_is_down_is_a_502_recorded_as_an_error(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = collector_settings(redis_server.url, forward_targets={"service-b": dead})
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as client:
        answer = client.get("/forward/service-b/api/data")
        unknown = client.get("/forward/nobody/api/data")
    assert answer.status_code == 502
    assert "unreachable" in answer.json()["error"]
    assert unknown.status_code == 404 and unknown.json()["field"] == "service"
    [(_, entry)] = redis_client.xrange(keys.detailed_metrics)
    assert entry[b"status_code"] == b"502"
    assert int(redis_client.execute_command("CMS.QUERY", keys.status_codes, "502")[0]) == 1
