"""Replaying a kept scenario run: the detector's pure core over the run's own windows."""

from __future__ import annotations

import json
from pathlib import Path

from seismo.bench.scenario_replay import RUN_FILE, RunMeta, replay
from seismo.bench.scenario_score import kind_result
from seismo.config import Settings
from seismo.demo.faults import Fault
from seismo.engine import running_engine
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import free_port
from tests.builders import add_fingerprint
from tests.detect.fingerprint_synth import START_MS, WINDOW_MS, Plant, fingerprints

TRAINING = 60
FAULT_WINDOWS = (TRAINING + 30, TRAINING + 34)


def keep_run(run_dir: Path) -> Fault:
    """A run kept as ``--log-dir`` keeps one: its Redis data and ``run.json``."""
    first, last = FAULT_WINDOWS
    plant = Plant("checkout", first, last, {"error_rate_5xx": 0.45})
    windows = fingerprints(TRAINING + 50, seed=11, plant=plant)
    settings = Settings(redis_port=free_port(), data_dir=run_dir / "redis", redis_url=None)
    with running_engine(settings) as engine:
        client = connect(engine.url)
        for window in windows:
            add_fingerprint(client, Keys(), window)
        client.close()
    fault = Fault(
        "error-spike", "checkout", START_MS + first * WINDOW_MS, START_MS + (last + 1) * WINDOW_MS
    )
    normal_start = START_MS + (TRAINING + 5) * WINDOW_MS
    plan = {"training_windows": TRAINING, "window_seconds": WINDOW_MS // 1000, "grace_seconds": 1}
    meta = RunMeta(plan, [fault], normal_start, fault.start_ms, START_MS + len(windows) * WINDOW_MS)
    (run_dir / RUN_FILE).write_text(json.dumps(meta.to_dict()))
    return fault


def test_a_replayed_run_finds_its_planted_fault_with_the_detectors_own_code(tmp_path: Path) -> None:
    fault = keep_run(tmp_path)

    record = replay(tmp_path)
    verdict = kind_result(fault, record)

    opened = [r.alert for r in record.received if r.alert["status"] == "open"]
    assert opened, "the replay raised no alert"
    assert verdict.detected and verdict.delay_windows == 0
    assert verdict.target == "checkout"
    assert verdict.features[0] == "error_rate_5xx"
    assert (tmp_path / "redis").is_dir(), "the kept run's data must stay as it was"
