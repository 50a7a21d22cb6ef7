"""TLS: both web roles serve HTTPS with SEISMO_TLS_CERT/KEY; Redis is reached over
``rediss://``, its certificate checked against SEISMO_REDIS_CA_CERT. Every certificate is
made here by ``trustme`` (a throwaway CA)."""

from __future__ import annotations

import contextlib
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import trustme

from seismo.config import ConfigError, Settings, load_settings
from seismo.engine import prepare
from seismo.engine.connection import RedisNotReady, connect, wait_until_ready
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port
from tests.access.tls_proxy import tls_in_front


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def pem(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CA's certificate, and a server certificate and key for 127.0.0.1, as files."""
    folder = tmp_path_factory.mktemp("tls")
    server = ca.issue_cert("127.0.0.1", "localhost")
    files = {"ca": folder / "ca.pem", "cert": folder / "cert.pem", "key": folder / "key.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    server.private_key_pem.write_to_path(str(files["key"]))
    for blob in server.cert_chain_pems:
        blob.write_to_path(str(files["cert"]), append=True)
    return files


@pytest.fixture
def tls_redis(
    ca: trustme.CA, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> Iterator[int]:
    """The port of TLS in front of the test Redis."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with tls_in_front(context, ("127.0.0.1", redis_server.port)) as port:
        yield port


def healthy(url: str, process: subprocess.Popen[str], ca: Path) -> httpx.Response:
    """The first answer of ``url`` (trusting ``ca``) once the role serves; 30 s at most."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(url, verify=ssl.create_default_context(cafile=ca), timeout=1)
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer (exit code {process.poll()})")


@pytest.mark.parametrize("role", ["collector", "dashboard"])
def test_a_web_role_serves_https_with_the_given_certificate(
    role: str, pem: dict[str, Path], redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SEISMO_REDIS_URL": redis_server.url,
        f"SEISMO_{role.upper()}_PORT": str(port),
        f"SEISMO_{role.upper()}_HOST": "127.0.0.1",
        "SEISMO_COLLECTOR_WORKERS": "1",
        "SEISMO_TLS_CERT": str(pem["cert"]),
        "SEISMO_TLS_KEY": str(pem["key"]),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "seismo", role], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        answer = healthy(f"https://127.0.0.1:{port}/health", process, pem["ca"])
        assert answer.status_code == 200
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"https://127.0.0.1:{port}/health")  # not signed by a known CA
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"http://127.0.0.1:{port}/health")  # plain HTTP is not served
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    assert f"seismo {role}: https://127.0.0.1:{port}" in out
    assert "API keys OFF" in out


def test_redis_over_tls_with_the_ca_setting_prepares_and_serves(
    tls_redis: int, pem: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEISMO_REDIS_URL", f"rediss://127.0.0.1:{tls_redis}/0")
    monkeypatch.setenv("SEISMO_REDIS_CA_CERT", str(pem["ca"]))
    settings = load_settings()
    assert settings.redis_url is not None and "ssl_ca_certs=" in settings.redis_url
    client = connect(settings.redis_url)
    try:
        prepare(client, Keys(), wait_s=5)
        assert client.set("over-tls", "yes") and client.get("over-tls") == b"yes"
        assert client.connection_pool.connection_class.__name__ == "SSLConnection"
    finally:
        client.close()


def test_redis_over_tls_without_the_ca_is_refused_saying_so(tls_redis: int) -> None:
    client = connect(f"rediss://127.0.0.1:{tls_redis}/0")
    with pytest.raises(RedisNotReady, match="SEISMO_REDIS_CA_CERT"):
        wait_until_ready(client, timeout_s=0.5)
    client.close()


def test_tls_settings_are_checked_at_start(pem: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="rediss://"):
        Settings(redis_url="redis://127.0.0.1:6379/0", redis_ca_cert=pem["ca"])
    with pytest.raises(ValueError, match="SEISMO_TLS_KEY"):
        Settings(tls_cert=pem["cert"])
    with pytest.raises(ValueError, match="no such file"):
        Settings(tls_cert=pem["cert"], tls_key=pem["cert"].parent / "missing.pem")


def test_a_bad_tls_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEISMO_TLS_CERT", "/nonexistent/cert.pem")
    with pytest.raises(ConfigError, match=r"SEISMO_TLS_CERT: .*no such file"):
        load_settings()
