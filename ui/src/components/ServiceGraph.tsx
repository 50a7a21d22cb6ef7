// The service-call graph as SVG: a node per service, an arrow per caller -> callee pair seen,
// each open incident's origin and impacted services coloured and the path between them drawn.

import type { Graph } from "../api";
import { circleLayout, edgeWidth, type IncidentMap } from "../graph";

interface Props {
  graph: Graph;
  incidents: IncidentMap;
  selected: string | null;
  onSelect: (name: string) => void;
}

const SIZE = 420;

export function ServiceGraph({ graph, incidents, selected, onSelect }: Props) {
  if (graph.nodes.length === 0) return <div className="empty">No service has reported yet.</div>;
  const nodes = circleLayout(graph.nodes, SIZE);
  const at = new Map(nodes.map((node) => [node.name, node]));
  const maxCount = Math.max(1, ...graph.edges.map((edge) => edge.count));
  return (
    <svg
      className="graph"
      viewBox={`0 0 ${SIZE} ${SIZE}`}
      role="img"
      aria-label="Service call graph"
      data-testid="service-graph"
    >
      <defs>
        {/* Fixed-size arrowheads (not scaled by edge width), their tips at a node's rim. */}
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="26"
          refY="5"
          markerWidth="10"
          markerHeight="10"
          markerUnits="userSpaceOnUse"
          orient="auto"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b" />
        </marker>
      </defs>
      {graph.edges.map((edge) => {
        const from = at.get(edge.source);
        const to = at.get(edge.target);
        if (!from || !to) return null;
        const key = `${edge.source}->${edge.target}`;
        return (
          <line
            key={key}
            className={incidents.path.has(key) ? "path" : undefined}
            x1={from.x}
            y1={from.y}
            x2={to.x}
            y2={to.y}
            stroke="#64748b"
            strokeWidth={edgeWidth(edge.count, maxCount)}
            markerEnd="url(#arrow)"
          >
            <title>{`${edge.source} → ${edge.target}: ${edge.count} calls`}</title>
          </line>
        );
      })}
      {nodes.map((node) => (
        // biome-ignore lint/a11y/noStaticElementInteractions: the same services are selectable in the table beside the graph
        <g
          key={node.name}
          className={nodeClass(node.name, incidents, selected)}
          data-state={incidents.nodes.get(node.name) ?? "ok"}
          onClick={() => onSelect(node.name)}
        >
          <circle cx={node.x} cy={node.y} r={14} />
          <text x={node.x} y={node.y + 30} textAnchor="middle">
            {node.name}
          </text>
        </g>
      ))}
    </svg>
  );
}

function nodeClass(name: string, incidents: IncidentMap, selected: string | null): string {
  const state = incidents.nodes.get(name);
  const severity = incidents.severity.get(name);
  return ["node", name === selected && "selected", state, severity && `sev-${severity}`]
    .filter(Boolean)
    .join(" ");
}
