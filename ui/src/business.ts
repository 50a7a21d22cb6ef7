// The business view's numbers, pure: KPI chart columns and markers, and the report's times.

import type { components } from "./api.generated";
import type { Columns, Marker } from "./series";

type Schemas = components["schemas"];
export type Kpi = Schemas["Kpi"];
export type Kpis = Schemas["Kpis"];
export type Incident = Schemas["Incident"];
export type IncidentReport = Schemas["IncidentReport"];
export type Cost = Schemas["Cost"];
export type ObjectiveStatus = Schemas["ObjectiveStatus"];
export type Objectives = Schemas["Objectives"];
export type NewObjective = Schemas["Objective"];

/** x (window start, seconds), the window's mean, its observations. */
export function kpiColumns(kpi: Kpi): Columns {
  const xs = kpi.points.map((p) => (p[0] ?? 0) / 1000);
  return [xs, kpi.points.map((p) => p[1] ?? null), kpi.points.map((p) => p[2] ?? null)];
}

/** The KPI's alerts as shaded windows on its time axis. */
export function kpiMarkers(kpi: Kpi): Marker[] {
  return kpi.alerts.map((alert) => ({
    start: alert.window_start / 1000,
    end: alert.window_end / 1000,
    severity: alert.severity,
    label: alert.summary,
  }));
}

/** `4m 05s`, `1h 02m`, `45s`, `—` for nothing. */
export function formatSpan(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = whole % 60;
  if (hours) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes) return `${minutes}m ${String(secs).padStart(2, "0")}s`;
  return `${secs}s`;
}

/** A budget share (1 = untouched) as a percentage; negative when overspent. */
export function formatBudget(left: number): string {
  return `${(left * 100).toFixed(left < 0.1 && left > -0.1 ? 1 : 0)} %`;
}
