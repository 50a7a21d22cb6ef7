"""``seismo notifier`` refuses a bad routing file at start, in one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from seismo.cli.notifier import routing_of
from seismo.config import ConfigError, Settings
from tests.cli.test_startup_errors import assert_one_line_failure, run_seismo


def redis_env(client: redis.Redis) -> dict[str, str]:
    kwargs = client.connection_pool.connection_kwargs
    return {"SEISMO_REDIS_URL": f"redis://{kwargs['host']}:{kwargs['port']}/0"}


def test_a_route_naming_an_unknown_receiver_stops_the_notifier_naming_it(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    path = tmp_path / "seismo.toml"
    path.write_text(
        '[receivers.team]\nchannel = "slack"\nurl = "http://127.0.0.1:9/x"\n\n'
        '[[routes]]\nreceivers = ["team"]\n[[routes.escalation]]\nafter = "5m"\n'
        'receivers = ["oncall"]\n'
    )
    env = {**redis_env(redis_client), "SEISMO_NOTIFY_ROUTING_FILE": str(path)}
    done = run_seismo("notifier", env=env)
    assert_one_line_failure(
        done, "SEISMO_NOTIFY_ROUTING_FILE", "routes[0].escalation[0].receivers", "'oncall'"
    )


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "seismo.toml"
    path.write_text('[receivers.team]\nchannel = "slack"\nurl = http://x\n')
    with pytest.raises(ConfigError, match=r"^SEISMO_NOTIFY_ROUTING_FILE: .*line 3"):
        routing_of(Settings(notify_routing_file=path))


def test_a_missing_routing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope.toml: No such file"):
        routing_of(Settings(notify_routing_file=tmp_path / "nope.toml"))


def test_no_routing_file_means_no_receivers() -> None:
    assert routing_of(Settings(notify_routing_file=None)).receivers == {}
