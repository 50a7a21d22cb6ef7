// A uPlot time-series chart that follows its container's width, with alert windows shaded on
// the time axis. uPlot draws on a canvas and takes new columns without being rebuilt, which
// keeps a dozen live charts cheap.

import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

import { clockLabels, formatNumber, formatTime } from "../format";
import { type ChartSpec, type Columns, type Marker, markerAt, SEVERITY_COLORS } from "../series";

interface Props {
  spec: ChartSpec;
  columns: Columns;
  markers: Marker[];
  height?: number;
}

const AXIS = {
  stroke: "#94a3b8",
  grid: { stroke: "rgba(148,163,184,0.12)" },
  ticks: { show: false },
};

/** Shades alert windows and reports which point the cursor is on (null when off the plot). */
function plugin(
  markers: { current: Marker[] },
  onHover: (index: number | null) => void,
): uPlot.Plugin {
  return {
    hooks: {
      setCursor: (plot: uPlot) => onHover(plot.cursor.idx ?? null),
      drawClear: (plot: uPlot) => {
        const { ctx, bbox } = plot;
        ctx.save();
        for (const marker of markers.current) {
          const left = plot.valToPos(marker.start, "x", true);
          const right = Math.max(plot.valToPos(marker.end, "x", true), left + 3);
          ctx.fillStyle = `${SEVERITY_COLORS[marker.severity]}33`;
          ctx.fillRect(left, bbox.top, right - left, bbox.height);
          ctx.fillStyle = SEVERITY_COLORS[marker.severity];
          ctx.fillRect(left, bbox.top, 2, bbox.height);
        }
        ctx.restore();
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
  const plot = useRef<uPlot | null>(null);
  const markerRef = useRef(markers);
  markerRef.current = markers;
  const [hover, setHover] = useState<number | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is built once per spec; new data goes through setData below
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const hooks = plugin(markerRef, setHover);
    const chart = new uPlot(
      options(spec, element.clientWidth || 400, height, hooks),
      columns,
      element,
    );
    plot.current = chart;
    const observer = new ResizeObserver(() =>
      chart.setSize({ width: element.clientWidth, height }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Built once per spec and height; the columns flow in through setData below.
  }, [spec, height]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: new markers need a redraw, which setData does
  useEffect(() => {
    plot.current?.setData(columns);
  }, [columns, markers]);

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
