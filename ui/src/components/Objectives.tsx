// Each service's availability and latency objective: the error budget left over its period
// and how fast the last hours burn it, with a small form to set or remove one.

import { type FormEvent, useCallback, useState } from "react";

import { api } from "../api";
import { formatBudget, type NewObjective } from "../business";
import { formatNumber } from "../format";
import { usePoll } from "../hooks";

const REFRESH_MS = 15_000;
const LATENCY_BOUNDS = [100, 200, 250, 300, 500, 1000];

export function ObjectivesPanel() {
  const [version, setVersion] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new version reloads at once
  const load = useCallback(() => api.objectives(), [version]);
  const { data, error } = usePoll(load, REFRESH_MS);
  return (
    <div className="panel">
      <h3>Objectives</h3>
      {error && <p className="error">{error}</p>}
      {data && data.items.length === 0 && (
        <div className="empty">No objective yet: set one below or in SEISMO_OBJECTIVES_FILE.</div>
      )}
      {data && data.items.length > 0 && (
        <table className="table" data-testid="objectives">
          <thead>
            <tr>
              <th>service</th>
              <th>objective</th>
              <th>achieved</th>
              <th>budget left</th>
              <th>burn rate</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.items.flatMap((item) =>
              item.budgets.map((budget, index) => (
                <tr key={`${item.service}-${budget.kind}`}>
                  <td>{item.service}</td>
                  <td>
                    {budget.kind === "availability"
                      ? `${budget.target} % of requests without 5xx`
                      : `${budget.target} % of windows p95 ≤ ${item.latency_p95_ms} ms`}{" "}
                    <span className="muted">over {item.days} d</span>
                  </td>
                  <td>
                    {budget.achieved === null ? "—" : `${formatNumber(budget.achieved, 3)} %`}
                  </td>
                  <td className={budget.budget_left < 0 ? "over" : ""}>
                    {formatBudget(budget.budget_left)}
                  </td>
                  <td className={budget.burn_rate > 1 ? "over" : ""}>{budget.burn_rate}×</td>
                  <td>
                    {item.source === "ui" && index === 0 && (
                      <button
                        type="button"
                        className="link"
                        onClick={() =>
                          api.removeObjective(item.service).then(() => setVersion((v) => v + 1))
                        }
                      >
                        remove
                      </button>
                    )}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
      <ObjectiveForm services={data?.services ?? []} onSaved={() => setVersion((v) => v + 1)} />
    </div>
  );
}

function ObjectiveForm({ services, onSaved }: { services: string[]; onSaved: () => void }) {
  const [service, setService] = useState("");
  const [availability, setAvailability] = useState("99.9");
  const [latency, setLatency] = useState("300");
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    api
      .setObjective({
        service: service || services[0] || "",
        availability: availability ? Number(availability) : null,
        latency_p95_ms: latency ? (Number(latency) as NewObjective["latency_p95_ms"]) : null,
      })
      .then(onSaved)
      .catch((reason: unknown) => setProblem(String(reason)));
  };
  return (
    <form className="toolbar" onSubmit={submit} data-testid="objective-form">
      <select value={service} onChange={(e) => setService(e.target.value)} aria-label="service">
        {services.map((name) => (
          <option key={name}>{name}</option>
        ))}
      </select>
      <label>
        availability %{" "}
        <input value={availability} onChange={(e) => setAvailability(e.target.value)} size={6} />
      </label>
      <label>
        p95 ≤{" "}
        <select value={latency} onChange={(e) => setLatency(e.target.value)} aria-label="p95">
          <option value="">—</option>
          {LATENCY_BOUNDS.map((ms) => (
            <option key={ms} value={ms}>
              {ms} ms
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Set objective</button>
      {problem && <span className="error">{problem}</span>}
    </form>
  );
}
