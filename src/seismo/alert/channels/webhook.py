"""Generic signed webhook: the notice as JSON, signed so a receiver can trust and dedupe it.

Headers: ``X-Seismo-Timestamp`` (unix seconds), ``X-Seismo-Signature`` =
``sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`` (a receiver recomputes it and
rejects an old timestamp, so a captured request cannot be replayed), and
``X-Seismo-Delivery`` (alert id and notice: the same on every retry, so a receiver can drop
a repeat).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from seismo.alert.channels.base import ChannelEnv
from seismo.alert.channels.http import HttpChannel, HttpRequest, json_body
from seismo.alert.model import AlertRecord

TIMESTAMP_HEADER = "X-Seismo-Timestamp"
SIGNATURE_HEADER = "X-Seismo-Signature"
DELIVERY_HEADER = "X-Seismo-Delivery"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``<timestamp>.<body>``: what a receiver compares."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class WebhookChannel(HttpChannel):
    name = "webhook"

    def __init__(
        self,
        env: ChannelEnv,
        url: str,
        secret: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(env)
        self.url = url
        self.secret = env.webhook_secret if secret is None else secret
        self.clock = clock

    def _handles(self, action: str) -> bool:
        return True

    def _request(self, alert: AlertRecord) -> HttpRequest:
        body = json_body({"event": alert.get("status"), "alert": dict(alert)})
        timestamp = str(int(self.clock()))
        headers = {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
            DELIVERY_HEADER: f"{alert.get('id')}:{alert.get('status')}",
        }
        return HttpRequest(self.url, body, headers)
