"""``seismo bench sources``: throughput of the OTLP routes and of the access-log agent.

Against the embedded Redis and a real collector on loopback: OTLP/HTTP protobuf exports of
an ``http.server.request.duration`` histogram (each request of it one event) and of server
spans, then ``seismo agent tail`` reading a backlog of nginx lines from the file's start.
Each figure is checked: every request sent is in the ``detailed-metrics`` stream.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from seismo.agent import runner
from seismo.agent.config import TailConfig
from seismo.agent.follow import Follower
from seismo.agent.logformats import parse_nginx
from seismo.agent.sender import Sender
from seismo.bench.report import report_records
from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.engine import prepare
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port
from seismo.ingest.app import create_app

PROTOBUF = {"content-type": "application/x-protobuf"}


@dataclass(frozen=True)
class Result:
    """One source's figure: requests (events) per second, and the median HTTP call."""

    source: str
    requests: int
    seconds: float
    per_second: float
    median_call_ms: float | None


def metrics_export(service: str, requests: int) -> bytes:
    """A delta duration histogram of ``requests`` requests (20 % / 50 % / 30 % per bucket)."""
    message = ExportMetricsServiceRequest()
    resource = message.resource_metrics.add()
    resource.resource.attributes.add(key="service.name").value.string_value = service
    metric = resource.scope_metrics.add().metrics.add()
    metric.name, metric.unit = "http.server.request.duration", "s"
    metric.histogram.aggregation_temporality = 1
    point = metric.histogram.data_points.add()
    point.attributes.add(key="http.route").value.string_value = "/bench"
    point.time_unix_nano = time.time_ns()
    point.start_time_unix_nano = point.time_unix_nano - 10**9
    point.explicit_bounds.extend([0.01, 0.05])
    counts = [requests // 5, requests // 2]
    point.bucket_counts.extend([*counts, requests - sum(counts)])
    point.count, point.sum = requests, requests * 0.02
    return message.SerializeToString()  # type: ignore[no-any-return]


def traces_export(batch: int, spans: int) -> bytes:
    """``spans`` root server spans of service ``web``."""
    message = ExportTraceServiceRequest()
    resource = message.resource_spans.add()
    resource.resource.attributes.add(key="service.name").value.string_value = "web"
    scope = resource.scope_spans.add()
    now = time.time_ns()
    for index in range(spans):
        span = scope.spans.add(name="GET /x", kind=2)
        span.trace_id = batch.to_bytes(8, "big") + index.to_bytes(8, "big")
        span.span_id = batch.to_bytes(4, "big") + index.to_bytes(4, "big")
        span.start_time_unix_nano, span.end_time_unix_nano = now - 10**7, now
        span.attributes.add(key="http.route").value.string_value = "/x"
        span.attributes.add(key="http.request.method").value.string_value = "GET"
    return message.SerializeToString()  # type: ignore[no-any-return]


def _posting(
    http: httpx.Client, path: str, bodies: list[bytes], per_body: int, name: str
) -> Result:
    calls = []
    started = time.perf_counter()
    for body in bodies:
        began = time.perf_counter()
        http.post(path, content=body, headers=PROTOBUF).raise_for_status()
        calls.append(time.perf_counter() - began)
    seconds = time.perf_counter() - started
    total = per_body * len(bodies)
    return Result(name, total, round(seconds, 2), round(total / seconds), round(
        statistics.median(calls) * 1000, 1))  # fmt: skip


def _tailing(url: str, client: redis.Redis, keys: Keys, lines: int, folder: Path) -> Result:
    log = folder / "access.log"
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    line = f'127.0.0.1 - - [{stamp}] "GET /users/{{}} HTTP/1.1" 200 3 "-" "bench" 0.004\n'
    log.write_text("".join(line.format(i) for i in range(lines)))
    stop, sender = threading.Event(), Sender(url)
    config = TailConfig(collector=url, service="shop", batch_size=2000, flush_interval_s=0.2)
    with Follower(str(log), from_start=True) as follower:
        started = time.perf_counter()
        agent = threading.Thread(
            target=runner.tail, args=(follower, parse_nginx, config, sender, stop)
        )
        agent.start()
        while sender.sent + sender.dropped < lines and agent.is_alive():
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        stop.set()
        agent.join()
    sender.close()
    return Result("tail nginx lines", lines, round(seconds, 2), round(lines / seconds), None)


def measure(redis_url: str, scale: float, folder: Path) -> list[Result]:
    """The three figures, each on an emptied database; raises if a request went missing."""
    exports, requests, spans = max(1, int(20 * scale)), 10_000, 1_000
    lines = max(100, int(100_000 * scale))
    client, keys = connect(redis_url), Keys()
    settings = Settings(redis_url=redis_url, stream_maxlen=10 * (exports * requests + lines))
    results = []
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        for run in _runs(http, url, client, keys, exports, requests, spans, lines):
            client.flushall()
            prepare(client, keys)
            result = run(folder)
            stored = client.xlen(keys.detailed_metrics)
            if stored != result.requests:
                raise RuntimeError(f"{result.source}: {stored} of {result.requests} stored")
            results.append(result)
    client.close()
    return results


def _runs(http: httpx.Client, url: str, client: redis.Redis, keys: Keys, exports: int,
          requests: int, spans: int, lines: int) -> list[Any]:  # fmt: skip
    metrics = [metrics_export(f"s{i}", requests) for i in range(exports)]
    traces = [traces_export(i, spans) for i in range(exports)]
    return [
        lambda _: _posting(http, "/v1/metrics", metrics, requests, "OTLP metrics requests"),
        lambda _: _posting(http, "/v1/traces", traces, spans, "OTLP server spans"),
        lambda folder: _tailing(url, client, keys, lines, folder),
    ]


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "sources", help="throughput of OTLP ingest and of the access-log agent"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the workload")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as folder:
        server = EmbeddedRedis("127.0.0.1", free_port(), Path(folder))
        server.start()
        try:
            results = measure(server.url, args.scale, Path(folder))
        finally:
            server.stop()
    columns = ["source", "requests", "seconds", "per_second", "median_call_ms"]
    report_records("Sources", columns, results, args.json, "results", scale=args.scale)
    return 0
