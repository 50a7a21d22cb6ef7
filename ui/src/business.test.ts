import { describe, expect, it } from "vitest";

import { formatBudget, formatSpan, type Kpi, kpiColumns, kpiMarkers } from "./business";

const KPI: Kpi = {
  name: "revenue",
  kind: "business",
  unit: "EUR",
  expected_range: [5, 400],
  normal: { normal: 11, low: 10, high: 12 },
  points: [
    [10_000, 11, 10],
    [15_000, 4, 3],
  ],
  alerts: [
    {
      id: "a1",
      time: 21_000,
      window_start: 15_000,
      window_end: 20_000,
      severity: "critical",
      status: "open",
      summary: "revenue fell",
      incident_id: "inc-1",
      scope: "metric",
      target: "revenue",
    },
  ],
  costs: [],
};

describe("KPI columns", () => {
  it("puts window starts in seconds beside the mean and the observations", () => {
    expect(kpiColumns(KPI)).toEqual([
      [10, 15],
      [11, 4],
      [10, 3],
    ]);
  });
  it("marks each alert's window", () => {
    expect(kpiMarkers(KPI)).toEqual([
      { start: 15, end: 20, severity: "critical", label: "revenue fell" },
    ]);
  });
});

describe("report times", () => {
  it("reads as minutes and seconds, hours and minutes", () => {
    expect(formatSpan(45)).toBe("45s");
    expect(formatSpan(245)).toBe("4m 05s");
    expect(formatSpan(3720)).toBe("1h 02m");
    expect(formatSpan(null)).toBe("—");
  });
  it("shows an overspent budget as negative", () => {
    expect(formatBudget(0.5)).toBe("50 %");
    expect(formatBudget(-1)).toBe("-100 %");
    expect(formatBudget(0.05)).toBe("5.0 %");
  });
});
