// The strip at the top of the overview: is the system up, is Redis there, is it learning.

import type { Health } from "../api";
import { formatDuration, formatNumber } from "../format";

interface Props {
  health: Health | null;
  error: string | null;
  latestRate: number | null;
}

export function HealthCards({ health, error, latestRate }: Props) {
  if (!health) {
    return <div className="cards">{error ? <div className="card bad">Backend unreachable: {error}</div> : <div className="card muted">Loading health…</div>}</div>;
  }
  const ok = health.status === "ok" && health.redis.connected;
  return (
    <div className="cards" data-testid="health">
      <Card label="Status" value={health.status} tone={ok ? "good" : "bad"} note={`up ${formatDuration(health.uptime_s)}`} />
      <Card label="Redis" value={health.redis.connected ? `v${health.redis.version}` : "down"} tone={health.redis.connected ? "good" : "bad"} note={health.redis.url_host} />
      <Card label="Request rate" value={formatNumber(latestRate)} note="req/s, last window" />
      <Card label="Anomalies" value={String(health.anomaly_count)} tone={health.anomaly_count > 0 ? "warn" : undefined} note="in history" />
      <Training training={health.training} />
    </div>
  );
}

function Card({ label, value, note, tone }: { label: string; value: string; note?: string; tone?: "good" | "bad" | "warn" }) {
  return (
    <div className={`card ${tone ?? ""}`}>
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
      {note && <div className="card-note">{note}</div>}
    </div>
  );
}

/** Training progress: windows learned out of those needed before the detector scores. */
export function Training({ training }: { training: Health["training"] }) {
  const share = training.needed > 0 ? Math.min(1, training.trained / training.needed) : 1;
  const done = share >= 1 && training.status !== "training";
  return (
    <div className={`card ${done ? "good" : "warn"}`} data-testid="training">
      <div className="card-label">Detector</div>
      <div className="card-value">{done ? "scoring" : `learning ${Math.round(share * 100)}%`}</div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={training.needed} aria-valuenow={training.trained}>
        <div style={{ width: `${share * 100}%` }} />
      </div>
      <div className="card-note">
        {training.trained} / {training.needed} windows · {training.status}
      </div>
    </div>
  );
}
