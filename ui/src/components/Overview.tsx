// The first screen: health, training, the three live charts with alerts marked on the time
// axis, and the latest alerts.

import { useCallback, useMemo } from "react";

import { type Alert, api, type Fingerprint } from "../api";
import { formatAgo } from "../format";
import { useNow, usePoll } from "../hooks";
import { alertMarkers, CHARTS, chartColumns } from "../series";
import { Chart } from "./Chart";
import { FaultPanel } from "./FaultPanel";
import { HealthCards } from "./Health";
import { ServiceTable } from "./ServiceTable";

interface Props {
  fingerprints: Fingerprint[];
  alerts: Alert[];
  services: string[];
  onOpenAlerts: () => void;
}

export function Overview({ fingerprints, alerts, services, onOpenAlerts }: Props) {
  const loadHealth = useCallback(() => api.health(), []);
  const health = usePoll(loadHealth, 5_000);
  const now = useNow(5_000);
  const from = (fingerprints[0]?.window_start ?? 0) / 1000;
  const to = (fingerprints.at(-1)?.window_end ?? 0) / 1000;
  const markers = useMemo(() => alertMarkers(alerts, from, to), [alerts, from, to]);
  const columns = useMemo(
    () => CHARTS.map((spec) => chartColumns(fingerprints, spec)),
    [fingerprints],
  );

  return (
    <section className="view">
      <HealthCards
        health={health.data}
        error={health.error}
        latestRate={fingerprints.at(-1)?.features.request_rate ?? null}
      />
      <div className="charts">
        {CHARTS.map((spec, i) => (
          <Chart key={spec.title} spec={spec} columns={columns[i] ?? [[]]} markers={markers} />
        ))}
      </div>
      <div className="split">
        <div className="panel">
          <h3>
            Latest alerts{" "}
            <button type="button" className="link" onClick={onOpenAlerts}>
              all →
            </button>
          </h3>
          {alerts.length === 0 && <div className="empty">Nothing abnormal so far.</div>}
          <ul className="compact">
            {alerts.slice(0, 6).map((alert) => (
              <li key={alert.id}>
                <span className={`dot sev-${alert.severity}`} />
                <button type="button" className="link grow" onClick={onOpenAlerts}>
                  {alert.summary}
                </button>
                <span className="muted nowrap">{formatAgo(alert.time, now)}</span>
              </li>
            ))}
          </ul>
        </div>
        <div className="stack">
          <div className="panel">
            <h3>Services, last window</h3>
            <ServiceTable services={services} latest={fingerprints.at(-1)} />
          </div>
          <FaultPanel services={services} />
        </div>
      </div>
    </section>
  );
}
