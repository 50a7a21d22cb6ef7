"""``seismo bench creep``: the latency CUSUM on simulated heavy-tailed noise."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from seismo.bench.creep import noise
from seismo.cli import main


def draws(correlation: float) -> np.ndarray:
    return np.fromiter(
        itertools.islice(noise(np.random.default_rng(1), correlation), 100_000), float
    )


def test_the_noise_is_in_robust_spreads_and_correlated_as_asked() -> None:
    independent = draws(0.0)
    spread = 1.4826 * np.median(np.abs(independent - np.median(independent)))
    assert abs(spread - 1.0) < 0.03
    for correlation in (0.0, 0.5):
        z = draws(correlation)
        assert abs(np.corrcoef(z[:-1], z[1:])[0, 1] - correlation) < 0.05


def test_a_short_run_counts_false_alarms_and_catches_a_large_step_before_a_creep(
    tmp_path: Path,
) -> None:
    out = tmp_path / "creep.json"
    code = main(["bench", "creep", "--windows", "20000", "--trials", "15", "--correlations",
                 "0", "--json", str(out)])  # fmt: skip
    row = json.loads(out.read_text())["rows"][0]
    assert code == 0
    assert row["windows"] == 20_000 and row["false_alarms"] >= 0
    delays = row["delays"]
    assert delays["step 3.5"] is not None and delays["step 3.5"] <= 6
    assert delays["creep 0.35/window"] is not None
    assert delays["step 3.5"] < delays["creep 0.35/window"]
