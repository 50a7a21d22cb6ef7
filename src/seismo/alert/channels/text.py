"""The words every channel uses for an alert: a title, its facts, its explanation, a link.

Written once so that Slack, e-mail, PagerDuty and Alertmanager say the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from seismo.alert.model import AlertRecord

HEADINGS = {
    "open": "New",
    "update": "Update",
    "resolved": "Resolved",
    "acknowledged": "Acknowledged",
}


def title(alert: AlertRecord) -> str:
    """``[CRITICAL] New: <summary>``; a summary that already opens with its heading (the
    detector's resolves say "Resolved: ...") is not headed twice."""
    heading = HEADINGS.get(str(alert.get("status")), str(alert.get("status")))
    summary = str(alert.get("summary"))
    if not summary.startswith(f"{heading}: "):
        summary = f"{heading}: {summary}"
    return f"[{str(alert.get('severity')).upper()}] {summary}"


def origin(alert: AlertRecord) -> str:
    """Where the finding is: ``service checkout`` or ``system``."""
    scope, target = str(alert.get("scope")), str(alert.get("target") or "")
    return scope if scope == "system" or not target else f"{scope} {target}"


def iso_time(epoch_ms: object) -> str:
    """An epoch-ms time as RFC 3339 UTC (``2026-01-02T03:04:05.678Z``)."""
    when = datetime.fromtimestamp(int(str(epoch_ms or 0)) / 1000, UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def alert_link(alert: AlertRecord, dashboard_url: str) -> str:
    """The alert in the dashboard."""
    return f"{dashboard_url.rstrip('/')}/#/anomalies?alert={alert.get('id')}"


def facts(alert: AlertRecord) -> list[tuple[str, str]]:
    """The alert's facts as (name, value) lines, in the order every channel shows them."""
    lines = [
        ("Severity", str(alert.get("severity"))),
        ("Origin", origin(alert)),
        ("Score", f"{float(alert.get('score') or 0):.2f}"),
        ("Incident", str(alert.get("incident_id"))),
        ("Time", iso_time(alert.get("time"))),
    ]
    if alert.get("business_impact"):
        lines.append(("Business impact", str(alert["business_impact"])))
    impacted = alert.get("impacted") or []
    if impacted:
        lines.append(("Impacted", ", ".join(map(str, impacted))))
    return lines


def explanation_rows(alert: AlertRecord, limit: int = 8) -> list[tuple[str, str, str, str]]:
    """(feature, normal, current, deviation) of the moved features, largest first."""
    rows = []
    for item in list(alert.get("explanation") or [])[:limit]:
        rows.append(
            (
                str(item.get("feature")),
                f"{float(item.get('normal', 0)):.4g}",
                f"{float(item.get('current', 0)):.4g}",
                f"{float(item.get('deviation', 0)):+.1f}",
            )
        )
    return rows


def plain_text(alert: AlertRecord, dashboard_url: str) -> str:
    """The alert as plain text: title, facts, explanation table, remediation, link."""
    out = [title(alert), ""]
    out += [f"{name}: {value}" for name, value in facts(alert)]
    rows = explanation_rows(alert)
    if rows:
        out += ["", "What moved (feature, normal, now, deviation):"]
        out += [f"  {f:<32} {n:>10} {c:>10} {d:>7}" for f, n, c, d in rows]
    hints = list(alert.get("remediation") or [])
    if hints:
        out += ["", "Try:"] + [f"  - {hint}" for hint in hints]
    out += ["", f"In the dashboard: {alert_link(alert, dashboard_url)}"]
    return "\n".join(out)
