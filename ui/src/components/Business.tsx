// The KPIs view: every business and custom metric over the last hour with its expected
// range, learned normal band and alerts, the cost of the incidents that moved it; a metric's
// own page lists its alerts. Below, each service's availability and latency objective.

import { useCallback, useState } from "react";

import { api } from "../api";
import type { Kpi } from "../business";
import { formatTime } from "../format";
import { usePoll } from "../hooks";
import { KpiChart } from "./KpiChart";
import { ObjectivesPanel } from "./Objectives";

const REFRESH_MS = 10_000;

export function Business() {
  const load = useCallback(() => api.kpis(), []);
  const { data, error } = usePoll(load, REFRESH_MS);
  const [selected, setSelected] = useState<string | null>(null);
  const kpi = data?.items.find((item) => item.name === selected);
  return (
    <section className="view">
      {error && <p className="error">{error}</p>}
      {!data && !error && <p className="muted">Loading…</p>}
      {data && data.items.length === 0 && (
        <div className="panel empty">No business or custom metric in the last hour.</div>
      )}
      {kpi ? (
        <KpiPage kpi={kpi} onBack={() => setSelected(null)} />
      ) : (
        <div className="charts">
          {data?.items.map((item) => (
            <div key={item.name} className="kpi">
              <KpiChart kpi={item} />
              <Costs kpi={item} />
              <button type="button" className="link" onClick={() => setSelected(item.name)}>
                {item.name}: {item.alerts.length} alert{item.alerts.length === 1 ? "" : "s"} →
              </button>
            </div>
          ))}
        </div>
      )}
      <ObjectivesPanel />
    </section>
  );
}

function Costs({ kpi }: { kpi: Kpi }) {
  if (kpi.costs.length === 0) return null;
  return (
    <ul className="costs" data-testid={`costs-${kpi.name}`}>
      {kpi.costs.map((cost) => (
        <li key={cost.incident_id} className="impact">
          {formatTime(cost.opened)}: {cost.text}
        </li>
      ))}
    </ul>
  );
}

function KpiPage({ kpi, onBack }: { kpi: Kpi; onBack: () => void }) {
  return (
    <div className="stack" data-testid="kpi-page">
      <button type="button" className="link" onClick={onBack}>
        ← all KPIs
      </button>
      <KpiChart kpi={kpi} height={280} />
      <Costs kpi={kpi} />
      <div className="panel">
        <h3>Alerts on {kpi.name}</h3>
        {kpi.alerts.length === 0 && <div className="empty">No alert in this period.</div>}
        <table className="table" data-testid="kpi-alerts">
          <tbody>
            {kpi.alerts.map((alert) => (
              <tr key={alert.id}>
                <td className="nowrap">{formatTime(alert.time)}</td>
                <td>
                  <span className={`badge sev-${alert.severity}`}>{alert.severity}</span>
                </td>
                <td>{alert.status}</td>
                <td>{alert.summary}</td>
                <td className="mono muted">{alert.incident_id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
