import { describe, expect, it } from "vitest";

import type { Delivery, Silence } from "../api";
import { deliveryLine } from "./Deliveries";
import { matcherText } from "./Silences";

function delivery(changes: Partial<Delivery>): Delivery {
  return {
    alert_id: "a",
    incident_id: "i",
    receiver: "team-slack",
    channel: "slack",
    action: "open",
    reason: "route",
    outcome: "sent",
    attempts: 1,
    latency_ms: 12,
    status: 200,
    error: "",
    detail: "",
    silence_id: "",
    time: null,
    ...changes,
  };
}

describe("deliveryLine", () => {
  it("says where an alert was sent, and PagerDuty's action in its words", () => {
    expect(deliveryLine(delivery({}))).toBe("open sent to team-slack (slack)");
    const pd = { receiver: "oncall", channel: "pagerduty", reason: "escalation step 1" };
    expect(deliveryLine(delivery(pd))).toBe("PagerDuty oncall triggered · escalation step 1");
    expect(deliveryLine(delivery({ ...pd, action: "acknowledged", reason: "operator" }))).toBe(
      "PagerDuty oncall acknowledged · operator",
    );
  });

  it("names a failure with its tries and error, a silence and a stopped step", () => {
    const failed = { outcome: "dead_letter" as const, attempts: 5, error: "HTTP 500" };
    expect(deliveryLine(delivery(failed))).toBe(
      "open dead_letter for team-slack (slack), 5 tries: HTTP 500",
    );
    expect(deliveryLine(delivery({ outcome: "silenced", silence_id: "s1" }))).toBe("silenced (s1)");
    const stopped = { outcome: "stopped" as const, reason: "escalation step 1" };
    expect(deliveryLine(delivery({ ...stopped, detail: "acknowledged" }))).toBe(
      "team-slack: escalation step 1 stopped (acknowledged)",
    );
  });
});

describe("matcherText", () => {
  it("lists the matchers and the incident", () => {
    const silence: Silence = {
      id: "s",
      matchers: { target: ["checkout*"], severity: ["critical"] },
      starts_at: 0,
      ends_at: 1,
      comment: "",
      created_by: "",
      incident_id: "inc-1",
    };
    expect(matcherText(silence)).toBe("target=checkout* severity=critical incident=inc-1");
  });
});
