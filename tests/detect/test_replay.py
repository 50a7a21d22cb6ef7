"""``seismo replay``: NAB-style CSV in, NAB results layout out, the production detector."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import pytest

from seismo.cli import main
from seismo.detect.metric import default_metric_detector
from seismo.detect.replay import output_path, read_series, score_series


def write_series(path: Path, values: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        for i, value in enumerate(values):
            writer.writerow(
                [f"2024-01-{1 + i // 288:02d} {i % 288 // 12:02d}:{i % 12 * 5:02d}:00", value]
            )


def series(length: int, seed: int, spike: int | None = None) -> list[float]:
    rng = random.Random(seed)
    values = [10 + math.sin(i / 20) + rng.gauss(0, 0.1) for i in range(length)]
    if spike is not None:
        values[spike] += 8
    return values


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    write_series(data / "realThings" / "a.csv", series(400, 1, spike=300))
    write_series(data / "artificial" / "b.csv", series(300, 2))
    return data


def read_result(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_replay_writes_one_scored_file_per_input_in_nab_layout(
    corpus: Path, tmp_path: Path, workers: str
) -> None:
    out = tmp_path / "out"
    assert main(["replay", "--input", str(corpus), "--output", str(out), "--workers", workers]) == 0
    result = read_result(out / "seismo" / "realThings" / "seismo_a.csv")
    source = read_result(corpus / "realThings" / "a.csv")
    assert result[0] == ["timestamp", "value", "anomaly_score"]
    assert [row[:2] for row in result[1:]] == source[1:]
    scores = [float(row[2]) for row in result[1:]]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores.index(max(scores)) == 300
    assert (out / "seismo" / "artificial" / "seismo_b.csv").is_file()


def test_replay_scores_are_the_production_detector_s(corpus: Path) -> None:
    loaded = read_series(corpus / "realThings" / "a.csv", Path("realThings/a.csv"))
    expected = []
    detector = default_metric_detector()
    for value in loaded.values:
        expected.append(detector.score_one({"value": value}))
        detector.learn_one({"value": value})
    assert score_series(loaded.values, default_metric_detector) == expected


def test_unreadable_value_keeps_its_row_and_scores_zero(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("timestamp,value\n2024-01-01 00:00:00,1.5\n2024-01-01 00:05:00,oops\n")
    loaded = read_series(path, Path("c.csv"))
    assert math.isnan(loaded.values[1])
    assert score_series(loaded.values, default_metric_detector) == [0.0, 0.0]


def test_output_path_follows_nab_results_layout(tmp_path: Path) -> None:
    assert output_path(tmp_path, Path("realTweets/Twitter_volume_KO.csv")) == (
        tmp_path / "seismo" / "realTweets" / "seismo_Twitter_volume_KO.csv"
    )


def test_bad_header_is_refused_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.csv").write_text("time,val\n1,2\n")
    assert main(["replay", "--input", str(tmp_path / "in"), "--output", str(tmp_path)]) == 2
    assert "bad.csv" in capsys.readouterr().err


def test_empty_input_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--input", str(tmp_path), "--output", str(tmp_path / "o")]) == 2
    assert "no CSV files" in capsys.readouterr().err
