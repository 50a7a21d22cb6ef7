// Where to draw the service-call graph's nodes: on a circle, in name order, so the picture
// stays put as traffic changes. Pure, so layout is tested without a browser.

import type { Alert, Graph } from "./api";

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

export type NodeState = "origin" | "impacted";

/** What the open incidents say of the services: where each starts and whom it reaches. */
export interface IncidentMap {
  /** Service -> its state; an origin outranks impacted when two incidents overlap. */
  nodes: Map<string, NodeState>;
  /** Severity of the open incident a service originates. */
  severity: Map<string, string>;
  /** "caller->callee" of every edge between services of one open incident (its path). */
  path: Set<string>;
}

/**
 * The open incidents from the alerts (each incident's latest alert decides whether it is
 * still open), as the graph colours them: the origin, the impacted services, and the
 * edges between them.
 */
export function incidentMap(alerts: Alert[], graph: Graph): IncidentMap {
  const latest = new Map<string, Alert>();
  for (const alert of alerts) {
    const seen = latest.get(alert.incident_id);
    if (!seen || alert.time >= seen.time) latest.set(alert.incident_id, alert);
  }
  const map: IncidentMap = { nodes: new Map(), severity: new Map(), path: new Set() };
  for (const alert of latest.values()) {
    if (alert.status === "resolved" || alert.scope !== "service") continue;
    const members = new Set([alert.target, ...alert.impacted]);
    for (const name of alert.impacted) {
      if (!map.nodes.has(name)) map.nodes.set(name, "impacted");
    }
    map.nodes.set(alert.target, "origin");
    map.severity.set(alert.target, alert.severity);
    for (const edge of graph.edges) {
      if (members.has(edge.source) && members.has(edge.target)) {
        map.path.add(`${edge.source}->${edge.target}`);
      }
    }
  }
  return map;
}
