// A uPlot time-series chart that follows its container's width, with alert windows shaded on
// the time axis.

import { useEffect, useRef, useState } from "react";
import type uPlot from "uplot";

import { clockLabels, formatNumber, formatTime } from "../format";
import { type ChartSpec, type Columns, type Marker, markerAt } from "../series";
import { AXIS, shadeMarkers, usePlot } from "./plot";

interface Props {
  spec: ChartSpec;
  columns: Columns;
  markers: Marker[];
  height?: number;
}

/** Shades alert windows and reports which point the cursor is on (null when off the plot). */
function plugin(
  markers: { current: Marker[] },
  onHover: (index: number | null) => void,
): uPlot.Plugin {
  return {
    hooks: {
      setCursor: (plot: uPlot) => onHover(plot.cursor.idx ?? null),
      drawClear: (plot: uPlot) => {
        plot.ctx.save();
        shadeMarkers(plot, markers.current, "33", true);
        plot.ctx.restore();
      },
    },
  };
}

function options(spec: ChartSpec, width: number, height: number, hooks: uPlot.Plugin) {
  return {
    width,
    height,
    legend: { show: false },
    // One crosshair across all charts: the same moment in every metric.
    cursor: { y: false, drag: { x: false, y: false }, sync: { key: "seismo" } },
    scales: {
      x: { time: true },
      y: {
        range: (_u: uPlot, _min: number, max: number) =>
          [0, max > 0 ? max * 1.15 : 1] as [number, number],
      },
    },
    axes: [
      { ...AXIS, values: (_u: uPlot, ticks: number[]) => clockLabels(ticks) },
      {
        ...AXIS,
        size: 56,
        values: (_u: uPlot, ticks: number[]) => ticks.map((t) => formatNumber(t)),
      },
    ],
    series: [
      {},
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        points: { show: false },
      })),
    ],
    plugins: [hooks],
  } satisfies uPlot.Options;
}

export function Chart({ spec, columns, markers, height = 180 }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const markerRef = useRef(markers);
  markerRef.current = markers;
  const [hover, setHover] = useState<number | null>(null);
  const plot = usePlot(
    host,
    (width) => options(spec, width, height, plugin(markerRef, setHover)),
    columns,
    height,
    spec,
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: new markers need a redraw
  useEffect(() => {
    plot.current?.redraw();
  }, [markers, plot]);

  const points = columns[0].length;
  const shown = hover ?? points - 1;
  const hoveredX = hover === null ? undefined : columns[0][hover];
  const alert = hoveredX === undefined ? undefined : markerAt(markers, hoveredX);
  return (
    <figure
      className="chart"
      data-testid={`chart-${spec.title}`}
      data-points={points}
      data-last={columns[0].at(-1) ?? ""}
    >
      <figcaption>
        <span className="chart-title">
          {spec.title}
          {hoveredX !== undefined && (
            <span className="muted"> · {formatTime(hoveredX * 1000)}</span>
          )}
        </span>
        <span className="chart-legend">
          {spec.series.map((s, i) => (
            <span key={s.feature} className="legend-item">
              <i style={{ background: s.color }} />
              {s.label} <b>{formatNumber(columns[i + 1]?.[shown])}</b>
            </span>
          ))}
          <span className="unit">{spec.unit}</span>
        </span>
      </figcaption>
      <div ref={host} className="chart-canvas" style={{ height }} />
      {alert && (
        <div className={`chart-alert sev-${alert.severity}`} role="status">
          {alert.label}
        </div>
      )}
      {points === 0 && <div className="chart-empty">Waiting for the first closed window…</div>}
    </figure>
  );
}
