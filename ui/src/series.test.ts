import { describe, expect, it } from "vitest";

import { alertMarkers, CHARTS, chartColumns, type Marker, markerAt } from "./series";
import { alert, fingerprint } from "./testdata";

const [rate, errors, latency] = CHARTS;

describe("chartColumns", () => {
  it("puts window ends in seconds on x and one column per series", () => {
    const columns = chartColumns([fingerprint(0, 4), fingerprint(5000, 6)], rate!);
    expect(columns).toEqual([
      [5, 10],
      [4, 6],
    ]);
  });

  it("shows error rates as percentages", () => {
    const columns = chartColumns([fingerprint(0)], errors!);
    expect(columns[1]).toEqual([1]);
    expect(columns[2]).toEqual([2]);
  });

  it("reads one service's features when a service is given, with gaps as null", () => {
    const columns = chartColumns([fingerprint(0, 8)], latency!, "checkout");
    expect(columns.slice(1)).toEqual([[null], [null], [null]]);
    expect(chartColumns([fingerprint(0, 8)], rate!, "checkout")[1]).toEqual([4]);
  });

  it("turns missing or non-finite values into gaps", () => {
    const fp = fingerprint(0);
    fp.features.request_rate = Number.NaN;
    expect(chartColumns([fp], rate!)[1]).toEqual([null]);
  });
});

describe("alertMarkers", () => {
  it("marks alert windows in seconds inside the visible range only", () => {
    const inside = alert("in", 20_000);
    const outside = alert("out", 900_000);
    const markers = alertMarkers([inside, outside], 0, 100);
    expect(markers).toEqual([{ start: 15, end: 20, severity: "critical", label: inside.summary }]);
  });

  it("keeps only the alerts about a target when one is given", () => {
    const markers = alertMarkers(
      [alert("a", 20_000), alert("b", 20_000, { target: "cart" })],
      0,
      100,
      "cart",
    );
    expect(markers).toHaveLength(1);
  });
});

describe("markerAt", () => {
  const warning: Marker = { start: 10, end: 15, severity: "warning", label: "w" };
  const critical: Marker = { start: 12, end: 20, severity: "critical", label: "c" };

  it("finds the alert whose window holds the time, the most severe first", () => {
    expect(markerAt([warning, critical], 11)?.label).toBe("w");
    expect(markerAt([warning, critical], 15)?.label).toBe("c");
  });

  it("finds nothing outside every alert window", () => {
    expect(markerAt([warning, critical], 25)).toBeUndefined();
  });
});
