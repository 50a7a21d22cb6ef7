// The anomaly feed: live alerts, or a full-text search over the whole history (and the logs)
// with filters by severity and service.

import { type FormEvent, useEffect, useState } from "react";

import { type Alert, api, type Feedback, type LogEvent, type Severity } from "../api";
import { formatTime } from "../format";
import { useNow } from "../hooks";
import { toAlert } from "../model";
import { AlertCard } from "./AlertCard";
import { Silences } from "./Silences";

interface Props {
  alerts: Alert[];
  services: string[];
  onFeedback: (alert: Alert, feedback: Feedback) => Promise<void>;
}

interface Search {
  q: string;
  severity: Severity | "";
  service: string;
}

interface Results {
  alerts: Alert[];
  logs: LogEvent[] | null;
}

const NO_SEARCH: Search = { q: "", severity: "", service: "" };

function isActive(search: Search): boolean {
  return search.q !== "" || search.severity !== "" || search.service !== "";
}

async function runSearch(search: Search): Promise<Results> {
  const query = {
    q: search.q.trim(),
    severity: search.severity,
    service: search.service,
    limit: 100,
  };
  const [alerts, logs] = await Promise.all([
    api.anomalies(query),
    search.q.trim()
      ? api.logs({ q: search.q.trim(), service: search.service, limit: 50 }).catch(() => null)
      : null,
  ]);
  return { alerts: alerts.items.flatMap((raw) => toAlert(raw) ?? []), logs: logs?.items ?? null };
}

export function Anomalies({ alerts, services, onFeedback }: Props) {
  const now = useNow(5000);
  const [draft, setDraft] = useState<Search>(NO_SEARCH);
  const [search, setSearch] = useState<Search>(NO_SEARCH);
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!isActive(search)) return setResults(null);
    let current = true;
    runSearch(search)
      .then((found) => {
        if (!current) return;
        setResults(found);
        setError(null);
      })
      .catch((reason: unknown) => current && setError(String(reason)));
    return () => {
      current = false;
    };
  }, [search]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ ...draft, q: draft.q.trim() });
  };
  const feedback = async (alert: Alert, kind: Feedback) => {
    await onFeedback(alert, kind);
    setResults(
      (old) =>
        old && {
          ...old,
          alerts: old.alerts.map((a) => (a.id === alert.id ? { ...a, feedback: kind } : a)),
        },
    );
  };
  const shown = results ? results.alerts : alerts;

  return (
    <section className="view">
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is too new for the browsers we support */}
      <form className="toolbar" role="search" onSubmit={submit}>
        <input
          type="search"
          placeholder='Search alerts and logs ("checkout 5xx", "timeout")'
          aria-label="Search"
          value={draft.q}
          onChange={(e) => setDraft({ ...draft, q: e.target.value })}
        />
        <select
          aria-label="Severity"
          value={draft.severity}
          onChange={(e) => setDraft({ ...draft, severity: e.target.value as Search["severity"] })}
        >
          <option value="">any severity</option>
          <option value="critical">critical</option>
          <option value="warning">warning</option>
          <option value="info">info</option>
        </select>
        <select
          aria-label="Service"
          value={draft.service}
          onChange={(e) => setDraft({ ...draft, service: e.target.value })}
        >
          <option value="">any service</option>
          {services.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
        <button type="submit">Search</button>
        {results && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(NO_SEARCH);
              setSearch(NO_SEARCH);
            }}
          >
            Back to live feed
          </button>
        )}
      </form>
      {error && <p className="error">{error}</p>}
      <p className="muted" data-testid="feed-caption">
        {results
          ? `${results.alerts.length} alert(s) match`
          : `Live feed · ${alerts.length} alert(s)`}
      </p>
      {shown.length === 0 && (
        <div className="empty">
          {results
            ? "No alert matches."
            : "No anomalies yet. Alerts appear here the moment the detector raises them."}
        </div>
      )}
      <div className="feed">
        {shown.map((alert) => (
          <AlertCard key={alert.id} alert={alert} now={now} onFeedback={feedback} />
        ))}
      </div>
      {results?.logs && <Logs logs={results.logs} />}
      <Silences />
    </section>
  );
}

function Logs({ logs }: { logs: LogEvent[] }) {
  return (
    <div className="panel">
      <h3>Matching log events ({logs.length})</h3>
      <table className="table">
        <tbody>
          {logs.map((log, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no id; the list is replaced whole
            <tr key={`${log.trace_id ?? ""}-${i}`}>
              <td className="muted nowrap">
                {log.timestamp === null ? "" : formatTime(log.timestamp)}
              </td>
              <td className={`level level-${log.level.toLowerCase()}`}>{log.level}</td>
              <td>{log.service}</td>
              <td>{log.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
