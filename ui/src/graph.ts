// Where to draw the service-call graph's nodes: on a circle, in name order, so the picture
// stays put as traffic changes. Pure, so layout is tested without a browser.

import type { Graph } from "./api";

export interface PlacedNode {
  name: string;
  x: number;
  y: number;
}

export function circleLayout(names: string[], size: number): PlacedNode[] {
  const center = size / 2;
  const radius = names.length > 1 ? size / 2 - 60 : 0;
  return [...names].sort().map((name, i, all) => {
    const angle = (2 * Math.PI * i) / all.length - Math.PI / 2;
    return { name, x: center + radius * Math.cos(angle), y: center + radius * Math.sin(angle) };
  });
}

/** The graph to draw: the backend's when it has one, else the services seen, unconnected. */
export function graphOrNodes(graph: Graph | null, services: string[]): Graph {
  if (!graph) return { nodes: services, edges: [] };
  const nodes = new Set([...graph.nodes, ...services]);
  for (const edge of graph.edges) {
    nodes.add(edge.source);
    nodes.add(edge.target);
  }
  return { nodes: [...nodes], edges: graph.edges };
}

/** Stroke width for an edge: grows with the log of its call count, 1 to 6 px. */
export function edgeWidth(count: number, maxCount: number): number {
  if (maxCount <= 1) return 1.5;
  return 1 + (5 * Math.log1p(count)) / Math.log1p(maxCount);
}
