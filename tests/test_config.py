"""Settings: read once from SEISMO_* variables, bad values named, every variable documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from seismo.config import ConfigError, Settings, load_settings

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
