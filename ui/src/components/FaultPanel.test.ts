import { expect, it } from "vitest";

import { activeFaults, DEFAULT_FAULTS, faultKinds } from "./FaultPanel";

it("reads the fault kinds the backend lists, else the demo's", () => {
  expect(faultKinds({ kinds: ["x"] })).toEqual(["x"]);
  expect(faultKinds({})).toEqual(DEFAULT_FAULTS);
});

it("describes the active faults and when they end", () => {
  expect(activeFaults({ active: [{ kind: "latency-regression", service: "cart" }] })).toEqual([
    "latency-regression on cart",
  ]);
  const [described] = activeFaults({
    active: [{ kind: "error-spike", service: "web", end_ms: Date.UTC(2026, 0, 1, 12) }],
  });
  expect(described).toMatch(/^error-spike on web until \d\d:\d\d:\d\d$/);
  expect(activeFaults(null)).toEqual([]);
});
