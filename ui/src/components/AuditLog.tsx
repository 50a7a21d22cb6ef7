// The audit log (GET /api/audit): admin actions and refused requests, newest first. Shown to
// admin keys (and to everyone while keys are off); a read key is told it needs admin.

import { useCallback } from "react";

import { api } from "../api";
import { formatTime } from "../format";
import { usePoll } from "../hooks";

export function AuditLog() {
  const load = useCallback(() => api.audit(), []);
  const { data, error } = usePoll(load, 10_000);
  if (data === null && !error) return null;
  return (
    <div className="panel" data-testid="audit-log">
      <h3>
        Audit log <span className="muted">· admin actions and refused requests</span>
      </h3>
      {error && !data && (
        <p className="muted">{error.includes("403") ? "An admin API key shows it." : error}</p>
      )}
      {data && data.items.length === 0 && <p className="muted">Nothing yet.</p>}
      {data && data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>when</th>
              <th>who</th>
              <th>action</th>
              <th>from</th>
              <th>outcome</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((entry) => (
              <tr key={entry.id}>
                <td>{formatTime(entry.time_ms)}</td>
                <td>
                  {entry.who} {entry.scope && <span className="muted">({entry.scope})</span>}
                </td>
                <td>
                  <code>{entry.action}</code> {entry.status > 0 && entry.status}
                </td>
                <td>{entry.address}</td>
                <td>{entry.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
