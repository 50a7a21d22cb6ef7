"""The fingerprint model as a registered streaming detector: flagged points, stored layouts."""

from __future__ import annotations

import json

from seismo.detect.base import detector_from_dict
from seismo.detect.fingerprint_model import IsolationForestDetector, ModelConfig

CONFIG = ModelConfig(n_estimators=30)


def rows(count: int) -> list[dict[str, float]]:
    return [{"latency": 40.0 + i % 7, "errors": float(i % 3)} for i in range(count)]


def test_a_flagged_point_is_not_buffered_an_ordinary_one_is() -> None:
    detector = IsolationForestDetector(min_train=20, config=CONFIG)
    for row in rows(20):
        detector.learn_one(row)
    spike = {"latency": 900.0, "errors": 50.0}
    assert detector.score_one(spike) >= detector.threshold

    detector.learn_one(spike)
    assert detector.pending == []
    detector.learn_one(rows(1)[0])
    assert detector.pending == [rows(1)[0]]


def test_params_are_plain_values_and_the_config_may_be_given_as_one() -> None:
    detector = IsolationForestDetector(min_train=20, config=CONFIG, threshold=0.8)
    params = json.loads(json.dumps(detector.to_dict()["params"]))
    assert params["config"]["n_estimators"] == 30
    rebuilt = IsolationForestDetector(**params)
    assert (rebuilt.config, rebuilt.threshold) == (CONFIG, 0.8)


def test_the_earlier_flat_layout_still_loads() -> None:
    detector = IsolationForestDetector(min_train=20, config=CONFIG)
    for row in rows(25):
        detector.learn_one(row)
    data = detector.to_dict()
    flat = {"name": "isolation_forest", **data["params"], **data["state"]}
    del flat["threshold"]

    restored = detector_from_dict(json.loads(json.dumps(flat)))

    assert restored.to_dict() == data
