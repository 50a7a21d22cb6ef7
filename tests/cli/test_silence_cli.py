"""``seismo silence``: add, list and expire silences from the command line."""

from __future__ import annotations

import pytest
import redis

from seismo.cli import main
from seismo.engine.keys import Keys


@pytest.fixture(autouse=True)
def this_redis(redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs = redis_client.connection_pool.connection_kwargs
    monkeypatch.setenv("SEISMO_REDIS_URL", f"redis://{kwargs['host']}:{kwargs['port']}/0")


def test_a_silence_is_added_listed_and_expired(
    redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--target", "checkout*", "--severity", "critical", "--for", "2h", "--comment", "d"]
    assert main(["silence", "add", *args, "--by", "ana"]) == 0
    (silence_id,) = [k.decode() for k in redis_client.hkeys(Keys().silences)]
    assert main(["silence", "list"]) == 0
    listed = capsys.readouterr().out
    assert silence_id in listed and "active" in listed and "checkout*" in listed
    assert main(["silence", "expire", silence_id]) == 0
    assert main(["silence", "list"]) == 0
    assert f"{silence_id}  ended" in capsys.readouterr().out


def test_a_silence_without_matchers_or_with_a_bad_duration_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["silence", "add", "--for", "1h"]) == 2
    assert "matchers" in capsys.readouterr().err
    assert main(["silence", "add", "--target", "x", "--for", "soon"]) == 2
    assert "duration" in capsys.readouterr().err
    assert main(["silence", "expire", "nope"]) == 1
