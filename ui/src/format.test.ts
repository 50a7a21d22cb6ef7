import { describe, expect, it } from "vitest";

import {
  clockLabels,
  featureLabel,
  formatAgo,
  formatBytes,
  formatDuration,
  formatNumber,
  formatPercent,
} from "./format";

describe("format", () => {
  it("shortens big numbers and never prints NaN", () => {
    expect(formatNumber(12_345)).toBe("12.3k");
    expect(formatNumber(2_500_000)).toBe("2.5M");
    expect(formatNumber(42)).toBe("42");
    expect(formatNumber(Number.NaN)).toBe("–");
    expect(formatNumber(null)).toBe("–");
  });

  it("keeps small fractions readable", () => {
    expect(formatNumber(0.01234)).toBe("0.012");
    expect(formatNumber(0.4)).toBe("0.4");
    expect(formatNumber(0.94, 2)).toBe("0.94");
  });

  it("prints bytes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(4 * 1024 * 1024)).toBe("4.0 MiB");
  });

  it("prints ratios as percentages with more digits when small", () => {
    expect(formatPercent(0.5)).toBe("50.0%");
    expect(formatPercent(0.0123)).toBe("1.23%");
  });

  it("prints durations and ages as people read them", () => {
    expect(formatDuration(59)).toBe("59s");
    expect(formatDuration(3725)).toBe("1h 2m");
    expect(formatAgo(0, 2000)).toBe("just now");
    expect(formatAgo(0, 125_000)).toBe("2 min ago");
  });

  it("labels time ticks in minutes, or seconds when they are closer than a minute", () => {
    const minute = Date.UTC(2026, 0, 1, 12, 0, 0) / 1000;
    expect(clockLabels([minute, minute + 60])[0]).toMatch(/^\d\d:\d\d$/);
    expect(clockLabels([minute, minute + 10])[0]).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it("turns feature names into words", () => {
    expect(featureLabel("error_rate_5xx")).toBe("error rate 5xx");
  });
});
