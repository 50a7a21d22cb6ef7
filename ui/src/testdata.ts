// Small builders for the unit tests: one fingerprint, one alert, in the API's shapes.

import type { Alert, Fingerprint } from "./api";

export function fingerprint(
  windowStart: number,
  rate = 10,
  id = `${windowStart + 7000}-0`,
): Fingerprint {
  return {
    id,
    window_start: windowStart,
    window_end: windowStart + 5000,
    features: {
      request_rate: rate,
      error_rate_4xx: 0.01,
      error_rate_5xx: 0.02,
      latency_p50: 20,
      latency_p95: 80,
      latency_p99: 120,
    },
    services: { checkout: { request_rate: rate / 2, error_rate_5xx: 0.5 } },
    metrics: {},
    late_events: 0,
  };
}

export function alert(id: string, time: number, extra: Partial<Alert> = {}): Alert {
  return {
    id,
    time,
    window_start: time - 5000,
    window_end: time,
    scope: "service",
    target: "checkout",
    score: 0.93,
    severity: "critical",
    summary: "checkout 5xx errors jumped",
    explanation: [
      { feature: "error_rate_5xx", normal: 0.01, spread: 0.005, current: 0.4, deviation: 12.5 },
    ],
    business_impact: null,
    remediation: ["Roll back the last checkout deploy"],
    incident_id: `inc-${id}`,
    status: "open",
    feedback: null,
    similar: [],
    suppressed_by: null,
    impacted: [],
    early: false,
    endpoint: null,
    ...extra,
  };
}
