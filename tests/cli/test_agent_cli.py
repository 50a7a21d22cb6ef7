"""``seismo agent``: set-up mistakes are one line naming what to fix, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from seismo.cli import main


def test_tailing_an_nginx_log_without_a_service_says_which_option_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agent", "tail", "--format", "nginx", str(tmp_path / "access.log")]) == 2
    assert "--service" in capsys.readouterr().err


def test_a_scrape_config_with_a_wrong_key_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "scrape.toml"
    config.write_text('[[targets]]\nurl = "http://127.0.0.1:1/metrics"\nservce = "x"\n')
    assert main(["agent", "scrape", "--config", str(config)]) == 2
    error = capsys.readouterr().err
    assert "unknown field `servce`" in error
    assert str(config) in error
