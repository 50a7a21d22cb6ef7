"""Every registered channel, run through the same checks against a real loopback receiver."""

from __future__ import annotations

import asyncio

import pytest

from seismo.alert.channels import CHANNELS, ChannelEnv, RetryPolicy
from seismo.alert.channels.base import Delivery
from seismo.alert.routing import CHANNEL_NAMES
from seismo.engine.server import free_port
from tests.alert.alerts import sample_alert
from tests.alert.endpoints import Endpoint, endpoint

FAST = RetryPolicy(timeout_s=1.0, attempts=3, backoff_s=0.01, backoff_cap_s=0.05)
ENV = ChannelEnv(FAST, "http://dash.example:8080", "default-secret")


def send(point: Endpoint, alert: dict[str, object]) -> Delivery:
    async def go() -> Delivery:
        channel = point.build(ENV)
        try:
            return await channel.send(alert)
        finally:
            await channel.close()

    return asyncio.run(go())


@pytest.fixture(params=sorted(CHANNELS))
def point(request: pytest.FixtureRequest) -> object:
    with endpoint(request.param) as found:
        yield found


def test_the_routing_file_knows_every_registered_channel() -> None:
    assert set(CHANNELS) == CHANNEL_NAMES


def test_an_open_alert_is_delivered_once_and_names_its_summary(point: Endpoint) -> None:
    delivery = send(point, sample_alert())
    assert (delivery.outcome, delivery.attempts, delivery.channel) == ("sent", 1, point.channel)
    assert point.delivered() == 1
    assert "p99 latency 12x normal" in point.texts()[0]


def test_a_temporary_failure_is_retried_until_delivered(point: Endpoint) -> None:
    point.fail_next(2)
    delivery = send(point, sample_alert())
    assert (delivery.outcome, delivery.attempts) == ("sent", 3)


def test_failures_past_the_last_try_end_in_a_dead_letter(point: Endpoint) -> None:
    point.fail_next(3)
    delivery = send(point, sample_alert())
    assert (delivery.outcome, delivery.attempts) == ("dead_letter", 3)
    assert delivery.error


def test_a_receiver_that_is_down_ends_in_a_dead_letter(point: Endpoint) -> None:
    port = free_port()
    if "url" in point.options:
        point.options["url"] = f"http://127.0.0.1:{port}/x"
    else:
        point.options["port"] = port
    delivery = send(point, sample_alert())
    assert (delivery.outcome, delivery.attempts) == ("dead_letter", 3)
    assert delivery.error


def test_a_notice_that_is_not_an_alert_status_is_refused(point: Endpoint) -> None:
    with pytest.raises(ValueError, match="status"):
        send(point, sample_alert(status="opened"))
