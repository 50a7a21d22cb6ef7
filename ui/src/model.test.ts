import { describe, expect, it } from "vitest";
import type { Alert } from "./api";
import {
  emptyState,
  MAX_FINGERPRINTS,
  mergeAlerts,
  mergeFingerprints,
  reduceMessage,
  resumeSince,
  servicesSeen,
  toAlert,
  toFingerprint,
} from "./model";
import { alert, fingerprint } from "./testdata";

describe("mergeFingerprints", () => {
  it("keeps windows oldest first whatever order they arrive in", () => {
    const merged = mergeFingerprints([fingerprint(10_000)], [fingerprint(0), fingerprint(5000)]);
    expect(merged.map((fp) => fp.window_start)).toEqual([0, 5000, 10_000]);
  });

  it("ignores a window it already holds (a reconnect resends it)", () => {
    const once = mergeFingerprints([], [fingerprint(0)]);
    expect(mergeFingerprints(once, [fingerprint(0)])).toHaveLength(1);
  });

  it("keeps only the newest MAX_FINGERPRINTS windows", () => {
    const many = Array.from({ length: MAX_FINGERPRINTS + 5 }, (_, i) => fingerprint(i * 5000));
    const merged = mergeFingerprints([], many);
    expect(merged).toHaveLength(MAX_FINGERPRINTS);
    expect(merged[0]?.window_start).toBe(5 * 5000);
  });
});

describe("mergeAlerts", () => {
  it("orders alerts newest first", () => {
    const merged = mergeAlerts([alert("a", 1000)], [alert("b", 3000), alert("c", 2000)]);
    expect(merged.map((a) => a.id)).toEqual(["b", "c", "a"]);
  });

  it("lets an update replace its alert but keeps the operator's feedback", () => {
    const marked = [alert("a", 1000, { feedback: "false_alarm" })];
    const merged = mergeAlerts(marked, [
      alert("a", 1000, { status: "update", feedback: undefined }),
    ]);
    expect(merged).toEqual([
      expect.objectContaining({ status: "update", feedback: "false_alarm" }),
    ]);
  });

  it("keeps a cost the alert already had when an update arrives without one", () => {
    const cost: NonNullable<Alert["cost"]> = {
      metric: "revenue",
      unit: "EUR",
      impact: -360,
      uncertainty: 55,
      normal: 110,
      minutes: 0.5,
      windows: 6,
      text: "about 360 EUR of revenue below normal over 0.5 minutes (± 55 EUR)",
    };
    const merged = mergeAlerts([alert("a", 1000, { cost })], [alert("a", 1000, { cost: null })]);
    expect(merged[0]?.cost).toEqual(cost);
  });
});

describe("reduceMessage", () => {
  it("adds a pushed fingerprint", () => {
    const state = reduceMessage(emptyState, { type: "fingerprint", data: fingerprint(0) });
    expect(state.fingerprints).toHaveLength(1);
  });

  it("adds a pushed alert", () => {
    const state = reduceMessage(emptyState, { type: "alert", data: alert("a", 1) });
    expect(state.alerts.map((a) => a.id)).toEqual(["a"]);
  });

  it("applies a feedback mark to the alert it names", () => {
    const state = { ...emptyState, alerts: [alert("a", 1), alert("b", 2)] };
    const next = reduceMessage(state, {
      type: "feedback",
      data: { id: "a", feedback: "acknowledged" },
    });
    expect(next.alerts.find((a) => a.id === "a")?.feedback).toBe("acknowledged");
    expect(next.alerts.find((a) => a.id === "b")?.feedback).toBeNull();
  });

  it("marks every alert of the incident a feedback event names", () => {
    const state = {
      ...emptyState,
      alerts: [
        alert("a", 1, { incident_id: "i1" }),
        alert("b", 2, { incident_id: "i1" }),
        alert("c", 3),
      ],
    };
    const event = { alert_id: "a", incident_id: "i1", feedback: "false_alarm", time: 5 };
    const next = reduceMessage(state, { type: "feedback", data: event });
    expect(next.alerts.map((a) => a.feedback)).toEqual(["false_alarm", "false_alarm", null]);
  });

  it("accepts feedback pushed as the whole updated alert", () => {
    const state = { ...emptyState, alerts: [alert("a", 1)] };
    const next = reduceMessage(state, {
      type: "feedback",
      data: alert("a", 1, { feedback: "false_alarm" }),
    });
    expect(next.alerts[0]?.feedback).toBe("false_alarm");
  });

  it("leaves the state alone for malformed data", () => {
    expect(reduceMessage(emptyState, { type: "alert", data: { nope: 1 } })).toBe(emptyState);
    expect(reduceMessage(emptyState, { type: "fingerprint", data: "x" })).toBe(emptyState);
    expect(
      reduceMessage(emptyState, { type: "feedback", data: { id: "a", feedback: "maybe" } }),
    ).toBe(emptyState);
  });
});

describe("toFingerprint", () => {
  it("reads a raw stream entry with JSON-encoded names, data and services", () => {
    const fp = toFingerprint({
      id: "9-0",
      window_start: "5000",
      window_end: "10000",
      names: '["request_rate","latency_p99"]',
      data: "[4.5, 300]",
      services: '{"cart": {"request_rate": 2}}',
      metrics: "{}",
    });
    expect(fp?.features).toEqual({ request_rate: 4.5, latency_p99: 300 });
    expect(fp?.services.cart?.request_rate).toBe(2);
    expect(fp?.window_end).toBe(10_000);
  });

  it("refuses an entry without a window start", () => {
    expect(toFingerprint({ id: "1-0" })).toBeNull();
  });
});

describe("resumeSince", () => {
  it("resumes from the newest window end or alert time held", () => {
    const state = { fingerprints: [fingerprint(0)], alerts: [alert("a", 2000)] };
    expect(resumeSince(state, 99_999)).toBe(5000);
  });

  it("uses now when nothing is held yet", () => {
    expect(resumeSince(emptyState, 1234)).toBe(1234);
  });
});

it("servicesSeen lists every service in the history once, sorted", () => {
  const a = fingerprint(0);
  const b = { ...fingerprint(5000), services: { api: {}, checkout: {} } };
  expect(servicesSeen([a, b])).toEqual(["api", "checkout"]);
});

describe("toAlert", () => {
  it("fills the lists a producer left out", () => {
    const bare = { id: "a", severity: "warning", time: 1, summary: "x" };
    expect(toAlert(bare)).toMatchObject({ explanation: [], remediation: [], similar: [] });
  });

  it("refuses an alert without an id or with an unknown severity", () => {
    expect(toAlert({ severity: "warning" })).toBeNull();
    expect(toAlert({ id: "a", severity: "loud" })).toBeNull();
  });
});
