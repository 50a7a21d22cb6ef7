"""The demo's running parts: the traffic loop (with service-a) and service-b, as role processes.

Thin loops around the pure pieces: each second the traffic loop reads the active faults,
asks ``TrafficModel`` for the last second's traffic and sends it to the collector as one
``POST /api/batch`` (a ``batch_id`` per tick, so a retried batch counts once); every two
seconds service-a calls service-b through the collector's ``/forward``, which records that
call. service-b reads the faults aimed at it from the same store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import redis

from seismo.config import Settings
from seismo.demo import fault_store
from seismo.demo.faults import NO_EFFECT, Effect, effect_on
from seismo.demo.service_b import SERVICE as SERVICE_B
from seismo.demo.service_b import EffectSource, make_server, serve_in_thread
from seismo.demo.traffic import TrafficModel
from seismo.engine.keys import Keys

TICK_S = 1.0
SERVICE_A_EVERY_S = 2.0
BATCH_LIMIT = 2000
SERVICE_A_PATHS = ("/api/data", "/api/v1/users", "/api/data", "/health")
HTTP_TIMEOUT_S = 5.0
Log = Callable[[str], None]


def local_url(host: str, port: int) -> str:
    """The URL a process on this machine uses to reach a server listening on ``host``."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"


def send_items(http: httpx.Client, items: list[dict[str, object]], batch_id: str) -> int:
    """Post ``items`` in batches of at most ``BATCH_LIMIT``; answers how many were accepted."""
    accepted = 0
    for start in range(0, len(items), BATCH_LIMIT):
        chunk = items[start : start + BATCH_LIMIT]
        body = {"batch_id": f"{batch_id}-{start // BATCH_LIMIT}", "metrics": chunk}
        response = http.post("/api/batch", json=body)
        response.raise_for_status()
        accepted += int(response.json().get("accepted", 0))
    return accepted


def service_a_path(beat: int) -> str:
    """What service-a asks service-b for on its ``beat``-th call (service-b's ``/api/error``
    is there to try by hand; service-b fails on its own only under an injected fault)."""
    return SERVICE_A_PATHS[beat % len(SERVICE_A_PATHS)]


def call_service_b(http: httpx.Client, path: str) -> int:
    """One service-a -> service-b call through the collector's recording proxy."""
    response = http.get(f"/forward/{SERVICE_B}{path}", headers={"X-Seismo-Caller": "service-a"})
    return response.status_code


def run_traffic(
    settings: Settings,
    client: redis.Redis,
    keys: Keys,
    stop: threading.Event,
    log: Log = print,
    clock: Callable[[], float] = time.time,
) -> None:
    """Send one tick of simulated traffic per second, and service-a's calls, until ``stop``."""
    model = TrafficModel(settings.demo_seed, settings.demo_rate, settings.demo_period_seconds)
    base = local_url(settings.collector_host, settings.collector_port)
    failing = False
    key = settings.api_key.get_secret_value()
    headers = {"Authorization": f"Bearer {key}"} if key else None
    with httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S, headers=headers) as http:
        beat = 0
        while not stop.wait(TICK_S - clock() % TICK_S):
            tick_ms = fault_store.now_ms(clock) - int(TICK_S * 1000)
            try:
                faults = fault_store.active(client, keys, tick_ms)
                items = model.tick(tick_ms, TICK_S, faults).items
                send_items(http, items, f"demo-{settings.demo_seed}-{tick_ms}")
                if beat % int(SERVICE_A_EVERY_S / TICK_S) == 0:
                    call_service_b(http, service_a_path(beat))
            except (httpx.HTTPError, redis.RedisError) as exc:
                if not failing:
                    log(f"traffic: cannot deliver ({exc}); retrying every second")
                failing = True
                continue
            if failing:
                log("traffic: delivering again")
            failing = False
            beat += 1


def redis_effects(
    client: redis.Redis, keys: Keys, service: str, clock: Callable[[], float] = time.time
) -> EffectSource:
    """The current effect on ``service`` read from the fault store (none if Redis is away)."""

    def effect() -> Effect:
        now = fault_store.now_ms(clock)
        try:
            return effect_on(fault_store.active(client, keys, now), service, now)
        except redis.RedisError:
            return NO_EFFECT

    return effect


def run_service_b(
    settings: Settings, client: redis.Redis, keys: Keys, stop: threading.Event
) -> None:
    """Serve service-b on ``SEISMO_DEMO_SERVICE_PORT`` until ``stop``."""
    server = make_server(
        "127.0.0.1", settings.demo_service_port, redis_effects(client, keys, SERVICE_B)
    )
    serve_in_thread(server)
    try:
        stop.wait()
    finally:
        server.shutdown()
        server.server_close()


def demo_redis_url(settings: Settings) -> str:
    """The Redis the demo uses: ``SEISMO_REDIS_URL``, else where the embedded one listens."""
    return settings.redis_url or f"redis://{settings.redis_host}:{settings.redis_port}/0"
