"""The Dockerfile: multi-stage (UI built by Node), hash-pinned install from the lock, a
non-root user, and a HEALTHCHECK (``seismo health``) that really tells a healthy role from
a dead one; and the settings the image's secrets set."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from seismo.cli.health import HEALTH_ROUTES, first_process_role
from seismo.config import DEFAULTS, load_settings
from tests.conftest import free_port
from tests.deploy.conftest import ROOT, RunningRoles
from tests.deploy.manifests import dockerfile_instructions

LOCK = ROOT / "requirements.lock"
IMAGE_LOCK = ROOT / "requirements.image.lock"


def instructions(word: str) -> list[str]:
    return [rest for w, rest in dockerfile_instructions() if w == word]


def pins(path: Path) -> dict[str, str]:
    """package -> its ``==version`` line and hashes, as written in a uv lock."""
    entries = re.findall(
        r"^([A-Za-z0-9_.-]+==\S+)((?: \\\n\s+--hash=\S+)+)", path.read_text(), re.M
    )
    found = {}
    for pin, hashes in entries:
        found[pin.split("==")[0].lower()] = pin + " " + " ".join(sorted(hashes.split()))
    return found


def test_stages_node_for_the_ui_then_slim_python() -> None:
    stages = instructions("FROM")
    assert len(stages) == 3
    args = dict(a.split("=", 1) for a in instructions("ARG"))
    assert args["NODE_IMAGE"].startswith("node:")
    assert "-slim" in args["PYTHON_IMAGE"]
    assert any("npm ci" in r for r in instructions("RUN"))
    assert any("--from=ui" in c and "dashboard/static" in c for c in instructions("COPY"))


def test_python_packages_install_with_hashes_from_the_image_lock() -> None:
    installs = [r for r in instructions("RUN") if "pip install" in r and " -r " in r]
    assert installs == [
        "/opt/seismo/bin/pip install --require-hashes --no-deps -r /build/requirements.image.lock"
    ]


def test_the_image_lock_pins_exactly_what_requirements_lock_pins() -> None:
    image, full = pins(IMAGE_LOCK), pins(LOCK)
    assert {"redis", "starlette", "granian", "prometheus-client", "hatchling"} <= set(image)
    assert not {"playwright", "mypy", "ruff", "django"} & set(image), "the image has dev tools"
    for package, pin in image.items():
        assert full.get(package) == pin, f"{package}: image lock differs from requirements.lock"


def test_runs_as_a_non_root_user_with_seismo_as_entrypoint() -> None:
    (user,) = instructions("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert json.loads(instructions("ENTRYPOINT")[0]) == ["seismo"]
    assert json.loads(instructions("CMD")[-1])[0] in HEALTH_ROUTES
    exposed = {int(p) for p in instructions("EXPOSE")[0].split()}
    assert exposed == {getattr(DEFAULTS, r.setting) for r in HEALTH_ROUTES.values()}


def test_the_healthcheck_is_seismo_health() -> None:
    (check,) = instructions("HEALTHCHECK")
    assert check.endswith('CMD ["seismo", "health"]')


def seismo_health(roles: RunningRoles, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seismo", "health", *args],
        env=roles.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
@pytest.mark.parametrize("role", sorted(HEALTH_ROUTES))
def test_seismo_health_passes_for_each_running_role(roles: RunningRoles, role: str) -> None:
    done = seismo_health(roles, role)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"seismo {role}: healthy")


@pytest.mark.slow
def test_seismo_health_fails_in_one_line_when_nothing_answers(roles: RunningRoles) -> None:
    env = {**roles.env, "SEISMO_DETECTOR_METRICS_PORT": str(free_port())}
    done = seismo_health(RunningRoles(roles.settings, env), "detector")
    assert done.returncode == 1
    assert done.stdout.startswith("seismo detector: unhealthy: http://127.0.0.1:")
    assert len(done.stdout.strip().splitlines()) == 1


def test_the_role_comes_from_the_first_process_command_line() -> None:
    cmdline = b"/opt/seismo/bin/python\0/opt/seismo/bin/seismo\0collector\0"
    assert first_process_role(cmdline) == "collector"
    assert first_process_role(b"/opt/seismo/bin/python\0/opt/seismo/bin/seismo\0demo\0") is None
    assert first_process_role(b"redis-server\0*:6379\0") is None


def test_a_secret_file_sets_a_setting_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SEISMO_REDIS_URL", "SEISMO_NOTIFY_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "seismo_redis_url").write_text("redis://:s3cret@redis:6379/0")
    (tmp_path / "seismo_notify_webhook_secret").write_text("from-file")
    monkeypatch.setenv("SEISMO_NOTIFY_WEBHOOK_SECRET", "from-env")
    settings = load_settings(tmp_path)
    assert settings.redis_url == "redis://:s3cret@redis:6379/0"
    assert settings.notify_webhook_secret == "from-env"
    assert load_settings(tmp_path / "absent").redis_url is None
