// One KPI over time: its mean per window (line) and observations (thin line, right axis),
// its declared expected range and its learned normal band drawn behind, its alerts shaded on
// the time axis. Built on uPlot like the overview's charts.

import { useMemo, useRef } from "react";
import type uPlot from "uplot";

import { type Kpi, kpiColumns, kpiMarkers } from "../business";
import { clockLabels, formatNumber } from "../format";
import { AXIS, shadeMarkers, usePlot } from "./plot";

const RANGE_FILL = "rgba(52,211,153,0.10)";
const NORMAL_FILL = "rgba(56,189,248,0.22)";

/** A horizontal band between two values of the y scale, clipped to the plot. */
function band(plot: uPlot, low: number, high: number, fill: string) {
  const { ctx, bbox } = plot;
  const top = Math.max(plot.valToPos(high, "y", true), bbox.top);
  const bottom = Math.min(plot.valToPos(low, "y", true), bbox.top + bbox.height);
  if (bottom <= top) return;
  ctx.fillStyle = fill;
  ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
}

function bands(kpi: { current: Kpi }): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (plot: uPlot) => {
        const current = kpi.current;
        plot.ctx.save();
        if (current.expected_range) {
          const [low, high] = current.expected_range;
          band(plot, low ?? 0, high ?? 0, RANGE_FILL);
        }
        if (current.normal) band(plot, current.normal.low, current.normal.high, NORMAL_FILL);
        shadeMarkers(plot, kpiMarkers(current), "44");
        plot.ctx.restore();
      },
    },
  };
}

/** The y range: the data, the normal band and (when near) the expected range all visible. */
function yRange(kpi: Kpi, min: number, max: number): [number, number] {
  const values = [min, max];
  if (kpi.normal) values.push(kpi.normal.low, kpi.normal.high);
  const [low, high] = kpi.expected_range ?? [];
  if (low !== undefined && high !== undefined && high - low < 10 * Math.max(1, max - min)) {
    values.push(low, high);
  }
  const top = Math.max(...values);
  const bottom = Math.min(0, ...values);
  return [bottom, top > bottom ? top * 1.1 : bottom + 1];
}

/** The chart's uPlot options: the mean on the left axis, observations on the right. */
function kpiOptions(kpi: { current: Kpi }, width: number, height: number): uPlot.Options {
  return {
    width,
    height,
    legend: { show: false },
    cursor: { y: false, drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      y: { range: (_u, min, max) => yRange(kpi.current, min, max) },
      n: { range: (_u, _min, max) => [0, max > 0 ? max * 1.2 : 1] },
    },
    axes: [
      { ...AXIS, values: (_u, ticks) => clockLabels(ticks) },
      { ...AXIS, size: 56, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) },
      { ...AXIS, scale: "n", side: 1, size: 40, grid: { show: false } },
    ],
    series: [
      {},
      { label: "mean", stroke: "#fbbf24", width: 2, points: { show: false } },
      { label: "observations", scale: "n", stroke: "#64748b", width: 1, points: { show: false } },
    ],
    plugins: [bands(kpi)],
  };
}

export function KpiChart({ kpi, height = 200 }: { kpi: Kpi; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const current = useRef(kpi);
  current.current = kpi;
  const columns = useMemo(() => kpiColumns(kpi), [kpi]);
  usePlot(host, (width) => kpiOptions(current, width, height), columns, height, kpi.name);

  const last = kpi.points.at(-1);
  return (
    <figure
      className="chart"
      data-testid={`kpi-chart-${kpi.name}`}
      data-points={kpi.points.length}
      data-range={kpi.expected_range?.join(",") ?? ""}
      data-normal={kpi.normal ? `${kpi.normal.low},${kpi.normal.high}` : ""}
      data-alerts={kpi.alerts.length}
    >
      <figcaption>
        <span className="chart-title">
          {kpi.name} <span className="muted">· {kpi.kind}</span>
        </span>
        <span className="chart-legend">
          <span className="legend-item">
            <i style={{ background: "#fbbf24" }} />
            mean <b>{formatNumber(last?.[1])}</b>
          </span>
          <span className="legend-item">
            <i style={{ background: "#64748b" }} />
            observations <b>{formatNumber(last?.[2], 0)}</b>
          </span>
          {kpi.expected_range && (
            <span className="legend-item">
              <i style={{ background: RANGE_FILL }} />
              expected {formatNumber(kpi.expected_range[0])}–{formatNumber(kpi.expected_range[1])}
            </span>
          )}
          {kpi.normal && (
            <span className="legend-item">
              <i style={{ background: NORMAL_FILL }} />
              normal {formatNumber(kpi.normal.low)}–{formatNumber(kpi.normal.high)}
            </span>
          )}
          <span className="unit">{kpi.unit}</span>
        </span>
      </figcaption>
      <div ref={host} className="chart-canvas" style={{ height }} />
      {kpi.points.length === 0 && <div className="chart-empty">No window in this period.</div>}
    </figure>
  );
}
