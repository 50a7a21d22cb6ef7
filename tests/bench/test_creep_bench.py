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


def test_a_series_quieter_than_its_training_spread_has_a_step_caught_in_its_own_spread(
    tmp_path: Path,
) -> None:
    """Noise at 0.3 of the spread: a 2-spread step is 5 of the series' own spreads."""
    out = tmp_path / "creep.json"
    code = main(["bench", "creep", "--windows", "20000", "--trials", "15", "--correlations",
                 "0", "--scales", "0.3,1", "--json", str(out)])  # fmt: skip
    quiet, ordinary = json.loads(out.read_text())["rows"]
    assert code == 0
    assert (quiet["scale"], ordinary["scale"]) == ("0.3", "1")
    assert quiet["delays"]["step 2.0"] is not None and quiet["delays"]["step 2.0"] <= 6
    assert ordinary["delays"]["step 2.0"] is None or ordinary["delays"]["step 2.0"] > 6
