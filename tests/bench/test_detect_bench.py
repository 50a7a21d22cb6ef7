"""``seismo bench detect``: a small fleet measured end to end, and the verdict on targets."""

from __future__ import annotations

import json
from pathlib import Path

from seismo.bench.detect import TARGET_SERVICES, Fleet, SizeResult, measure, verdicts
from seismo.cli import main


def test_a_fleet_window_has_every_service_and_a_system_sum() -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    window = Fleet.draw(5, rng).window(3, rng)
    assert len(window.services) == 5
    total = sum(v["request_count"] for v in window.services.values())
    assert window.system["request_count"] == total


def test_a_small_fleet_is_trained_scored_and_weighed(tmp_path: Path) -> None:
    out = tmp_path / "detect.json"
    code = main(["bench", "detect", "--services", "3,6", "--training-windows", "20",
                 "--score-windows", "2", "--json", str(out)])  # fmt: skip
    rows = json.loads(out.read_text())["results"]
    assert code == 0  # no fleet of 1,000 measured: no target to miss
    assert [r["services"] for r in rows] == [3, 6]
    assert all(r["train_s"] > 0 and r["score_ms_median"] > 0 for r in rows)
    assert all(r["state_bytes_per_service"] > 100 for r in rows)


def test_targets_are_judged_on_the_fleet_of_a_thousand_services() -> None:
    fast = SizeResult(TARGET_SERVICES, 720, 10.0, 50.0, 80.0, 20_000)
    slow = SizeResult(TARGET_SERVICES, 720, 90.0, 500.0, 900.0, 80_000)
    assert [met for *_, met in verdicts([fast])] == [True, True, True]
    assert [met for *_, met in verdicts([slow])] == [False, False, False]
    assert verdicts([measure(4, 12, 1, seed=0)]) == []
