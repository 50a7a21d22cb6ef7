"""Every registered detector goes through the same checks (STYLE principle 10).

The registry is what ``import seismo.detect`` fills: a test checks, in a fresh interpreter,
that it holds every detector defined anywhere in the package, whatever was imported first.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import pkgutil
import random
import subprocess
import sys

import pytest

import seismo.detect
from seismo.config import ConfigError
from seismo.detect import base
from seismo.detect.base import REGISTRY, Detector, Features, detector_from_dict

LENGTH = 600
SPIKE = 500
ROUNDS, GAP = 3, 120
"""The flagged-point check: spikes learned, ``GAP`` points apart (past a quiet period)."""


def stream(seed: int = 11, length: int = LENGTH) -> list[dict[str, float]]:
    """Noisy points with two features; one planted spike in both at ``SPIKE``."""
    rng = random.Random(seed)
    points = [
        {"value": 20 + 3 * math.sin(i / 15) + rng.gauss(0, 0.5), "other": 5 + rng.gauss(0, 0.2)}
        for i in range(length)
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


def registered_in_package() -> set[str]:
    """Names of the registered detectors of every module of ``seismo.detect``."""
    names = set()
    for info in pkgutil.iter_modules(seismo.detect.__path__):
        module = importlib.import_module(f"seismo.detect.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Detector) and REGISTRY.get(getattr(cls, "name", "")) is cls:
                names.add(cls.name)
    return names


def test_importing_the_package_registers_every_detector_without_scikit_learn() -> None:
    code = (
        "import sys, seismo.detect.base as b; "
        "print(','.join(sorted(b.REGISTRY)), 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names, sklearn = out.stdout.split()
    assert set(names.split(",")) == registered_in_package() == set(REGISTRY)
    assert sklearn == "False"  # every ``seismo`` command imports the package


def test_an_unknown_name_is_a_one_line_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"^SEISMO_X: .*'nope'.*metric") as caught:
        base.detector_class("nope", "SEISMO_X")
    assert "\n" not in str(caught.value)
    assert base.detector_class("metric") is REGISTRY["metric"]


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
    assert set(stored) == {"name", "params", "state"}
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


def test_params_rebuild_the_same_detector(detector_class: type[Detector]) -> None:
    detector = detector_class()
    run(detector, stream()[:300])
    params = json.loads(json.dumps(detector.to_dict()["params"]))
    assert detector_class(**params).to_dict()["params"] == detector.to_dict()["params"]
    assert detector_class(**params).to_dict() == detector_class().to_dict()


def test_a_flagged_point_is_not_learned_as_normal(detector_class: type[Detector]) -> None:
    # The spike, learned again and again with ordinary points between (past any quiet period
    # after a detection), must not make its twin look normal. What each detector keeps a
    # flagged point out of is tested with it (test_metric, test_isolation_forest_detector).
    # The gaps alternate (GAP, 2 GAP): a spike at one steady interval keeps a schedule, and
    # is expected (test_metric).
    gaps = [GAP * (1 + i % 2) for i in range(ROUNDS)]
    points = stream(length=SPIKE + sum(gaps))
    detector = detector_class()
    run(detector, points[:SPIKE])
    spike = points[SPIKE]
    start = SPIKE + 1
    for gap in gaps:
        assert detector.score_one(spike) >= detector.threshold
        run(detector, [spike, *points[start : start + gap - 1]])
        start += gap
    assert detector.score_one(spike) >= detector.threshold
