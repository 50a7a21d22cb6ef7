// One alert, explained: what moved, from what normal value to what, what it resembles from the
// past, and the two buttons that teach the detector (acknowledge, false alarm).

import { useState } from "react";

import type { Alert, Feedback } from "../api";
import { featureLabel, formatAgo, formatNumber, formatPercent, formatTime } from "../format";
import { Deliveries } from "./Deliveries";

interface Props {
  alert: Alert;
  now: number;
  onFeedback: (alert: Alert, feedback: Feedback) => Promise<void>;
}

const FEEDBACK_LABELS: Record<Feedback, string> = {
  acknowledged: "acknowledged",
  false_alarm: "false alarm",
};

export function AlertCard({ alert, now, onFeedback }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const send = (feedback: Feedback) => {
    setBusy(true);
    setError(null);
    onFeedback(alert, feedback)
      .catch((reason: unknown) => setError(String(reason)))
      .finally(() => setBusy(false));
  };
  return (
    <article className={`alert sev-${alert.severity}`} data-testid="alert" data-alert-id={alert.id}>
      <header>
        <span className={`badge sev-${alert.severity}`}>{alert.severity}</span>
        <span className="alert-target">
          {alert.scope} · <b>{alert.target}</b>
        </span>
        <span className="muted">score {formatNumber(alert.score, 2)}</span>
        <span className={`status status-${alert.status}`}>{alert.status}</span>
        {alert.feedback && (
          <span className={`badge fb-${alert.feedback}`} data-testid="feedback">
            {FEEDBACK_LABELS[alert.feedback]}
          </span>
        )}
        <time className="muted" title={new Date(alert.time).toISOString()}>
          {formatTime(alert.time)} · {formatAgo(alert.time, now)}
        </time>
      </header>
      <p className="alert-summary">{alert.summary}</p>
      {alert.suppressed_by && <p className="suppressed">suppressed: {alert.suppressed_by}</p>}
      {alert.business_impact && <p className="impact">Business impact: {alert.business_impact}</p>}
      {alert.cost && (
        <p className="impact" data-testid="alert-cost">
          Estimated cost: {alert.cost.text}
        </p>
      )}
      <Explanation alert={alert} />
      {alert.remediation.length > 0 && (
        <ul className="remediation">
          {alert.remediation.map((hint) => (
            <li key={hint}>{hint}</li>
          ))}
        </ul>
      )}
      <Similar alert={alert} />
      <Deliveries alertId={alert.id} />
      <footer>
        <button
          type="button"
          disabled={busy || alert.feedback === "acknowledged"}
          onClick={() => send("acknowledged")}
        >
          Acknowledge
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy || alert.feedback === "false_alarm"}
          onClick={() => send("false_alarm")}
        >
          False alarm
        </button>
        {error && <span className="error">{error}</span>}
      </footer>
    </article>
  );
}

function Explanation({ alert }: { alert: Alert }) {
  if (alert.explanation.length === 0) return null;
  return (
    <table className="explanation">
      <thead>
        <tr>
          <th>feature</th>
          <th>normal</th>
          <th>now</th>
          <th>deviation</th>
        </tr>
      </thead>
      <tbody>
        {alert.explanation.map((row) => (
          <tr key={row.feature}>
            <td>{featureLabel(row.feature)}</td>
            <td>{formatNumber(row.normal, 2)}</td>
            <td className={row.current > row.normal ? "up" : "down"}>
              {formatNumber(row.current, 2)}
            </td>
            <td>{formatNumber(row.deviation, 1)}σ</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Similar({ alert }: { alert: Alert }) {
  const similar = alert.similar ?? [];
  if (similar.length === 0) return null;
  return (
    <div className="similar">
      <span className="muted">Similar past incidents:</span>
      {similar.map((item) => (
        <span key={item.incident_id} className={`chip ${item.outcome ? `fb-${item.outcome}` : ""}`}>
          {item.incident_id} · {formatPercent(item.similarity)}
          {item.outcome && ` · ${item.outcome.replaceAll("_", " ")}`}
        </span>
      ))}
    </div>
  );
}
