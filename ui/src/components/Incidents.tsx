// The incident report: the figures an on-call lead reads every week (incidents per day and
// per service, MTTA and MTTR, false alarms, noisiest origins, what incidents cost) over a
// chosen period, then one row per incident.

import { useCallback, useState } from "react";

import { api } from "../api";
import { formatSpan, type IncidentReport } from "../business";
import { formatNumber, formatTime } from "../format";
import { usePoll } from "../hooks";

const PERIODS = { "24 h": 86_400_000, "7 days": 7 * 86_400_000, "30 days": 30 * 86_400_000 };
type Period = keyof typeof PERIODS;
const REFRESH_MS = 15_000;

export function Incidents() {
  const [period, setPeriod] = useState<Period>("7 days");
  const load = useCallback(() => api.incidents({ since: Date.now() - PERIODS[period] }), [period]);
  const { data, error } = usePoll(load, REFRESH_MS);
  return (
    <section className="view">
      <div className="toolbar">
        {(Object.keys(PERIODS) as Period[]).map((name) => (
          <button
            key={name}
            type="button"
            className={name === period ? "" : "secondary"}
            onClick={() => setPeriod(name)}
          >
            {name}
          </button>
        ))}
      </div>
      {error && <p className="error">{error}</p>}
      {!data && !error && <p className="muted">Loading…</p>}
      {data && <Figures report={data} />}
      {data && <Rows report={data} />}
    </section>
  );
}

function Card({
  label,
  value,
  note,
  id,
}: {
  label: string;
  value: string;
  note?: string;
  id: string;
}) {
  return (
    <div className="card" data-testid={id}>
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
      {note && <div className="card-note">{note}</div>}
    </div>
  );
}

function Figures({ report }: { report: IncidentReport }) {
  const f = report.figures;
  const share = f.false_alarm_share === null ? "—" : `${Math.round(f.false_alarm_share * 100)} %`;
  return (
    <>
      <div className="cards">
        <Card id="fig-incidents" label="Incidents" value={String(f.incidents)} />
        <Card
          id="fig-mtta"
          label="MTTA (mean · p90)"
          value={`${formatSpan(f.mtta.mean_s)} · ${formatSpan(f.mtta.p90_s)}`}
          note={`${f.mtta.count} acknowledged`}
        />
        <Card
          id="fig-mttr"
          label="MTTR (mean · p90)"
          value={`${formatSpan(f.mttr.mean_s)} · ${formatSpan(f.mttr.p90_s)}`}
          note={`${f.mttr.count} resolved`}
        />
        <Card id="fig-false" label="False alarms" value={share} note={`${f.false_alarms} marked`} />
      </div>
      <div className="split">
        <div className="panel">
          <h3>Per day</h3>
          <Bars counts={f.per_day} />
          <h3>Estimated cost</h3>
          {f.cost.length === 0 && <div className="empty">No incident measurably moved a KPI.</div>}
          <ul className="compact" data-testid="cost-totals">
            {f.cost.map((c) => (
              <li key={`${c.metric}-${c.unit}-${c.direction}`}>
                {c.metric} {c.direction} normal: about {formatNumber(Math.abs(c.impact), 0)}{" "}
                {c.unit} over {c.incidents} incident{c.incidents === 1 ? "" : "s"}
              </li>
            ))}
          </ul>
        </div>
        <div className="panel">
          <h3>Per service</h3>
          <Bars counts={f.per_service} />
          <h3>Noisiest origins</h3>
          <ul className="compact">
            {f.noisiest_origins.map((o) => (
              <li key={o.origin}>
                <span className="grow mono">{o.origin}</span> {o.incidents}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </>
  );
}

function Bars({ counts }: { counts: Record<string, number> }) {
  const largest = Math.max(1, ...Object.values(counts));
  if (Object.keys(counts).length === 0) return <div className="empty">—</div>;
  return (
    <div className="bars">
      {Object.entries(counts).map(([name, n]) => (
        <div key={name} className="bar">
          <span className="mono bar-name">{name}</span>
          <div className="bar-track">
            <div style={{ width: `${(100 * n) / largest}%` }} />
          </div>
          <span>{n}</span>
        </div>
      ))}
    </div>
  );
}

function Rows({ report }: { report: IncidentReport }) {
  if (report.items.length === 0)
    return <div className="panel empty">No incident in this period.</div>;
  return (
    <div className="panel">
      <h3>Incidents</h3>
      <table className="table" data-testid="incident-table">
        <thead>
          <tr>
            <th>opened</th>
            <th>origin</th>
            <th>severity</th>
            <th>impacted</th>
            <th>acknowledged</th>
            <th>resolved</th>
            <th>duration</th>
            <th>false alarm</th>
            <th className="wide">cost</th>
          </tr>
        </thead>
        <tbody>
          {report.items.map((row) => (
            <tr key={row.id} data-testid="incident-row" data-incident-id={row.id}>
              <td className="nowrap">{formatTime(row.opened)}</td>
              <td className="mono">{row.origin}</td>
              <td>
                <span className={`badge sev-${row.severity}`}>{row.severity}</span>
              </td>
              <td>{row.impacted.join(", ") || "—"}</td>
              <td data-testid="acknowledged">
                {row.acknowledged_at === null
                  ? "—"
                  : `after ${formatSpan(row.time_to_acknowledge_s)}${row.acknowledged_by ? ` by ${row.acknowledged_by}` : ""}`}
              </td>
              <td className="nowrap">
                {row.resolved === null ? "open" : formatTime(row.resolved)}
              </td>
              <td className="nowrap" data-testid="duration">
                {formatSpan(row.duration_s)}
              </td>
              <td>{row.false_alarm ? "yes" : "no"}</td>
              <td className={row.cost ? "impact" : "muted"} data-testid="cost">
                {row.cost ? row.cost.text : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
