// Where an alert went: the deliveries of its incident (sent to Slack 12:01:03, PagerDuty
// triggered 12:01:04, acknowledged 12:03:10), read when the operator opens the list.

import { useState } from "react";

import { api, type Delivery } from "../api";
import { formatTime } from "../format";

const PAGERDUTY_WORDS: Record<string, string> = {
  open: "triggered",
  update: "triggered",
  acknowledged: "acknowledged",
  resolved: "resolved",
};

/** One delivery as a short sentence. */
export function deliveryLine(d: Delivery): string {
  const when = d.time === null ? "" : ` ${formatTime(d.time)}`;
  if (d.outcome === "silenced") return `silenced (${d.silence_id ?? ""})${when}`;
  if (d.outcome === "stopped") return `${d.receiver}: ${d.reason} stopped (${d.detail})${when}`;
  const what =
    d.channel === "pagerduty" && d.outcome === "sent"
      ? `PagerDuty ${d.receiver} ${PAGERDUTY_WORDS[d.action] ?? d.action}`
      : `${d.action} ${d.outcome === "sent" ? "sent to" : `${d.outcome} for`} ${d.receiver} (${d.channel})`;
  const tries = d.attempts && d.attempts > 1 ? `, ${d.attempts} tries` : "";
  const error = d.error ? `: ${d.error}` : "";
  return `${what}${when}${tries}${d.reason !== "route" ? ` · ${d.reason}` : ""}${error}`;
}

export function Deliveries({ alertId }: { alertId: string }) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    api
      .deliveries(alertId)
      .then((found) => setItems(found.items))
      .catch((reason: unknown) => setError(String(reason)));
  };
  return (
    <details
      className="deliveries"
      data-testid="deliveries"
      onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && load()}
    >
      <summary>Deliveries</summary>
      {error && <p className="error">{error}</p>}
      {items?.length === 0 && <p className="muted">Not delivered to any channel.</p>}
      <ul>
        {(items ?? []).map((d) => (
          <li
            key={`${d.receiver}-${d.time}-${d.action}-${d.reason}`}
            className={`out-${d.outcome}`}
          >
            {deliveryLine(d)}
          </li>
        ))}
      </ul>
    </details>
  );
}
