// The dashboard shell: a top bar with the live connection's state and four views, chosen by
// the URL hash so that a view can be bookmarked and survives a reload.

import { useEffect, useMemo, useRef, useState } from "react";

import { Anomalies } from "./components/Anomalies";
import { Business } from "./components/Business";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Incidents } from "./components/Incidents";
import { Overview } from "./components/Overview";
import { RedisView } from "./components/RedisView";
import { Services } from "./components/Services";
import { useLive } from "./hooks";
import { servicesSeen } from "./model";

export const VIEWS = [
  "overview",
  "anomalies",
  "services",
  "business",
  "incidents",
  "redis",
] as const;
export type View = (typeof VIEWS)[number];

export function viewFromHash(hash: string): View {
  const name = hash.replace(/^#\/?/, "");
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : "overview";
}

function useView(): [View, (view: View) => void] {
  const [view, setView] = useState(() => viewFromHash(window.location.hash));
  useEffect(() => {
    const follow = () => setView(viewFromHash(window.location.hash));
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);
  return [view, (next: View) => (window.location.hash = `/${next}`)];
}

const LABELS: Partial<Record<View, string>> = { redis: "Redis", business: "KPIs" };

const STATUS_TEXT = { live: "live", connecting: "connecting…", offline: "reconnecting…" };

export function App() {
  const [view, go] = useView();
  const { state, status, error, sendFeedback, refreshAlerts } = useLive();
  // The feed's alerts were loaded with the page; costs estimated since (by the incident
  // report) are fetched each time the feed is shown again. The view the page opened on is
  // not "shown again": the history load has just fetched the same alerts.
  const previous = useRef(view);
  useEffect(() => {
    if (view === "anomalies" && previous.current !== "anomalies") refreshAlerts();
    previous.current = view;
  }, [view, refreshAlerts]);
  const services = useMemo(() => servicesSeen(state.fingerprints), [state.fingerprints]);
  const open = state.alerts.filter(
    (alert) => alert.status !== "resolved" && !alert.feedback,
  ).length;

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} /> Seismo
        </div>
        <nav>
          {VIEWS.map((name) => (
            <a
              key={name}
              href={`#/${name}`}
              className={name === view ? "active" : ""}
              aria-current={name === view ? "page" : undefined}
            >
              {LABELS[name] ?? name[0]?.toUpperCase() + name.slice(1)}
              {name === "anomalies" && open > 0 && <span className="count">{open}</span>}
            </a>
          ))}
        </nav>
        <span className={`conn conn-${status}`} data-testid="connection">
          <i /> {STATUS_TEXT[status]}
        </span>
      </header>
      {error && <div className="banner">Could not load history: {error}</div>}
      <main>
        <ErrorBoundary resetKey={view}>
          {view === "overview" && (
            <Overview
              fingerprints={state.fingerprints}
              alerts={state.alerts}
              services={services}
              onOpenAlerts={() => go("anomalies")}
            />
          )}
          {view === "anomalies" && (
            <Anomalies alerts={state.alerts} services={services} onFeedback={sendFeedback} />
          )}
          {view === "services" && (
            <Services fingerprints={state.fingerprints} alerts={state.alerts} services={services} />
          )}
          {view === "business" && <Business />}
          {view === "incidents" && <Incidents />}
          {view === "redis" && <RedisView />}
        </ErrorBoundary>
      </main>
    </div>
  );
}
