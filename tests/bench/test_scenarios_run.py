"""One short real run of ``seismo bench scenarios``: real Redis, real role processes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from seismo.bench.scenarios import Plan, fault_size, kind_list


def test_kind_list_rejects_unknown_kinds() -> None:
    assert kind_list("error-spike, kpi-drop") == ["error-spike", "kpi-drop"]
    with pytest.raises(argparse.ArgumentTypeError, match="choose from"):
        kind_list("error-spike,meteor")


@pytest.mark.parametrize("text", ["0", "1.5", "half"])
def test_a_fault_size_outside_zero_to_one_is_refused(text: str) -> None:
    assert fault_size("0.5") == 0.5
    with pytest.raises(argparse.ArgumentTypeError, match="at most 1"):
        fault_size(text)


def test_the_default_plan_lasts_about_ten_to_fifteen_minutes() -> None:
    assert 10 * 60 <= Plan().planned_s() <= 15 * 60


@pytest.mark.timeout(150)
def test_a_short_run_injects_the_fault_into_the_pipeline_and_hears_every_alert_on_the_ws(
    tmp_path: Path,
) -> None:
    out = tmp_path / "scenarios.json"
    command = [
        *(sys.executable, "-m", "seismo", "bench", "scenarios", "--training-windows", "10"),
        *("--normal-minutes", "0.1", "--kinds", "error-spike", "--fault-seconds", "5"),
        *("--gap-seconds", "2", "--fault-size", "0.8", "--json", str(out)),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=140, check=False)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    assert "seismo bench scenarios" in finished.stdout
    result = json.loads(out.read_text())
    (kind,) = result["kinds"]
    assert kind["kind"] == "error-spike"
    assert [f["size"] for f in result["faults"]] == [0.8]
    moved = kind["moves"]["target"]["error_rate_5xx"]
    assert moved["fault"] > moved["normal"]
    assert result["ws_missing"] == []
    assert set(result) >= {"kinds", "false_alarms_per_hour", "ws_latency_ms"}
