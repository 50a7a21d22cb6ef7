import { expect, it } from "vitest";

import { activeFaults, DEFAULT_FAULTS, faultKinds } from "./FaultPanel";

it("reads the fault kinds the backend lists, else the demo's", () => {
  expect(faultKinds({ kinds: ["x"] })).toEqual(["x"]);
  expect(faultKinds({})).toEqual(DEFAULT_FAULTS);
});

it("describes active faults whatever the list is called", () => {
  expect(activeFaults({ active: [{ kind: "latency", service: "cart" }] })).toEqual(["latency on cart"]);
  expect(activeFaults({ items: [{ kind: "error_spike" }] })).toEqual(["error_spike"]);
  expect(activeFaults(null)).toEqual([]);
});
