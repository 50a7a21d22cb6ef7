"""service-b over real HTTP on a free port: its endpoints, and the faults aimed at it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from seismo.demo.faults import NO_EFFECT, Effect
from seismo.demo.service_b import make_server, serve_in_thread
from tests.conftest import free_port


class Switch:
    """The effect service-b sees, changed by the test."""

    def __init__(self) -> None:
        self.effect = NO_EFFECT

    def __call__(self) -> Effect:
        return self.effect


@pytest.fixture
def switch() -> Switch:
    return Switch()


@pytest.fixture
def service_b(switch: Switch) -> Iterator[httpx.Client]:
    port = free_port()
    server = make_server("127.0.0.1", port, switch)
    thread = serve_in_thread(server)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        yield client
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/health", 200), ("/api/data", 200), ("/api/error", 500), ("/api/v1/users", 200)],
)
def test_each_endpoint_answers_json_with_its_status(
    service_b: httpx.Client, path: str, status: int
) -> None:
    response = service_b.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()


def test_the_root_lists_the_endpoints_and_users_lists_users(service_b: httpx.Client) -> None:
    assert "/api/data" in service_b.get("/").json()["endpoints"]
    users = service_b.get("/api/v1/users").json()
    assert users["count"] == len(users["users"]) > 0


def test_an_unknown_path_is_a_404_naming_it(service_b: httpx.Client) -> None:
    response = service_b.get("/nope")
    assert response.status_code == 404
    assert "/nope" in response.json()["error"]


def test_an_error_spike_makes_data_calls_fail_but_not_health(
    service_b: httpx.Client, switch: Switch
) -> None:
    switch.effect = Effect(error_rate=1.0)
    assert service_b.get("/api/data").status_code == 500
    assert service_b.get("/api/v1/users").status_code == 500
    assert service_b.get("/health").status_code == 200


def test_a_latency_fault_slows_answers_down(service_b: httpx.Client, switch: Switch) -> None:
    switch.effect = Effect(latency_factor=26.0)
    response = service_b.get("/api/data")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.2


def test_a_service_down_hangs_up_without_answering(service_b: httpx.Client, switch: Switch) -> None:
    switch.effect = Effect(down=True)
    with pytest.raises(httpx.RemoteProtocolError):
        service_b.get("/api/data")
    switch.effect = NO_EFFECT
    assert service_b.get("/api/data").status_code == 200
