"""The ingest benchmark's parts: rates summarised by median, ratios within a round, and a
load generator that counts only 2xx answers as throughput."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from seismo.bench.ingest import summarise
from seismo.bench.ingest_cluster import run_cluster
from seismo.bench.loadgen import drive
from seismo.bench.serving import serving
from seismo.config import CLUSTER_SHARDS


def test_rows_are_medians_and_ratios_are_taken_within_each_round() -> None:
    rounds = [
        {"ceiling": 100.0, "http_single": 10.0},
        {"ceiling": 50.0, "http_single": 10.0},
        {"ceiling": 200.0, "http_single": 30.0},
    ]
    rows = {row["name"]: row for row in summarise(rounds)}
    assert rows["ceiling"]["metrics_per_s"] == 100
    assert rows["http_single"]["metrics_per_s"] == 10
    assert rows["http_single"]["ratio_to_ceiling"] == 0.15  # median of 0.1, 0.2, 0.15
    assert rows["http_single"]["rounds"] == [10, 10, 30]


def test_load_generator_counts_2xx_answers_and_errors_apart() -> None:
    seen = {"n": 0}

    async def flaky(request: Request) -> JSONResponse:
        seen["n"] += 1
        return JSONResponse({"n": seen["n"]}, status_code=200 if seen["n"] % 2 else 503)

    app = Starlette(routes=[Route("/p", flaky, methods=["POST"])])
    with serving(app) as url:
        port = int(url.rsplit(":", 1)[1])
        result = drive("127.0.0.1", port, "/p", b"{}", connections=1, seconds=0.3)
    assert result.ok > 0 and result.errors > 0
    assert abs(result.ok - result.errors) <= 1
    assert result.ok + result.errors == seen["n"]


@pytest.mark.slow
def test_the_cluster_bench_measures_one_node_and_a_cluster(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = argparse.Namespace(cluster=1, seconds=0.5, json=out)
    assert run_cluster(args) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [(r["name"], r["shards"]) for r in rows] == [
        ("one node", 1),
        ("cluster, 1 primaries", CLUSTER_SHARDS),
    ]
    for row in rows:
        assert row["events_per_s"] > 0 and row["redis_cpu_s_per_million"] > 0, row
        assert row["events_per_s_per_redis_core"] == round(1e6 / row["redis_cpu_s_per_million"])
