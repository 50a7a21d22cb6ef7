// The dashboard backend's read API, typed. Every call is same-origin: the product serves
// this UI, so there is no base URL to configure.

export type Severity = "info" | "warning" | "critical";
export type Feedback = "acknowledged" | "false_alarm";

export interface Training {
  trained: number | null;
  needed: number | null;
  status: string | null;
}

export interface Health {
  status: string;
  uptime_s: number;
  redis: { connected: boolean; url_host: string; version: string | null };
  anomaly_count: number | null;
  /** null until a detector has written its state. */
  training: Training | null;
  /** What this Redis lacks and what is turned off because of it. */
  notes?: string[];
  error?: string;
}

export type FeatureMap = Record<string, number>;

export interface Fingerprint {
  id: string;
  window_start: number;
  window_end: number;
  features: FeatureMap;
  services: Record<string, FeatureMap>;
  metrics: Record<string, { count: number; mean: number; out_of_range: number }>;
  late_events: number;
}

export interface Explanation {
  feature: string;
  normal: number;
  current: number;
  deviation: number;
}

export interface SimilarIncident {
  incident_id: string;
  similarity: number;
  outcome: string | null;
}

export interface Alert {
  id: string;
  time: number;
  window_start: number;
  window_end: number;
  scope: "system" | "service" | "metric";
  target: string;
  score: number;
  severity: Severity;
  summary: string;
  explanation: Explanation[];
  business_impact: string | null;
  remediation: string[];
  incident_id: string;
  status: "open" | "update" | "resolved";
  feedback?: Feedback | null;
  similar?: SimilarIncident[];
  suppressed_by?: string | null;
}

export interface LogEvent {
  timestamp: number | string;
  level: string;
  message: string;
  service: string;
  trace_id?: string | null;
}

export interface RedisStructure {
  key: string;
  type: string;
  memory_bytes: number;
  size: number;
  sample: unknown;
}

export interface RedisStream {
  key: string;
  length: number;
  memory_bytes: number;
  last_entries: unknown[];
}

export interface RedisData {
  structures: RedisStructure[];
  streams: RedisStream[];
}

export interface Graph {
  nodes: string[];
  edges: { source: string; target: string; count: number }[];
}

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

/** The JSON answer of `path`; an ApiError for a status outside 2xx and `accept`. */
async function request<T>(path: string, init?: RequestInit, accept: number[] = []): Promise<T> {
  const response = await fetch(path, init);
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
  feedback: (id: string, kind: "ack" | "false-alarm") =>
    request<unknown>(`/api/anomalies/${encodeURIComponent(id)}/${kind}`, { method: "POST" }),
  graph: () => optional<Graph>("/api/graph"),
  faults: () => optional<unknown>("/api/faults"),
  injectFault: (fault: { kind: string; service?: string; duration_s: number }) =>
    request<unknown>("/api/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fault),
    }),
};
