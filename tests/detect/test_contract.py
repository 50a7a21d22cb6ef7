"""Every registered detector goes through the same checks (STYLE principle 10).

All modules of ``seismo.detect`` are imported first, so detectors registered anywhere in the
package are found without a list to keep up to date.
"""

from __future__ import annotations

import importlib
import json
import math
import pkgutil
import random

import pytest

import seismo.detect
from seismo.detect.base import REGISTRY, Detector, Features, detector_from_dict

for _module in pkgutil.iter_modules(seismo.detect.__path__):
    importlib.import_module(f"seismo.detect.{_module.name}")

LENGTH = 600
SPIKE = 500


def stream(seed: int = 11) -> list[dict[str, float]]:
    """Noisy points with two features; one planted spike in both at ``SPIKE``."""
    rng = random.Random(seed)
    points = [
        {"value": 20 + 3 * math.sin(i / 15) + rng.gauss(0, 0.5), "other": 5 + rng.gauss(0, 0.2)}
        for i in range(LENGTH)
    ]
    points[SPIKE] = {"value": points[SPIKE]["value"] + 25, "other": 15.0}
    return points


def run(detector: Detector, points: list[dict[str, float]]) -> list[float]:
    scores = []
    for point in points:
        features: Features = point
        scores.append(detector.score_one(features))
        detector.learn_one(features)
    return scores


@pytest.fixture(params=sorted(REGISTRY))
def detector_class(request: pytest.FixtureRequest) -> type[Detector]:
    return REGISTRY[request.param]


def test_registry_holds_the_metric_detector() -> None:
    assert "metric" in REGISTRY


def test_scores_are_in_unit_interval(detector_class: type[Detector]) -> None:
    scores = run(detector_class(), stream())
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_learning_changes_the_scores(detector_class: type[Detector]) -> None:
    detector = detector_class()
    probe = {"value": 20.0, "other": 5.0}
    before = detector.score_one(probe)
    run(detector, stream()[:SPIKE])
    assert json.dumps(detector.to_dict()) != json.dumps(detector_class().to_dict())
    assert detector.score_one({"value": 60.0, "other": 20.0}) > before


def test_finds_the_planted_spike(detector_class: type[Detector]) -> None:
    scores = run(detector_class(), stream())
    assert scores[SPIKE] == max(scores[SPIKE - 200 :])
    assert (
        scores[SPIKE] > sorted(scores[SPIKE - 200 : SPIKE])[len(scores[SPIKE - 200 : SPIKE]) // 2]
    )


def test_round_trips_through_json_with_identical_scores(detector_class: type[Detector]) -> None:
    points = stream()
    original = detector_class()
    run(original, points[:400])
    stored = json.loads(json.dumps(original.to_dict()))
    assert stored["name"] == detector_class.name
    restored = detector_from_dict(stored)
    assert type(restored) is detector_class
    assert run(restored, points[400:]) == run(original, points[400:])


def test_bad_values_score_in_range_and_do_not_break_the_detector(
    detector_class: type[Detector],
) -> None:
    detector = detector_class()
    run(detector, stream()[:300])
    for bad in ({}, {"value": math.nan}, {"value": math.inf, "other": -math.inf}):
        assert 0.0 <= detector.score_one(bad) <= 1.0
        detector.learn_one(bad)
    assert 0.0 <= detector.score_one({"value": 20.0, "other": 5.0}) <= 1.0
