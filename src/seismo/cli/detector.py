"""``seismo detector``: score every fingerprint window and raise explained alerts.

With ``SEISMO_REDIS_URL`` set it joins that Redis (any number of detectors may run against
one Redis: the consumer group splits the windows); without it, it starts the embedded
engine itself. Stops on SIGINT or SIGTERM after the window in hand.
"""

from __future__ import annotations

import argparse
import logging
import threading
from typing import TYPE_CHECKING, Any

import redis

from seismo.cli.metrics_port import serve_metrics
from seismo.cli.roles import run_role
from seismo.config import Settings
from seismo.engine import Engine
from seismo.engine.connection import Capabilities
from seismo.engine.keys import Keys

if TYPE_CHECKING:
    from seismo.loops.detector import DetectorLoop

log = logging.getLogger("seismo.detector")


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "detector", help="learn normal fingerprints, score each window, publish alerts"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_role(detect)


def detect(settings: Settings, engine: Engine, stop: threading.Event) -> None:
    """Run the detector loop on the engine until ``stop`` is set, with its metrics served
    on ``SEISMO_DETECTOR_METRICS_PORT``."""
    loop = detector_loop(settings, engine.client, engine.keys, engine.capabilities)
    loop.metrics.watch(lambda: loop.model_version, loop.store.normal_count)
    port = settings.detector_metrics_port
    serve_metrics(port, "SEISMO_DETECTOR_METRICS_PORT", loop.metrics.registry)
    loop.run(stop)


def detector_loop(
    settings: Settings, client: redis.Redis, keys: Keys, capabilities: Capabilities
) -> DetectorLoop:
    """The loop, with incident memory (similar incidents, suppression) when vector sets exist.

    The detection modules (scikit-learn) are imported here, not at the top, so that every
    other ``seismo`` command starts without paying for them.
    """
    from seismo.alert.memory import IncidentMemory
    from seismo.loops.detector import DetectorConfig, DetectorLoop

    memory = IncidentMemory(client, keys) if capabilities.vector_sets else None
    if memory is None:
        log.warning("this Redis has no vector sets: similar incidents and suppression are off")
    return DetectorLoop(client, keys, DetectorConfig.from_settings(settings), memory=memory)
