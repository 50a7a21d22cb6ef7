import { expect, it } from "vitest";

import { viewFromHash } from "./App";

it("chooses the view from the URL hash, overview by default", () => {
  expect(viewFromHash("#/anomalies")).toBe("anomalies");
  expect(viewFromHash("#/business")).toBe("business");
  expect(viewFromHash("#/incidents")).toBe("incidents");
  expect(viewFromHash("#/nope")).toBe("overview");
  expect(viewFromHash("")).toBe("overview");
});
