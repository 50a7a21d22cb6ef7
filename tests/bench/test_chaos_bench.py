"""A short real run of ``seismo bench chaos``: embedded Redis, every role a process, two
faults under load; its counters must add up and no promise may break."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.timeout(150)
def test_a_short_chaos_run_loses_nothing_acknowledged_and_closes_each_window_once(
    tmp_path: Path,
) -> None:
    out = tmp_path / "chaos.json"
    command = [
        *(sys.executable, "-m", "seismo", "bench", "chaos", "--seconds", "6"),
        *("--faults", "redis-kill,collector-worker-1", "--rate", "1000", "--json", str(out)),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=140, check=False)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "every promise kept" in finished.stdout
    result = json.loads(out.read_text())
    assert result["promises_kept"]
    assert [phase["fault"] for phase in result["phases"]] == ["redis-kill", "collector-worker-1"]
    for phase in result["phases"]:
        events, windows, scores = phase["events"], phase["windows"], phase["scores"]
        assert 0 < events["acked"] <= events["sent"]
        assert events["lost"] == 0 and events["duplicated"] == 0
        unacked = events["sent"] - events["acked"]
        assert events["unacked_stored"] + events["unacked_missing"] == unacked
        assert windows["closed"] > 0 and windows["twice"] == 0
        assert windows["closed"] == windows["expected"] - windows["gaps"]
        assert scores["scored"] == scores["fingerprints"]
        collector = phase["collector"]
        assert collector["bad_5xx"] == 0
        assert (
            collector["ok"] + collector["status_503"] + collector["no_answer"] + collector["other"]
            == collector["requests"]
        )
