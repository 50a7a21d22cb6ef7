"""``seismo bench surge``: the recent traffic level on simulated bursty traffic."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from seismo.bench.surge import BURST_P, Traffic
from seismo.cli import main


def test_the_traffic_wobbles_in_spells_and_bursts_now_and_then() -> None:
    traffic = Traffic(np.random.default_rng(2), 300.0, 8_640, bursts=True)
    rates = np.array([traffic.expected() for _ in range(50_000)])
    calm = Traffic(np.random.default_rng(2), 300.0, 8_640, bursts=False)
    plain = np.array([calm.expected() for _ in range(50_000)])

    logs = np.log(plain)
    assert np.corrcoef(logs[:-1], logs[1:])[0, 1] > 0.3
    bursting = np.mean(rates > 1.4 * plain)
    assert 0.5 * BURST_P * 2 < bursting < 2 * BURST_P * 10
    assert math.isclose(np.median(plain), 300.0, rel_tol=0.1)


def test_a_short_run_catches_a_fourfold_surge_at_once_and_learns_the_bursts(
    tmp_path: Path,
) -> None:
    out = tmp_path / "surge.json"
    code = main(["bench", "surge", "--windows", "6000", "--trials", "10", "--rates", "300",
                 "--json", str(out)])  # fmt: skip
    plain, bursty = json.loads(out.read_text())["rows"]
    assert code == 0
    assert (plain["bursts"], bursty["bursts"]) == (False, True)
    assert plain["delays"]["surge x4"] is not None and plain["delays"]["surge x4"] <= 1
    assert plain["delays"]["drop x0.2"] is not None and plain["delays"]["drop x0.2"] <= 1
    assert bursty["false_alarms"] < 6_000 * BURST_P / 3
