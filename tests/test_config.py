"""Settings: read once from SEISMO_* variables, bad values named, every variable documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from seismo.alert.decide import AlertPolicy
from seismo.alert.rule import AlarmRule
from seismo.config import DEFAULTS, ConfigError, Settings, load_settings
from seismo.detect.fingerprint_model import IsolationForestDetector
from seismo.detect.metric import MetricDetector
from seismo.engine.keys import Keys
from seismo.loops.detector import DetectorConfig, DetectorLoop

README = Path(__file__).resolve().parents[1] / "README.md"


def test_variables_are_read_with_their_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEISMO_WINDOW_SECONDS", "1")
    monkeypatch.setenv("SEISMO_FORWARD_TARGETS", '{"svc": "http://127.0.0.1:1"}')
    settings = load_settings()
    assert settings.window_seconds == 1
    assert settings.forward_targets == {"svc": "http://127.0.0.1:1"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("SEISMO_WINDOW_SECONDS", "0"), ("SEISMO_REDIS_PORT", "http"), ("SEISMO_NAMESPACE", "a b")],
)
def test_a_bad_value_is_an_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_every_setting_is_described_and_in_the_readme_table() -> None:
    readme = README.read_text()
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no description"
        assert f"`SEISMO_{name.upper()}`" in readme, f"SEISMO_{name.upper()} is not in README"


def test_the_per_metric_detector_is_chosen_by_its_registered_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = redis.Redis()  # not connected: building the loop sends nothing
    default = DetectorLoop(client, Keys(), DetectorConfig.from_settings(load_settings()))
    assert isinstance(default.new_metric_detector(), MetricDetector)

    monkeypatch.setenv("SEISMO_METRIC_DETECTOR", "isolation_forest")
    config = DetectorConfig.from_settings(load_settings())
    assert isinstance(
        DetectorLoop(client, Keys(), config).new_metric_detector(), IsolationForestDetector
    )


def test_an_unknown_detector_is_a_one_line_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEISMO_METRIC_DETECTOR", "nope")
    with pytest.raises(ConfigError, match=r"^SEISMO_METRIC_DETECTOR: .*'nope'.*metric"):
        DetectorConfig.from_settings(load_settings())


def test_defaults_are_written_once_in_the_settings() -> None:
    assert AlarmRule().threshold == Settings.model_fields["alert_threshold"].default
    assert AlertPolicy().resolve_after == DEFAULTS.resolve_windows == 3
    from_defaults = DetectorConfig.from_settings(DEFAULTS)  # the fleet's is derived: not compared
    assert DetectorConfig(fleet=from_defaults.fleet) == from_defaults


def test_an_incident_resolves_after_quiet_wall_time_whatever_the_window() -> None:
    assert Settings(window_seconds=1, resolve_seconds=15).resolve_windows == 15
    assert Settings(window_seconds=5, resolve_seconds=15).resolve_windows == 3
    assert Settings(window_seconds=60, resolve_seconds=15).resolve_windows == 1
