// The live state of the dashboard and the pure rules that fold new data into it. REST pages
// and WebSocket pushes overlap (a reconnect asks for everything since a time), so every merge
// is idempotent: the same item twice changes nothing.

import type { Alert, FeatureMap, Feedback, Fingerprint } from "./api";

/** Fingerprints kept for the charts: at 5 s windows, an hour of history. */
export const MAX_FINGERPRINTS = 720;
/** Alerts kept in the live feed. */
export const MAX_ALERTS = 500;

export interface LiveState {
  /** Oldest first, unique by id. */
  fingerprints: Fingerprint[];
  /** Newest first, unique by id. */
  alerts: Alert[];
}

export const emptyState: LiveState = { fingerprints: [], alerts: [] };

export type LiveMessage =
  | { type: "fingerprint"; data: unknown }
  | { type: "alert"; data: unknown }
  | { type: "feedback"; data: unknown };

/** A fingerprint as the REST API gives it, or as its raw stream entry (names + data). */
export function toFingerprint(raw: unknown): Fingerprint | null {
  if (typeof raw !== "object" || raw === null) return null;
  const entry = raw as Record<string, unknown>;
  const windowStart = Number(entry.window_start);
  if (!Number.isFinite(windowStart)) return null;
  return {
    id: String(entry.id ?? windowStart),
    window_start: windowStart,
    window_end: Number(entry.window_end ?? windowStart),
    features: toFeatures(entry),
    services: parsed(entry.services, {}) as Fingerprint["services"],
    metrics: parsed(entry.metrics, {}) as Fingerprint["metrics"],
    late_events: Number(entry.late_events ?? 0),
  };
}

function toFeatures(entry: Record<string, unknown>): FeatureMap {
  if (entry.features && typeof entry.features === "object") return entry.features as FeatureMap;
  const names = parsed(entry.names, []) as string[];
  const values = parsed(entry.data, []) as number[];
  return Object.fromEntries(names.map((name, i) => [name, Number(values[i])]));
}

/** Stream entries carry nested values as JSON text; the REST API as objects. */
function parsed(value: unknown, fallback: unknown): unknown {
  if (typeof value !== "string") return value ?? fallback;
  try {
    return JSON.parse(value);
  } catch {
    return fallback;
  }
}

export function mergeFingerprints(current: Fingerprint[], incoming: Fingerprint[]): Fingerprint[] {
  if (incoming.length === 0) return current;
  const byId = new Map(current.map((fp) => [fp.id, fp]));
  for (const fp of incoming) byId.set(fp.id, fp);
  const merged = [...byId.values()].sort((a, b) => a.window_start - b.window_start);
  return merged.slice(-MAX_FINGERPRINTS);
}

/** New alerts replace older versions of themselves but keep feedback already given. */
export function mergeAlerts(current: Alert[], incoming: Alert[]): Alert[] {
  if (incoming.length === 0) return current;
  const byId = new Map(current.map((alert) => [alert.id, alert]));
  for (const alert of incoming) {
    const known = byId.get(alert.id);
    byId.set(alert.id, {
      ...alert,
      feedback: alert.feedback ?? known?.feedback ?? null,
      cost: alert.cost ?? known?.cost ?? null,
    });
  }
  const merged = [...byId.values()].sort((a, b) => b.time - a.time);
  return merged.slice(0, MAX_ALERTS);
}

/** A mark names an alert and its incident: every alert of that incident shows the mark. */
export interface Mark {
  id: string;
  incidentId?: string;
  feedback: Feedback;
}

export function applyFeedback(alerts: Alert[], mark: Mark): Alert[] {
  const marked = (alert: Alert) =>
    alert.id === mark.id ||
    (mark.incidentId !== undefined && alert.incident_id === mark.incidentId);
  return alerts.map((alert) => (marked(alert) ? { ...alert, feedback: mark.feedback } : alert));
}

const SEVERITIES = new Set(["info", "warning", "critical"]);

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/**
 * An alert with every list present, or null when it has no id or severity: a producer that
 * leaves out an optional part must not break the page that shows it.
 */
export function toAlert(raw: unknown): Alert | null {
  if (typeof raw !== "object" || raw === null) return null;
  const alert = raw as Record<string, unknown>;
  if (typeof alert.id !== "string" || !SEVERITIES.has(String(alert.severity))) return null;
  return {
    ...(alert as unknown as Alert),
    summary: String(alert.summary ?? ""),
    explanation: list(alert.explanation),
    remediation: list(alert.remediation),
    similar: list(alert.similar),
  };
}

/** The mark in a feedback event (`{alert_id, incident_id, feedback}`), or null. */
export function toMark(raw: unknown): Mark | null {
  if (typeof raw !== "object" || raw === null) return null;
  const entry = raw as Record<string, unknown>;
  const id = entry.alert_id ?? entry.id;
  const feedback = entry.feedback;
  if (typeof id !== "string") return null;
  if (feedback !== "acknowledged" && feedback !== "false_alarm") return null;
  const incidentId = typeof entry.incident_id === "string" ? entry.incident_id : undefined;
  return { id, incidentId, feedback };
}

/** Fold one WebSocket message into the state; unknown or malformed messages change nothing. */
export function reduceMessage(state: LiveState, message: LiveMessage): LiveState {
  if (message.type === "fingerprint") {
    const fp = toFingerprint(message.data);
    return fp ? { ...state, fingerprints: mergeFingerprints(state.fingerprints, [fp]) } : state;
  }
  if (message.type === "alert") {
    const alert = toAlert(message.data);
    return alert ? { ...state, alerts: mergeAlerts(state.alerts, [alert]) } : state;
  }
  if (message.type === "feedback") {
    const alert = toAlert(message.data);
    if (alert?.feedback) return { ...state, alerts: mergeAlerts(state.alerts, [alert]) };
    const mark = toMark(message.data);
    return mark ? { ...state, alerts: applyFeedback(state.alerts, mark) } : state;
  }
  return state;
}

/** The time to ask the WebSocket to resume from: the newest thing already held, or `now`. */
export function resumeSince(state: LiveState, now: number): number {
  const lastWindow = state.fingerprints.at(-1)?.window_end ?? 0;
  const lastAlert = state.alerts[0]?.time ?? 0;
  const newest = Math.max(lastWindow, lastAlert);
  return newest > 0 ? newest : now;
}

/** Services seen anywhere in the fingerprint history, sorted by name. */
export function servicesSeen(fingerprints: Fingerprint[]): string[] {
  const names = new Set<string>();
  for (const fp of fingerprints) for (const name of Object.keys(fp.services)) names.add(name);
  return [...names].sort();
}
