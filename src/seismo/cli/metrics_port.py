"""The small HTTP port on which a role without a web app serves its Prometheus metrics.

The aggregator, detector and notifier are loops with no HTTP server of their own, so each
serves its registry with ``prometheus_client``'s threaded server on the port of its
``SEISMO_*_METRICS_PORT`` setting (0 turns it off). A busy port is logged and the role runs
on without metrics: losing the scrape must not stop alerting.
"""

from __future__ import annotations

import logging
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server

log = logging.getLogger("seismo.metrics")


def serve_metrics(port: int, setting: str, registry: CollectorRegistry) -> WSGIServer | None:
    """Serve ``registry`` on every address at ``port``; the server, or None when off/busy."""
    if port == 0:
        return None
    try:
        server, _ = start_http_server(port, registry=registry)
    except OSError as exc:
        log.warning("metrics not served: port %d (%s): %s", port, setting, exc)
        return None
    return server
