// Every service's last window in one table: traffic, errors, latency; a click selects one.

import type { Fingerprint } from "../api";
import { formatNumber, formatPercent } from "../format";

interface Props {
  services: string[];
  latest: Fingerprint | undefined;
  selected?: string | null;
  onSelect?: (name: string) => void;
}

export function ServiceTable({ services, latest, selected, onSelect }: Props) {
  if (services.length === 0) return <div className="empty">No service has reported yet.</div>;
  return (
    <table className="table" data-testid="services-table">
      <thead>
        <tr>
          <th>service</th>
          <th>req/s</th>
          <th>4xx</th>
          <th>5xx</th>
          <th>p95 ms</th>
        </tr>
      </thead>
      <tbody>
        {services.map((name) => {
          const f = latest?.services[name] ?? {};
          const hot = (f.error_rate_5xx ?? 0) >= 0.05;
          return (
            <tr
              key={name}
              className={`${onSelect ? "clickable" : ""} ${name === selected ? "selected" : ""}`}
              onClick={() => onSelect?.(name)}
            >
              <td>{name}</td>
              <td>{formatNumber(f.request_rate)}</td>
              <td>{formatPercent(f.error_rate_4xx)}</td>
              <td className={hot ? "hot" : ""}>{formatPercent(f.error_rate_5xx)}</td>
              <td>{formatNumber(f.latency_p95)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
