// What Seismo keeps in Redis: each probabilistic structure and stream, its size and memory,
// and a peek at its contents. Memory bars make the biggest consumer obvious at a glance.

import { useCallback } from "react";

import { api } from "../api";
import { formatBytes, formatNumber } from "../format";
import { usePoll } from "../hooks";
import { AuditLog } from "./AuditLog";

function sample(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text && text.length > 160 ? `${text.slice(0, 160)}…` : (text ?? "");
}

export function RedisView() {
  const load = useCallback(() => api.redisData(), []);
  const { data, error } = usePoll(load, 10_000);
  if (!data)
    return (
      <section className="view">
        {error ? <p className="error">{error}</p> : <p className="muted">Loading…</p>}
      </section>
    );
  const rows = [
    ...data.structures.map((s) => ({
      key: s.key,
      type: s.type,
      size: s.size,
      memory: s.memory_bytes,
      sample: s.sample,
    })),
    ...data.streams.map((s) => ({
      key: s.key,
      type: "stream",
      size: s.length,
      memory: s.memory_bytes,
      sample: s.last_entries.at(-1),
    })),
  ];
  const total = rows.reduce((sum, row) => sum + (row.memory || 0), 0);
  const largest = Math.max(1, ...rows.map((row) => row.memory || 0));
  return (
    <section className="view">
      <div className="panel">
        <h3>
          Structures and streams <span className="muted">· {formatBytes(total)} in all</span>
        </h3>
        <table className="table" data-testid="redis-table">
          <thead>
            <tr>
              <th>key</th>
              <th>type</th>
              <th>items</th>
              <th className="wide">memory</th>
              <th>sample</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <td className="mono">{row.key}</td>
                <td>{row.type}</td>
                <td>{formatNumber(row.size, 1)}</td>
                <td>
                  <div className="bar">
                    <div className="bar-track">
                      <div style={{ width: `${(100 * (row.memory || 0)) / largest}%` }} />
                    </div>
                    <span>{formatBytes(row.memory)}</span>
                  </div>
                </td>
                <td className="mono sample">{sample(row.sample)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {error && <p className="error">Last refresh failed: {error}</p>}
      </div>
      <AuditLog />
    </section>
  );
}
