"""The detector's metrics, read from its registry after a real run on the shared Redis."""

from __future__ import annotations

from collections import Counter

import redis

from seismo.engine.keys import Keys
from seismo.loops.detector import DetectorLoop
from tests.detect.fingerprint_synth import fingerprints
from tests.detect.test_loop import ERROR_SPIKE, TRAINING, add, alerts, drain, new_loop


def sample(loop: DetectorLoop, name: str, **labels: str) -> float:
    found = loop.metrics.registry.get_sample_value(name, labels)
    assert found is not None, f"{name}{labels} is not exported"
    return found


def watched(client: redis.Redis, keys: Keys) -> DetectorLoop:
    loop = new_loop(client, keys)
    loop.metrics.watch(lambda: loop.model_version, loop.store.normal_count)
    return loop


def test_windows_scores_and_alerts_by_severity_are_counted(
    redis_client: redis.Redis, keys: Keys
) -> None:
    add(redis_client, keys, fingerprints(60, seed=3, plant=ERROR_SPIKE))
    loop = watched(redis_client, keys)
    processed = drain(loop)

    assert sample(loop, "seismo_detector_windows_scored_total") == processed == 60
    assert sample(loop, "seismo_detector_score_count") == 60
    assert sample(loop, "seismo_detector_scoring_seconds_count") == 60
    # The planted spike scores at or above the alert threshold (0.9); training windows score 0.
    assert sample(loop, "seismo_detector_score_bucket", le="0.8") < 60
    published = Counter((a["severity"], a["status"]) for a in alerts(redis_client, keys))
    assert published, "the planted spike raised no alert"
    for (severity, status), count in published.items():
        exported = sample(loop, "seismo_detector_alerts_total", severity=severity, status=status)
        assert exported == count


def test_model_version_and_training_state_follow_the_model(
    redis_client: redis.Redis, keys: Keys
) -> None:
    loop = watched(redis_client, keys)
    add(redis_client, keys, fingerprints(TRAINING - 5, seed=5))
    drain(loop)
    assert sample(loop, "seismo_detector_training") == 1
    assert sample(loop, "seismo_detector_model_version") == 0
    assert sample(loop, "seismo_detector_normal_windows") == TRAINING - 5

    add(redis_client, keys, fingerprints(TRAINING + 10, seed=5)[TRAINING - 5 :])
    drain(loop)
    assert sample(loop, "seismo_detector_training") == 0
    assert sample(loop, "seismo_detector_model_version") == loop.model_version >= 1
