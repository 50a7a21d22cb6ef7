import { expect, it } from "vitest";

import { activeFaults } from "./FaultPanel";

it("describes each active fault: its kind, its service and when it ends", () => {
  const end = Date.UTC(2026, 0, 1, 12);
  const [described] = activeFaults({
    kinds: ["error-spike"],
    active: [{ kind: "error-spike", service: "web", start_ms: end - 60_000, end_ms: end, size: 1 }],
  });
  expect(described).toMatch(/^error-spike on web until \d\d:\d\d:\d\d$/);
  expect(activeFaults({ kinds: [], active: [] })).toEqual([]);
});
