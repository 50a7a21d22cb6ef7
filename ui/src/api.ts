// The dashboard backend's read API, typed. Every call is same-origin: the product serves
// this UI, so there is no base URL to configure.

import type { components } from "./api.generated";
import { askForKey, storedKey, withKey } from "./auth";
import type { IncidentReport, Kpis, NewObjective, Objectives } from "./business";

// Every type of an answer comes from the OpenAPI document the backend serves (generated from
// the Python contract: `make ui` writes openapi.json and api.generated.ts), so a change of
// the contract that this UI does not follow fails its build.
type Schemas = components["schemas"];

export type Alert = Schemas["AlertWithFeedback"];
export type Severity = Alert["severity"];
export type Feedback = NonNullable<Alert["feedback"]>;
export type Explanation = Schemas["Explanation"];
export type SimilarIncident = Schemas["SimilarIncident"];
export type Health = Schemas["Health"];
export type Training = Schemas["Training"];
export type Fingerprint = Schemas["Fingerprint"];
export type FeatureMap = Fingerprint["features"];
export type LogEvent = Schemas["LogEvent"];
export type RedisStructure = Schemas["RedisStructure"];
export type RedisStream = Schemas["RedisStream"];
export type RedisData = Schemas["RedisData"];
export type Graph = Schemas["Graph"];
export type Faults = Schemas["Faults"];
export type FeedbackEvent = Schemas["FeedbackEvent"];
export type Delivery = Schemas["Delivery"];
export type Silence = Schemas["Silence"];
export type Matchers = Schemas["Matchers"];
export type AuditEntry = Schemas["AuditEntry"];

export type Query = Record<string, string | number | undefined | null>;

/** `?a=1&b=x` from the defined, non-empty values of `query`; "" when there are none. */
export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `path` fetched with the API key; after a 401, once more with the key the operator gives. */
async function authorized(path: string, init?: RequestInit): Promise<Response> {
  const sent = storedKey();
  const response = await fetch(path, withKey(init));
  if (response.status !== 401 || !(await askForKey(sent))) return response;
  return fetch(path, withKey(init));
}

/** The JSON answer of `path`; an ApiError for a status outside 2xx and `accept`. */
async function request<T>(path: string, init?: RequestInit, accept: number[] = []): Promise<T> {
  const response = await authorized(path, init);
  if (!response.ok && !accept.includes(response.status)) {
    const body = await response.text();
    throw new ApiError(response.status, `${response.status} ${path}: ${body.slice(0, 200)}`);
  }
  return (await response.json()) as T;
}

let offered: Promise<Set<string>> | null = null;

/** The paths the backend's OpenAPI document lists, asked once per page load. */
export function offeredPaths(): Promise<Set<string>> {
  offered ??= request<{ paths?: Record<string, unknown> }>("/openapi.json")
    .then((doc) => new Set(Object.keys(doc.paths ?? {})))
    .catch(() => {
      offered = null;
      return new Set<string>();
    });
  return offered;
}

/**
 * An optional backend feature (graph, faults): `null` when the OpenAPI document does not
 * list it (so the browser logs no 404) or when it answers 404.
 */
async function optional<T>(path: string, init?: RequestInit): Promise<T | null> {
  if (!(await offeredPaths()).has(path)) return null;
  try {
    return await request<T>(path, init);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export const api = {
  /** A 503 still carries the health document: it says what is wrong. */
  health: () => request<Health>("/health", undefined, [503]),
  redisData: () => request<RedisData>("/redis-data"),
  fingerprints: (query: Query = {}) =>
    request<{ items: Fingerprint[] }>(`/api/fingerprints${queryString(query)}`),
  anomalies: (query: Query = {}) =>
    request<{ items: Alert[] }>(`/api/anomalies${queryString(query)}`),
  logs: (query: Query = {}) => request<{ items: LogEvent[] }>(`/api/logs${queryString(query)}`),
  // The business view: KPIs, the incident report, objectives.
  kpis: (query: Query = {}) => request<Kpis>(`/api/metrics/business${queryString(query)}`),
  incidents: (query: Query = {}) => request<IncidentReport>(`/api/incidents${queryString(query)}`),
  objectives: () => request<Objectives>("/api/objectives"),
  setObjective: (objective: Partial<NewObjective> & { service: string }) =>
    request<NewObjective>("/api/objectives", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(objective),
    }),
  removeObjective: (service: string) =>
    request<{ removed: boolean }>(`/api/objectives/${encodeURIComponent(service)}`, {
      method: "DELETE",
    }),
  feedback: (id: string, kind: "ack" | "false-alarm") =>
    request<FeedbackEvent>(`/api/anomalies/${encodeURIComponent(id)}/${kind}`, { method: "POST" }),
  graph: () => optional<Graph>("/api/graph"),
  faults: () => optional<Faults>("/api/faults"),
  // Alert delivery (the notifier): an alert's deliveries, silences.
  deliveries: (id: string) =>
    request<{ items: Delivery[] }>(`/api/anomalies/${encodeURIComponent(id)}/deliveries`),
  silences: () => optional<{ items: Silence[] }>("/api/silences"),
  createSilence: (silence: { matchers: Matchers; duration_s: number; comment: string }) =>
    request<Silence>("/api/silences", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(silence),
    }),
  expireSilence: (id: string) =>
    request<Silence>(`/api/silences/${encodeURIComponent(id)}/expire`, { method: "POST" }),
  /** The audit log (admin keys; a 403 for the others). */
  audit: () => optional<{ items: AuditEntry[] }>("/api/audit"),
  injectFault: (fault: { kind: string; service?: string; duration_s: number }) =>
    request<Schemas["Fault"]>("/api/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fault),
    }),
};
