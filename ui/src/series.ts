// From fingerprints to chart columns: pure, so the charts only draw and the tests check the
// numbers. uPlot wants one x column (seconds) and one column per series, nulls for gaps.

import type { Alert, FeatureMap, Fingerprint, Severity } from "./api";

export interface SeriesSpec {
  /** A feature of the system vector (the generated type names exactly the table's). */
  feature: keyof FeatureMap;
  label: string;
  color: string;
  /** Turns the stored value into what the axis shows (e.g. a rate into a percentage). */
  scale?: number;
}

export interface ChartSpec {
  title: string;
  unit: string;
  series: SeriesSpec[];
}

export const CHARTS: ChartSpec[] = [
  {
    title: "Request rate",
    unit: "req/s",
    series: [{ feature: "request_rate", label: "requests/s", color: "#38bdf8" }],
  },
  {
    title: "Error rates",
    unit: "%",
    series: [
      { feature: "error_rate_4xx", label: "4xx", color: "#fbbf24", scale: 100 },
      { feature: "error_rate_5xx", label: "5xx", color: "#f87171", scale: 100 },
    ],
  },
  {
    title: "Latency",
    unit: "ms",
    series: [
      { feature: "latency_p50", label: "p50", color: "#34d399" },
      { feature: "latency_p95", label: "p95", color: "#a78bfa" },
      { feature: "latency_p99", label: "p99", color: "#f472b6" },
    ],
  },
];

export type Columns = [number[], ...(number | null)[][]];

function value(features: FeatureMap | undefined, spec: SeriesSpec): number | null {
  const raw = features?.[spec.feature];
  if (raw === undefined || raw === null || !Number.isFinite(raw)) return null;
  return raw * (spec.scale ?? 1);
}

/**
 * Columns for `chart` over `fingerprints` (oldest first), read from the system features or,
 * given `service`, from that service's features. x is the window's end, in seconds.
 */
export function chartColumns(
  fingerprints: Fingerprint[],
  chart: ChartSpec,
  service?: string,
): Columns {
  const xs = fingerprints.map((fp) => fp.window_end / 1000);
  const columns = chart.series.map((spec) =>
    fingerprints.map((fp) => value(service ? fp.services[service] : fp.features, spec)),
  );
  return [xs, ...columns];
}

export interface Marker {
  start: number;
  end: number;
  severity: Severity;
  label: string;
}

/** Alert windows as shaded bands on the time axis (seconds), for alerts within [from, to]. */
export function alertMarkers(alerts: Alert[], from: number, to: number, target?: string): Marker[] {
  return alerts
    .filter((alert) => target === undefined || alert.target === target)
    .map((alert) => ({
      start: alert.window_start / 1000,
      end: alert.window_end / 1000,
      severity: alert.severity,
      label: alert.summary,
    }))
    .filter((marker) => marker.end >= from && marker.start <= to);
}

/** The most severe alert whose window contains time ``x`` (seconds), if any. */
export function markerAt(markers: Marker[], x: number): Marker | undefined {
  const rank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
  return markers
    .filter((marker) => marker.start <= x && x <= marker.end)
    .sort((a, b) => rank[b.severity] - rank[a.severity])[0];
}

export const SEVERITY_COLORS: Record<Severity, string> = {
  info: "#38bdf8",
  warning: "#fbbf24",
  critical: "#f87171",
};
