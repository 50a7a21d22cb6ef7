// The strip at the top of the overview: is the system up, is Redis there, is it learning.

import type { Health, Training as TrainingState } from "../api";
import { formatDuration, formatNumber } from "../format";

interface Props {
  health: Health | null;
  error: string | null;
  latestRate: number | null;
}

export function HealthCards({ health, error, latestRate }: Props) {
  if (!health) {
    return (
      <div className="cards">
        {error ? (
          <div className="card bad">Backend unreachable: {error}</div>
        ) : (
          <div className="card muted">Loading health…</div>
        )}
      </div>
    );
  }
  const tone =
    health.status === "ok" && health.redis.connected
      ? "good"
      : health.redis.connected
        ? "warn"
        : "bad";
  const notes = [...(health.notes ?? []), ...(health.error ? [health.error] : [])];
  return (
    <>
      <div className="cards" data-testid="health">
        <Card
          label="Status"
          value={health.status}
          tone={tone}
          note={`up ${formatDuration(health.uptime_s)}`}
        />
        <Card
          label="Redis"
          value={health.redis.connected ? `v${health.redis.version ?? "?"}` : "down"}
          tone={health.redis.connected ? "good" : "bad"}
          note={health.redis.url_host}
        />
        <Card label="Request rate" value={formatNumber(latestRate)} note="req/s, last window" />
        <Card
          label="Anomalies"
          value={formatNumber(health.anomaly_count)}
          tone={health.anomaly_count ? "warn" : undefined}
          note="in history"
        />
        <Training training={health.training} />
      </div>
      {notes.length > 0 && (
        <ul className="notes">
          {notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </>
  );
}

function Card({
  label,
  value,
  note,
  tone,
}: {
  label: string;
  value: string;
  note?: string;
  tone?: "good" | "bad" | "warn";
}) {
  return (
    <div className={`card ${tone ?? ""}`}>
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
      {note && <div className="card-note">{note}</div>}
    </div>
  );
}

/** Share of the training windows learned, 0..1; 1 when nothing more is needed. */
export function trainingShare(training: TrainingState): number {
  const needed = training.needed ?? 0;
  return needed > 0 ? Math.min(1, (training.trained ?? 0) / needed) : 1;
}

/** Training progress: windows learned out of those needed before the detector scores. */
export function Training({ training }: { training: TrainingState | null }) {
  if (!training) {
    return (
      <Card label="Detector" value="waiting" tone="warn" note="no detector has reported yet" />
    );
  }
  const share = trainingShare(training);
  const learning = training.status === "training" || share < 1;
  return (
    <div className={`card ${learning ? "warn" : "good"}`} data-testid="training">
      <div className="card-label">Detector</div>
      <div className="card-value">
        {learning ? `learning ${Math.round(share * 100)}%` : "scoring"}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={training.needed ?? 0}
        aria-valuenow={training.trained ?? 0}
      >
        <div style={{ width: `${share * 100}%` }} />
      </div>
      <div className="card-note">
        {training.trained ?? 0} / {training.needed ?? "?"} windows
        {training.status ? ` · ${training.status}` : ""}
      </div>
    </div>
  );
}
