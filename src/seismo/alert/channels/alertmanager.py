"""Prometheus Alertmanager: ``POST /api/v2/alerts``, so teams keep routing through it.

An Alertmanager alert is identified by its labels, so they are the incident's (alertname,
incident id, scope, target, severity); every notice re-posts the alert, as Prometheus does,
and a resolved one sets ``endsAt``, which ends it there.
"""

from __future__ import annotations

from typing import Any

from seismo.alert.channels.base import ChannelEnv
from seismo.alert.channels.http import HttpChannel, HttpRequest, json_body
from seismo.alert.channels.text import alert_link, iso_time, plain_text, title
from seismo.alert.model import AlertRecord

ALERTNAME = "SeismoAnomaly"


class AlertmanagerChannel(HttpChannel):
    name = "alertmanager"

    def __init__(self, env: ChannelEnv, url: str) -> None:
        super().__init__(env)
        self.url = url.rstrip("/") + "/api/v2/alerts"

    def _request(self, alert: AlertRecord) -> HttpRequest:
        return HttpRequest(self.url, json_body([self.document(alert)]))

    def document(self, alert: AlertRecord) -> dict[str, Any]:
        """One postableAlert: labels, annotations, startsAt, endsAt once resolved."""
        document: dict[str, Any] = {
            "labels": {
                "alertname": ALERTNAME,
                "incident_id": str(alert.get("incident_id")),
                "scope": str(alert.get("scope")),
                "target": str(alert.get("target") or ""),
                "severity": str(alert.get("severity")),
            },
            "annotations": {
                "summary": title(alert),
                "description": plain_text(alert, self.env.dashboard_url),
            },
            "startsAt": iso_time(alert.get("window_start") or alert.get("time")),
            "generatorURL": alert_link(alert, self.env.dashboard_url),
        }
        if alert.get("status") == "resolved":
            document["endsAt"] = iso_time(alert.get("time"))
        return document
