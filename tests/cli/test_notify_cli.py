"""``seismo notify test``: one sample alert to an endpoint or a receiver; the exit code says
whether it was delivered."""

from __future__ import annotations

from pathlib import Path

import pytest

from seismo.cli import main
from seismo.engine.server import free_port
from tests.alert.endpoints import smtp_server
from tests.alert.receivers import recording_server


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"ATTEMPTS": "2", "BACKOFF_SECONDS": "0.01", "TIMEOUT_SECONDS": "1"}.items():
        monkeypatch.setenv(f"SEISMO_NOTIFY_{name}", value)


def test_a_webhook_that_answers_gets_the_sample_and_the_exit_code_is_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with recording_server() as hook:
        assert main(["notify", "test", "webhook", "--url", hook.url, "--secret", "k"]) == 0
    assert "test alert" in hook.received[0].json()["alert"]["summary"]
    assert "webhook (webhook): sent after 1 try" in capsys.readouterr().out


def test_an_endpoint_that_is_down_exits_1_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    assert main(["notify", "test", "slack", "--url", url]) == 1
    assert "dead_letter after 2 tries" in capsys.readouterr().out


def test_email_goes_to_the_smtp_server_given() -> None:
    with smtp_server() as (mailbox, port):
        args = ["--smtp", f"127.0.0.1:{port}", "--to", "ops@example.org", "--security", "none"]
        assert main(["notify", "test", "email", *args]) == 0
    assert mailbox.messages[0]["To"] == "ops@example.org"


def test_a_receiver_of_the_routing_file_is_tried_by_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with recording_server() as pd:
        path = tmp_path / "seismo.toml"
        path.write_text(
            f'[receivers.oncall]\nchannel = "pagerduty"\nrouting_key = "K"\nurl = "{pd.url}"\n'
        )
        monkeypatch.setenv("SEISMO_NOTIFY_ROUTING_FILE", str(path))
        assert main(["notify", "test", "oncall"]) == 0
        assert main(["notify", "test", "nobody"]) == 2
    assert pd.received[0].json()["event_action"] == "trigger"
    assert "no receiver 'nobody'" in capsys.readouterr().err


def test_a_pagerduty_endpoint_without_a_routing_key_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["notify", "test", "pagerduty", "--url", "http://127.0.0.1:9/"]) == 2
    assert "--routing-key" in capsys.readouterr().err
