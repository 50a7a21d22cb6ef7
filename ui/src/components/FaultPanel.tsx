// Fault injection for the demo: break something on purpose and watch Seismo notice. Hidden
// when the backend offers no /api/faults.

import { type FormEvent, useCallback, useState } from "react";

import { api, type Faults } from "../api";
import { formatTime } from "../format";
import { usePoll } from "../hooks";

/** Active faults as short strings: what hits which service, and until when. */
export function activeFaults(faults: Faults): string[] {
  return faults.active.map(
    (fault) => `${fault.kind} on ${fault.service} until ${formatTime(fault.end_ms)}`,
  );
}

export function FaultPanel({ services }: { services: string[] }) {
  const load = useCallback(() => api.faults(), []);
  const { data } = usePoll(load, 5_000);
  const [kind, setKind] = useState("");
  const [service, setService] = useState("");
  const [duration, setDuration] = useState(60);
  const [message, setMessage] = useState<string | null>(null);
  if (data === null) return null;
  const kinds = data.kinds;
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
