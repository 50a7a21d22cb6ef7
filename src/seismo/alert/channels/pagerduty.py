"""PagerDuty Events API v2: trigger on open (and update), acknowledge, resolve.

The ``dedup_key`` is the incident id, so every alert of one incident is one PagerDuty
incident: an update re-triggers it (PagerDuty folds it in), an acknowledgement in the
dashboard acknowledges it, a resolved alert resolves it.
"""

from __future__ import annotations

from typing import Any

from seismo.alert.channels.base import ChannelEnv
from seismo.alert.channels.http import HttpChannel, HttpRequest, json_body
from seismo.alert.channels.text import alert_link, explanation_rows, iso_time, title
from seismo.alert.model import AlertRecord

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
EVENT_ACTIONS = {
    "open": "trigger",
    "update": "trigger",
    "acknowledged": "acknowledge",
    "resolved": "resolve",
}
SUMMARY_LIMIT = 1024
"""The Events API's cap on ``payload.summary``."""


class PagerDutyChannel(HttpChannel):
    name = "pagerduty"

    def __init__(self, env: ChannelEnv, routing_key: str, url: str = EVENTS_URL) -> None:
        super().__init__(env)
        self.routing_key = routing_key
        self.url = url

    def _handles(self, action: str) -> bool:
        return True

    def _request(self, alert: AlertRecord) -> HttpRequest:
        return HttpRequest(self.url, json_body(self.event(alert)))

    def event(self, alert: AlertRecord) -> dict[str, Any]:
        """The Events v2 document; acknowledge and resolve carry only the key and action."""
        action = EVENT_ACTIONS[str(alert.get("status"))]
        event: dict[str, Any] = {
            "routing_key": self.routing_key,
            "event_action": action,
            "dedup_key": str(alert.get("incident_id")),
        }
        if action != "trigger":
            return event
        event["payload"] = {
            "summary": title(alert)[:SUMMARY_LIMIT],
            "source": "seismo",
            "severity": str(alert.get("severity")),
            "timestamp": iso_time(alert.get("time")),
            "component": str(alert.get("target") or alert.get("scope")),
            "group": str(alert.get("scope")),
            "class": "anomaly",
            "custom_details": _details(alert),
        }
        event["client"] = "Seismo"
        event["client_url"] = alert_link(alert, self.env.dashboard_url)
        event["links"] = [{"href": event["client_url"], "text": "Alert in Seismo"}]
        return event


def _details(alert: AlertRecord) -> dict[str, Any]:
    return {
        "alert_id": alert.get("id"),
        "score": alert.get("score"),
        "scope": alert.get("scope"),
        "target": alert.get("target"),
        "business_impact": alert.get("business_impact"),
        "impacted": list(alert.get("impacted") or []),
        "explanation": [
            {"feature": f, "normal": n, "current": c, "deviation": d}
            for f, n, c, d in explanation_rows(alert)
        ],
        "remediation": list(alert.get("remediation") or []),
    }
