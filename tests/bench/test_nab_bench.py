"""``seismo bench nab`` on a tiny labelled corpus: replays, scores, prints and writes JSON."""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path

import pytest

from seismo.bench.nab import random_halves, split_folds, window_rows
from seismo.bench.nab_score import ScoredFile
from seismo.cli import main


def stamp(i: int) -> str:
    return f"2024-01-{1 + i // 288:02d} {i % 288 // 12:02d}:{i % 12 * 5:02d}:00"


def write_series(path: Path, values: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        writer.writerows([stamp(i), v] for i, v in enumerate(values))


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    rng = random.Random(4)
    values = [10 + math.sin(i / 20) + rng.gauss(0, 0.1) for i in range(600)]
    values[450] += 8
    data = tmp_path / "data"
    write_series(data / "cat" / "spike.csv", values)
    write_series(data / "cat" / "calm.csv", [10 + rng.gauss(0, 0.1) for _ in range(600)])
    windows = tmp_path / "windows.json"
    windows.write_text(
        json.dumps(
            {
                "cat/spike.csv": [[stamp(420) + ".000000", stamp(479) + ".000000"]],
                "cat/calm.csv": [],
            }
        )
    )
    return data, windows


def test_bench_prints_and_writes_every_profile(
    corpus: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, windows = corpus
    out = tmp_path / "nab.json"
    argv = ["bench", "nab", "--data", str(data), "--windows", str(windows), "--json", str(out)]
    assert main([*argv, "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in ("standard", "reward_low_fp", "reward_low_fn"))
    result = json.loads(out.read_text())
    assert set(result["profiles"]) == {"standard", "reward_low_fp", "reward_low_fn"}
    assert result["rows"] == 1200
    # the spike sits mid-window: a true positive worth sigma(-0.5), no false positive
    assert result["profiles"]["standard"]["score"] > 80


def test_file_without_labels_is_refused(
    corpus: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, _ = corpus
    windows = tmp_path / "partial.json"
    windows.write_text(json.dumps({"cat/spike.csv": []}))
    argv = ["bench", "nab", "--data", str(data), "--windows", str(windows), "--workers", "1"]
    assert main(argv) == 2
    assert "cat/calm.csv" in capsys.readouterr().err


def test_window_rows_are_inclusive_row_ranges() -> None:
    stamps = [stamp(i) for i in range(10)]
    assert window_rows(stamps, [[stamp(2) + ".000000", stamp(5) + ".000000"]]) == [(2, 5)]


def test_bench_scores_each_fold_and_the_total(
    corpus: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, windows = corpus
    out = tmp_path / "nab.json"
    argv = ["bench", "nab", "--data", str(data), "--windows", str(windows), "--json", str(out)]
    assert main([*argv, "--workers", "1", "--folds", "2", "--random-halves", "3"]) == 0
    printed = capsys.readouterr().out
    assert "state after to_dict" in printed and "3 random stratified halves" in printed
    result = json.loads(out.read_text())
    folds = result["folds"]
    assert sorted(folds) == ["A", "B"]
    assert sorted(folds["A"]["files"] + folds["B"]["files"]) == ["cat/calm.csv", "cat/spike.csv"]
    assert "at_fold_a_threshold" in folds["B"] and "at_fold_a_threshold" not in folds["A"]
    assert all(set(fold["profiles"]) == set(result["profiles"]) for fold in folds.values())
    assert 0 < result["state_bytes"]["median"] <= result["state_bytes"]["max"]
    assert result["random_halves"]["count"] == 3


NAMES = [f"{category}/{name}.csv" for category in ("real", "art", "x") for name in "abcdefg"]


def test_folds_are_deterministic_disjoint_and_cover_every_file() -> None:
    folds = split_folds(NAMES)
    assert folds == split_folds(list(reversed(NAMES)))
    assert set(folds) == set(NAMES)
    assert set(folds.values()) == {"A", "B"}


def test_folds_are_stratified_by_category_and_balanced() -> None:
    folds = split_folds(NAMES)
    for category in ("real", "art", "x"):
        members = [folds[n] for n in NAMES if n.startswith(category + "/")]
        assert abs(members.count("A") - members.count("B")) <= 1
    assert abs(list(folds.values()).count("A") - list(folds.values()).count("B")) <= 1


def test_a_file_keeps_its_fold_when_other_categories_change() -> None:
    # the split depends on names only: a category sorting after the others changes nothing
    before = split_folds(NAMES)
    after = split_folds([*NAMES, "zzz/new.csv"])
    assert all(after[name] == fold for name, fold in before.items())


def test_per_file_diagnostics_carry_scores_and_no_labels(
    corpus: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, windows = corpus
    out = tmp_path / "nab.json"
    argv = ["bench", "nab", "--data", str(data), "--windows", str(windows), "--json", str(out)]
    assert main([*argv, "--workers", "1", "--per-file"]) == 0
    assert "Per file (scores only, no labels)" in capsys.readouterr().out
    rows = {row["file"]: row for row in json.loads(out.read_text())["files"]}
    assert set(rows) == {"cat/calm.csv", "cat/spike.csv"}
    assert set(rows["cat/spike.csv"]) == {
        "file",
        "fold",
        "rows",
        "max_score",
        "detections",
        "state_bytes",
    }
    assert rows["cat/spike.csv"]["detections"] == 1 and rows["cat/calm.csv"]["detections"] == 0
    assert rows["cat/spike.csv"]["rows"] == 600 and rows["cat/spike.csv"]["fold"] == "all"


def test_the_bench_runs_the_detector_the_settings_select(
    corpus: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, windows = corpus
    argv = ["bench", "nab", "--data", str(data), "--windows", str(windows), "--workers", "1"]
    states = {}
    for name in ("metric", "isolation_forest"):
        monkeypatch.setenv("SEISMO_METRIC_DETECTOR", name)
        out = tmp_path / f"{name}.json"
        assert main([*argv, "--per-file", "--json", str(out)]) == 0
        states[name] = [f["state_bytes"] for f in json.loads(out.read_text())["files"]]

    assert states["metric"] != states["isolation_forest"]


def test_random_halves_carry_a_threshold_that_fits_every_file_and_not_one_that_fits_half() -> None:
    """Four files whose window a score of 1.0 marks at its start: any half's threshold
    catches the other half's windows too, so both halves score alike (near 100). Two more
    files mark theirs with 0.6 only, and the halves that hold both of them tune to 0.6
    while the halves holding none tune to 1.0 and miss them: the other half scores lower
    in some splits, and the split changes with the seed."""
    window = ((40, 49),)

    def marked(name: str, score: float) -> ScoredFile:
        return ScoredFile(name, [score if row == 40 else 0.0 for row in range(100)], window)

    alike = [marked(f"c{i % 2}/f{i}.csv", 1.0) for i in range(4)]
    even = random_halves(alike, 10, seed=1)
    assert even.tuned == pytest.approx(even.held_out)
    mixed = [*alike, marked("c0/weak.csv", 0.6), marked("c1/weak.csv", 0.6)]
    halves = random_halves(mixed, 30, seed=1)
    assert len(halves.held_out) == 30
    assert min(halves.held_out) < min(halves.tuned)
    assert random_halves(mixed, 30, seed=2).held_out != halves.held_out
    assert set(halves.summary()) == {"count", "seed", "tuned", "held_out"}
