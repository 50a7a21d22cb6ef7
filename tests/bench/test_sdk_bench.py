"""The SDK benchmark's parts: ratios and per-request costs taken within each round, and
the bench app answering every request with 2xx whether the SDK's collector is up or down
(a benchmark of an app that errors would measure its error path)."""

from __future__ import annotations

import pytest

from seismo.bench.loadgen import drive
from seismo.bench.sdk import summarise
from seismo.bench.sdk_app import BODY, PATH, bench_app
from seismo.bench.serving import serving
from tests.conftest import free_port


def test_rows_are_medians_with_ratios_and_costs_within_each_round() -> None:
    rounds = [
        {"plain": 1000.0, "collector_up": 800.0},
        {"plain": 500.0, "collector_up": 500.0},
        {"plain": 2000.0, "collector_up": 1000.0},
    ]
    rows = {row["name"]: row for row in summarise(rounds)}
    assert rows["plain"]["requests_per_s"] == 1000
    assert rows["collector_up"]["ratio_to_plain"] == 0.8  # median of 0.8, 1.0, 0.5
    assert rows["collector_up"]["cost_us_per_request"] == pytest.approx(250.0)  # 1/800 - 1/1000
    assert rows["collector_up"]["rounds"] == [800, 500, 1000]


@pytest.mark.parametrize("collector", [None, "closed port"])
def test_bench_app_answers_2xx_with_and_without_the_sdk(collector: str | None) -> None:
    url = None if collector is None else f"http://127.0.0.1:{free_port()}"
    with serving(bench_app(url)) as base:
        port = int(base.rsplit(":", 1)[1])
        result = drive("127.0.0.1", port, PATH, BODY, connections=2, seconds=0.2)
    assert result.ok > 0
    assert result.errors == 0
