"""The access benchmark's parts: ratios to keys off taken within a round and a body, and a
load generator that sends the API key."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from seismo.bench.access import summarise
from seismo.bench.loadgen import drive
from seismo.bench.serving import serving


def test_each_row_is_compared_with_keys_off_for_the_same_body_in_the_same_round() -> None:
    rounds = [
        {"single keys_off": 100.0, "single keys_required": 80.0, "batch keys_off": 10.0,
         "batch keys_required": 10.0},
        {"single keys_off": 50.0, "single keys_required": 45.0, "batch keys_off": 5.0,
         "batch keys_required": 4.0},
        {"single keys_off": 200.0, "single keys_required": 100.0, "batch keys_off": 20.0,
         "batch keys_required": 20.0},
    ]  # fmt: skip
    rows = {row["name"]: row for row in summarise(rounds)}
    assert rows["single keys_required"]["ratio_to_keys_off"] == 0.8  # median of .8, .9, .5
    assert rows["single keys_required"]["requests_per_s"] == 80
    assert rows["batch keys_required"]["ratio_to_keys_off"] == 1.0
    assert rows["batch keys_off"]["rounds"] == [10, 5, 20]


def test_the_load_generator_sends_the_headers_it_is_given() -> None:
    async def keyed(request: Request) -> JSONResponse:
        ok = request.headers.get("x-api-key") == "k"
        return JSONResponse({}, status_code=200 if ok else 401)

    app = Starlette(routes=[Route("/p", keyed, methods=["POST"])])
    with serving(app) as url:
        port = int(url.rsplit(":", 1)[1])
        keyed_run = drive("127.0.0.1", port, "/p", b"{}", 1, 0.2, {"X-API-Key": "k"})
        bare_run = drive("127.0.0.1", port, "/p", b"{}", 1, 0.2)
    assert keyed_run.ok > 0 and keyed_run.errors == 0
    assert bare_run.ok == 0 and bare_run.errors > 0
