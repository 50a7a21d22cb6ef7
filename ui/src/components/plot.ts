// What every uPlot chart of the dashboard shares: the axis look, the alert windows shaded on
// the time axis, and a plot built once per chart that follows its container's width and
// takes new columns without being rebuilt (which keeps a dozen live charts cheap).

import { type RefObject, useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

import { type Marker, SEVERITY_COLORS } from "../series";

export const AXIS = {
  stroke: "#94a3b8",
  grid: { stroke: "rgba(148,163,184,0.12)" },
  ticks: { show: false },
};

/** Shade each marker's window on the time axis in its severity's colour (`alpha`: the fill's
 * hex opacity), with a solid left edge when `edge`. */
export function shadeMarkers(plot: uPlot, markers: Marker[], alpha: string, edge = false) {
  const { ctx, bbox } = plot;
  for (const marker of markers) {
    const left = plot.valToPos(marker.start, "x", true);
    const right = Math.max(plot.valToPos(marker.end, "x", true), left + 3);
    ctx.fillStyle = `${SEVERITY_COLORS[marker.severity]}${alpha}`;
    ctx.fillRect(left, bbox.top, right - left, bbox.height);
    if (edge) {
      ctx.fillStyle = SEVERITY_COLORS[marker.severity];
      ctx.fillRect(left, bbox.top, 2, bbox.height);
    }
  }
}

/** A uPlot in `host`, built by `options(width)` once per `key` and `height`, resized with its
 * container, fed `columns` as they change; the plot, for redraws. */
export function usePlot(
  host: RefObject<HTMLDivElement | null>,
  options: (width: number) => uPlot.Options,
  columns: uPlot.AlignedData,
  height: number,
  key: unknown,
): RefObject<uPlot | null> {
  const plot = useRef<uPlot | null>(null);
  const build = useRef(options);
  build.current = options;
  const data = useRef(columns);
  data.current = columns;

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt when the caller's key changes (a new chart spec or metric); columns flow in through setData
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const chart = new uPlot(build.current(element.clientWidth || 400), data.current, element);
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
  }, [host, key, height]);

  useEffect(() => {
    plot.current?.setData(columns);
  }, [columns]);
  return plot;
}
