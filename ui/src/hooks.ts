// React glue: the live state (REST snapshot + WebSocket pushes) and periodic polling.

import { useCallback, useEffect, useReducer, useRef, useState } from "react";

import { type Alert, api, type Feedback } from "./api";
import { type ConnectionStatus, connectLive } from "./live";
import {
  applyFeedback,
  emptyState,
  type LiveMessage,
  type LiveState,
  type Mark,
  mergeAlerts,
  mergeFingerprints,
  reduceMessage,
  resumeSince,
  toAlert,
  toFingerprint,
} from "./model";

type Action =
  | { kind: "message"; message: LiveMessage }
  | { kind: "snapshot"; state: LiveState }
  | { kind: "feedback"; mark: Mark };

function reducer(state: LiveState, action: Action): LiveState {
  switch (action.kind) {
    case "message":
      return reduceMessage(state, action.message);
    case "snapshot":
      return {
        fingerprints: mergeFingerprints(state.fingerprints, action.state.fingerprints),
        alerts: mergeAlerts(state.alerts, action.state.alerts),
      };
    case "feedback":
      return { ...state, alerts: applyFeedback(state.alerts, action.mark) };
  }
}

export interface Live {
  state: LiveState;
  status: ConnectionStatus;
  error: string | null;
  sendFeedback: (alert: Alert, feedback: Feedback) => Promise<void>;
  /** Load the recent alerts again: what the server added to them since (a cost the
   * incident report estimated, a mark) reaches alerts already on the page. */
  refreshAlerts: () => void;
}

/** The newest alerts of the history, as the REST API enriches them (marks, costs). */
async function recentAlerts(): Promise<Alert[]> {
  const page = await api.anomalies({ limit: 200 });
  return page.items.flatMap((raw) => toAlert(raw) ?? []);
}

/** The history from the REST API, then every push from /ws, resuming after each reconnect. */
export function useLive(): Live {
  const [state, dispatch] = useReducer(reducer, emptyState);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(state);
  latest.current = state;

  useEffect(() => {
    let active = true;
    // Set while the history is loaded or loading; a failed load is retried on the next connect.
    let history = false;
    const load = () => {
      history = true;
      Promise.all([api.fingerprints({ limit: 360 }), recentAlerts()])
        .then(([fps, alerts]) => {
          if (!active) return;
          const fingerprints = fps.items.flatMap((raw) => toFingerprint(raw) ?? []);
          dispatch({ kind: "snapshot", state: { fingerprints, alerts } });
          setError(null);
        })
        .catch((reason: unknown) => {
          history = false;
          if (active) setError(String(reason));
        });
    };
    load();
    // Connected at once: what the history misses, the socket's `since` replay brings.
    const stop = connectLive({
      onMessage: (message) => dispatch({ kind: "message", message }),
      onStatus: (next) => {
        setStatus(next);
        if (next === "live" && !history) load();
      },
      since: () => resumeSince(latest.current, Date.now()),
    });
    return () => {
      active = false;
      stop();
    };
  }, []);

  const sendFeedback = useCallback(async (alert: Alert, feedback: Feedback) => {
    await api.feedback(alert.id, feedback === "acknowledged" ? "ack" : "false-alarm");
    dispatch({ kind: "feedback", mark: { id: alert.id, incidentId: alert.incident_id, feedback } });
  }, []);

  const refreshAlerts = useCallback(() => {
    recentAlerts()
      .then((alerts) => dispatch({ kind: "snapshot", state: { fingerprints: [], alerts } }))
      .catch((reason: unknown) => setError(String(reason)));
  }, []);

  return { state, status, error, sendFeedback, refreshAlerts };
}

export interface Polled<T> {
  data: T | null;
  error: string | null;
}

/** `load()` now and every `intervalMs` while mounted; the last good answer stays shown. */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number): Polled<T> {
  const [polled, setPolled] = useState<Polled<T>>({ data: null, error: null });
  useEffect(() => {
    let active = true;
    const tick = () =>
      load()
        .then((data) => active && setPolled({ data, error: null }))
        .catch(
          (reason: unknown) => active && setPolled((old) => ({ ...old, error: String(reason) })),
        );
    void tick();
    const timer = setInterval(tick, intervalMs);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [load, intervalMs]);
  return polled;
}

/** The current time, refreshed every `intervalMs`, for "x s ago" labels. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
