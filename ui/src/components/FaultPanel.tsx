// Fault injection for the demo: break something on purpose and watch Seismo notice. Hidden
// when the backend offers no /api/faults.

import { type FormEvent, useCallback, useState } from "react";

import { api } from "../api";
import { formatTime } from "../format";
import { usePoll } from "../hooks";

/** The demo's fault kinds (seismo.demo.faults.KINDS), for a backend that does not list them. */
export const DEFAULT_FAULTS = [
  "error-spike",
  "latency-regression",
  "traffic-surge",
  "traffic-drop",
  "new-dependency",
  "slow-degradation",
  "kpi-drop",
];

/** The fault kinds the backend lists (in `kinds`), or the demo's defaults. */
export function faultKinds(state: unknown): string[] {
  const kinds = (state as { kinds?: unknown } | null)?.kinds;
  return Array.isArray(kinds) && kinds.every((k) => typeof k === "string") ? kinds : DEFAULT_FAULTS;
}

/** Active faults (`active: [{kind, service, end_ms}]`) as short strings. */
export function activeFaults(state: unknown): string[] {
  const list = ((state ?? {}) as { active?: unknown }).active;
  if (!Array.isArray(list)) return [];
  return list.map((item) => {
    const fault = (item ?? {}) as Record<string, unknown>;
    const what = [fault.kind, fault.service].filter(Boolean).join(" on ") || JSON.stringify(item);
    return typeof fault.end_ms === "number" ? `${what} until ${formatTime(fault.end_ms)}` : what;
  });
}

export function FaultPanel({ services }: { services: string[] }) {
  const load = useCallback(() => api.faults(), []);
  const { data } = usePoll(load, 5_000);
  const [kind, setKind] = useState("");
  const [service, setService] = useState("");
  const [duration, setDuration] = useState(60);
  const [message, setMessage] = useState<string | null>(null);
  if (data === null) return null;
  const kinds = faultKinds(data);
  const chosen = kind || kinds[0] || "";

  const submit = (event: FormEvent) => {
    event.preventDefault();
    api
      .injectFault({ kind: chosen, service: service || undefined, duration_s: duration })
      .then(() =>
        setMessage(`Injected ${chosen}${service ? ` on ${service}` : ""} for ${duration} s`),
      )
      .catch((reason: unknown) => setMessage(String(reason)));
  };
  const active = activeFaults(data);
  return (
    <div className="panel" data-testid="fault-panel">
      <h3>Inject a fault</h3>
      <form className="toolbar" onSubmit={submit}>
        <select aria-label="Fault" value={chosen} onChange={(e) => setKind(e.target.value)}>
          {kinds.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <select
          aria-label="Fault service"
          value={service}
          onChange={(e) => setService(e.target.value)}
        >
          <option value="">any service</option>
          {services.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <input
          type="number"
          aria-label="Duration (s)"
          min={5}
          max={3600}
          value={duration}
          onChange={(e) => setDuration(Number(e.target.value))}
        />
        <button type="submit">Inject</button>
      </form>
      {message && <p className="muted">{message}</p>}
      {active.length > 0 && (
        <p className="muted" data-testid="active-faults">
          Active: {active.join(", ")}
        </p>
      )}
    </div>
  );
}
